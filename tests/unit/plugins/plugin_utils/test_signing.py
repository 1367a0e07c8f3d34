"""Manifest signing (issue 19) on the recorded probes of fixtures/informix: what verifies, what is skipped and why,
rotation, the opt-in for unsigned manifests, and the server's own record deciding which chain is the newest."""
import copy
import dataclasses
import datetime as dt
import json
import os
import posixpath

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import signing
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_options import backup_arguments
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_plan import plan_backup
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import Probe
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_plan import plan_restore

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "informix")
SHARE = "/lab/share"
KEY, OLD_KEY, OTHER_KEY = "this year's manifest key", "last year's manifest key", "somebody else's key!"
NOW = dt.datetime(2027, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc)
RESTORE_ARGS = {"include_levels": None, "allow_version_mismatch": False, "chunks": None, "services": []}


def recording(name="probe_shared_destination.json"):
    with open(os.path.join(FIXTURES, name)) as handle:
        recorded = json.load(handle)
    assert recorded.pop("platform") == "posix"
    return recorded


def entries(recorded):
    return {e["name"]: e for e in recorded["results"]["manifests"]["entries"]}


def main_manifests(recorded):
    """The main server's manifest files, oldest first (their names carry the time)."""
    return sorted(n for n in entries(recorded) if n.startswith("ol_main_") and n.endswith("_L0.json")
                  or n.startswith("ol_main_") and n.endswith("_L1.json"))


def rewrite(recorded, name, change):
    entry = entries(recorded)[name]
    entry["content"] = json.dumps(change(json.loads(entry["content"])), indent=1, sort_keys=True)


def signed_with(recorded, key, names=None):
    recorded = copy.deepcopy(recorded)
    for name in names if names is not None else main_manifests(recorded):
        rewrite(recorded, name, lambda m: signing.sign(m, signing.Trust.of(key)))
    return recorded


def probe(recorded, trust, now=NOW):
    return Probe.from_results(**recorded, path=posixpath, trust=trust, now=now)


def reasons(probe_):
    return {posixpath.basename(s["manifest"]): s["reason"] for s in probe_.skipped}


# ---------------------------------------------------------------- the signature
def test_the_signature_covers_every_field_but_itself_whatever_the_file_layout():
    manifest = {"format": 1, "name": "ol_main_x", "level": 0, "chunks": ["/a", "/b"], "host": "lab-main"}
    signed = signing.sign(manifest, signing.Trust.of(KEY))
    assert signed["signature"]["alg"] == "hmac-sha256" and len(signed["signature"]["value"]) == 64
    assert signed["signature"]["key_id"] == signing.key_id(KEY.encode()) and KEY not in json.dumps(signed)
    again = json.loads(json.dumps(signed, indent=4))  # another layout on disk, the same content
    assert signing.signature_problem(again, signing.Trust.of(KEY)) is None
    for change in ({"host": "lab-backup"}, {"chunks": ["/b", "/a"]}, {"extra": None}):
        assert signing.signature_problem(dict(signed, **change), signing.Trust.of(KEY)) == signing.NOT_VERIFIED
    assert signing.signature_problem(signed, signing.Trust.of(OTHER_KEY)) == signing.NOT_VERIFIED
    assert "no manifest_key" in signing.signature_problem(signed, signing.Trust())


def test_keys_are_checked_and_never_shown():
    trust = signing.Trust.of(KEY, [OLD_KEY, KEY])
    assert trust.key_ids == [signing.key_id(KEY.encode()), signing.key_id(OLD_KEY.encode())]
    assert KEY not in repr(trust) and OLD_KEY not in repr(trust)
    with pytest.raises(signing.ManifestKeyError, match="manifest_key must be text of at least 16"):
        signing.Trust.of("short")
    with pytest.raises(signing.ManifestKeyError, match="manifest_previous_keys needs manifest_key"):
        signing.Trust.of(None, [OLD_KEY])
    assert signing.sign({"a": 1}, signing.Trust()) == {"a": 1}  # no key: the manifest stays unsigned


# ---------------------------------------------------------------- on the recorded probes
def test_signed_manifests_of_a_recorded_probe_verify_and_an_edited_one_is_skipped():
    recorded = recording()
    names = main_manifests(recorded)
    signed = signed_with(recorded, KEY)
    trusted = probe(signed, signing.Trust.of(KEY))
    assert [posixpath.basename(m["manifest"]) for m in trusted.own] == names and trusted.skipped == []
    rewrite(signed, names[-1], lambda m: dict(m, host="lab-backup"))  # edited, signature kept
    edited = probe(signed, signing.Trust.of(KEY))
    assert reasons(edited) == {names[-1]: signing.NOT_VERIFIED}
    # The server's own record shows the edited manifest's archive as its newest: latest refuses to roll back past it.
    with pytest.raises(AnsibleActionFail, match="the server's newest archive .* is in no verified manifest"):
        plan_restore(RESTORE_ARGS, edited, None, posixpath)
    # Without that record (a clean machine), latest falls back past it and says so, as before.
    plan = plan_restore(RESTORE_ARGS, dataclasses.replace(edited, archives_by_level={}), None, posixpath)
    assert plan.chain[-1]["name"] + ".json" != names[-1] and plan.fell_back_past == [f"{SHARE}/{names[-1]}"]
    with pytest.raises(AnsibleActionFail, match="does not verify"):
        plan_restore(RESTORE_ARGS, edited, names[-1][: -len(".json")], posixpath)


def test_another_servers_manifest_copied_and_renamed_does_not_verify():
    """The issue's forgery: ol_report's manifest made ol_main's, its checksum kept."""
    recorded = signed_with(recording(), KEY, names=None)
    theirs = sorted(n for n in entries(recorded) if n.startswith("ol_report_") and n.endswith(".json"))[-1]
    source = signing.sign(json.loads(entries(recorded)[theirs]["content"]), signing.Trust.of(OTHER_KEY))
    name = "ol_main_20991231T000000000_L0"
    ours = json.loads(entries(recorded)[main_manifests(recorded)[0]]["content"])
    forged = dict(source, name=name, archive=name + ".arc", chain=name, informixserver="ol_main", host="lab-main",
                  chunks=ours["chunks"])  # a careful forger edits what the path checks would catch
    recorded["results"]["manifests"]["entries"].append(
        {"name": name + ".json", "dir": False, "link": False, "content": json.dumps(forged)})
    judged = probe(recorded, signing.Trust.of(KEY))
    assert reasons(judged) == {name + ".json": signing.NOT_VERIFIED}
    assert name not in [m["name"] for m in judged.own]


def test_a_rotated_key_still_verifies_and_an_unknown_one_does_not():
    recorded = recording()
    names = main_manifests(recorded)
    mixed = signed_with(signed_with(recorded, OLD_KEY), KEY, names=names[-1:])
    rotated = probe(mixed, signing.Trust.of(KEY, [OLD_KEY]))
    assert len(rotated.own) == len(names) and rotated.skipped == []
    dropped = probe(mixed, signing.Trust.of(KEY))
    assert set(reasons(dropped)) == set(names[:-1])
    assert all(r == signing.NOT_VERIFIED for r in reasons(dropped).values())


def test_unsigned_manifests_are_skipped_by_default_taken_with_the_opt_in_and_never_counted_by_retention():
    recorded = recording()
    names = main_manifests(recorded)
    refused = probe(recorded, signing.Trust.of(KEY))
    assert refused.own == [] and set(reasons(refused)) == set(names)
    assert all("accept_unsigned_manifests: true" in r for r in reasons(refused).values())
    accepted = probe(recorded, signing.Trust.of(KEY, accept_unsigned=True))
    assert len(accepted.own) == len(names) and all(m["unsigned"] for m in accepted.own)
    plan = plan_backup(backup_arguments({"destination": SHARE, "method": "stdio", "keep_full": 1}), accepted, "lab",
                       now=NOW)
    assert plan.delete == [] and plan.doomed == []  # an unsigned chain is neither counted nor deleted
    # The same recording signed: retention deletes the older chain, as before signing.
    signed = probe(signed_with(recorded, KEY), signing.Trust.of(KEY))
    plan = plan_backup(backup_arguments({"destination": SHARE, "method": "stdio", "keep_full": 1}), signed, "lab",
                       now=NOW)
    assert plan.delete


def test_a_manifest_dated_in_the_future_is_skipped_and_never_decides_retention():
    recorded = recording()
    names = main_manifests(recorded)
    rewrite(recorded, names[0], lambda m: dict(m, start="2099-01-01T00:00:00.000Z"))
    judged = probe(signed_with(recorded, KEY), signing.Trust.of(KEY))
    assert reasons(judged)[names[0]].startswith("it is dated in the future (2099-01-01T00:00:00.000Z")
    plan = plan_backup(backup_arguments({"destination": SHARE, "method": "stdio", "keep_full": 1}), judged, "lab",
                       now=NOW)
    assert names[0] not in plan.delete and names[0][: -len(".json")] + ".arc" not in plan.delete


def test_the_newest_chain_is_the_one_the_servers_record_shows_not_the_latest_date():
    recorded = recording()
    names = main_manifests(recorded)
    oldest = names[0]
    # The oldest chain re-dated to look newest (within the clock's tolerance): its checkpoint still says old.
    rewrite(recorded, oldest, lambda m: dict(m, start="2027-01-02T03:00:00.000Z"))
    judged = probe(signed_with(recorded, KEY), signing.Trust.of(KEY))
    plan = plan_restore(RESTORE_ARGS, judged, None, posixpath)
    assert plan.chain[0]["name"] + ".json" != oldest


def test_a_checkpoint_beyond_the_servers_record_is_not_latest_but_may_be_named():
    recorded = recording()
    names = main_manifests(recorded)
    newest_l0 = [n for n in names if n.endswith("_L0.json")][-1]
    rewrite(recorded, newest_l0, lambda m: dict(m, checkpoint=dict(m["checkpoint"], log=m["checkpoint"]["log"] + 9)))
    judged = probe(signed_with(recorded, KEY), signing.Trust.of(KEY))
    assert reasons(judged)[newest_l0].startswith(arc.BEYOND_RECORD)
    assert [m["name"] + ".json" for m in judged.unrecorded] == [newest_l0]
    # The server's real newest is now in no manifest (this one claims another checkpoint): latest refuses.
    with pytest.raises(AnsibleActionFail, match="is in no verified manifest"):
        plan_restore(RESTORE_ARGS, judged, None, posixpath)
    named = plan_restore(RESTORE_ARGS, judged, newest_l0[: -len(".json")], posixpath)
    assert named.chain[0]["name"] + ".json" == newest_l0
    # A clean machine (the server's history unreadable): the checkpoint order among verified manifests decides.
    clean = arc.own_manifests(judged.manifests, "ol_main", posixpath, SHARE, None, None,
                              signing.Trust.of(KEY), {}, NOW)
    assert newest_l0 in [m["name"] + ".json" for m in clean.own]


@pytest.mark.parametrize("signature", [None, {}, "", [], 0])
def test_a_signature_field_emptied_is_an_edited_manifest_not_an_unsigned_one(signature):
    """Issue 19 review: "signature": null passed as unsigned under accept_unsigned_manifests without being marked
    unsigned, so retention counted it and the result did not list it. Only a manifest with no signature field at
    all is unsigned; an emptied one was edited."""
    recorded = signed_with(recording(), KEY)
    name = sorted(main_manifests(recorded))[0]
    rewrite(recorded, name, lambda m: dict(m, signature=signature))
    found = probe(recorded, signing.Trust.of(KEY, accept_unsigned=True))
    assert reasons(found)[name] == signing.NOT_VERIFIED
    assert all(not m.get("unsigned") for m in found.own)


def test_an_unsigned_manifest_never_outranks_a_signed_chain_but_may_be_named():
    """Issue 19 second review: with accept_unsigned_manifests, a forgery that simply leaves its signature out was the
    newest chain and `latest` restored it. Review 19c F2: nor where no signed one exists (the forger deletes it):
    unsigned manifests never serve `latest` or a new backup's parent; named, one is still restored."""
    recorded = recording()
    l0s = [n for n in main_manifests(recorded) if n.endswith("_L0.json")]
    newest_l0 = l0s[-1]
    older = [n for n in main_manifests(recorded) if n < newest_l0]  # the older chains, signed; the newest is not
    judged = probe(signed_with(recorded, KEY, older), signing.Trust.of(KEY, accept_unsigned=True))
    assert newest_l0 in [m["name"] + ".json" for m in judged.own if m.get("unsigned")]
    # The server's newest archive is only in the unsigned manifest: latest neither takes it nor silently rolls back.
    with pytest.raises(AnsibleActionFail, match="is in no verified manifest") as refused:
        plan_restore(RESTORE_ARGS, judged, None, posixpath)
    assert l0s[-2][: -len(".json")] in str(refused.value)
    named = plan_restore(RESTORE_ARGS, judged, newest_l0[: -len(".json")], posixpath)
    assert named.chain[0]["name"] + ".json" == newest_l0
    # A level 1 never builds on the unsigned chain; the server's own last level 0 is that one, so none is taken.
    with pytest.raises(arc.ChainError, match="Take a level 0 backup to start a new chain"):
        plan_backup(backup_arguments({"destination": SHARE, "method": "stdio", "level": 1}), judged, "lab", now=NOW)
    only_unsigned = probe(recorded, signing.Trust.of(KEY, accept_unsigned=True))  # no signed chain at all
    with pytest.raises(arc.ChainError, match=r"unsigned manifest\(s\) .* are restored only when named"):
        plan_restore(RESTORE_ARGS, only_unsigned, None, posixpath)
    named = plan_restore(RESTORE_ARGS, only_unsigned, newest_l0[: -len(".json")], posixpath)
    assert named.chain[0]["name"] + ".json" == newest_l0 and all(m.get("unsigned") for m in named.chain)


# --- issue 19 (stage19): a manifest's date is judged by the host's clock, which wrote it ---

@pytest.mark.parametrize("host_now, controller_now, future, clock", [
    ("20270102T030000000", dt.datetime(2027, 1, 2, 5, tzinfo=dt.timezone.utc), True, arc.HOST_CLOCK),
    ("20270102T050000000", dt.datetime(2027, 1, 2, 3, tzinfo=dt.timezone.utc), False, arc.HOST_CLOCK),
    (None, dt.datetime(2027, 1, 2, 3, tzinfo=dt.timezone.utc), True, arc.CONTROLLER_CLOCK),
    ("not a stamp", dt.datetime(2027, 1, 2, 5, tzinfo=dt.timezone.utc), False, arc.CONTROLLER_CLOCK),
])
def test_a_manifest_s_date_is_judged_by_the_host_s_clock_and_the_reason_names_the_clock(
        host_now, controller_now, future, clock):
    """Manifest dated 04:00 UTC: one hour ahead of a clock at 03:00 (beyond the 15 minutes), behind one at 05:00."""
    recorded = recording()
    names = main_manifests(recorded)
    rewrite(recorded, names[0], lambda m: dict(m, start="2027-01-02T04:00:00.000Z"))
    judged = probe(dict(signed_with(recorded, KEY), host_now=host_now), signing.Trust.of(KEY), now=controller_now)
    reason = reasons(judged).get(names[0], "")
    assert reason.startswith("it is dated in the future (2027-01-02T04:00:00.000Z") is future, reason
    if future:
        assert reason.endswith(f"by {clock})"), reason
    assert arc.judging_clock(host_now, controller_now)[1] == clock
