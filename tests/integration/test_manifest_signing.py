"""Issue 19, data safety: a manifest proves who wrote it (an HMAC by the controller's vaulted key, docs/backup.md),
the newest chain is the one the server itself records as newest, not the one a file dates latest, and a damaged
newest chain makes `latest` fall back to the newest good one and say so."""
import glob
import json
import os
import re
import shutil

import pytest
from playbook_lab import LOCATION, SHARE, main_and_backup, share_dir

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import signing

BACKUP = {**LOCATION, "destination": SHARE}
RESTORE = {**LOCATION, "destination": SHARE, "services": [], "confirm": True, "safety_backup": False}
LAB_KEY = "lab manifest key - not a secret, lab only"  # inventories/lab/group_vars/all.yml
OLD_KEY, NEW_KEY = "the key of last year, rotated away", "the key of this year, from the vault"


@pytest.fixture
def estate(tmp_path):
    return main_and_backup(tmp_path)


def stem(path):
    return re.split(r"[\\/]", path)[-1][: -len(".json")]


def on_share(lab, name):
    return os.path.join(share_dir(lab), name)


def read(lab, name):
    with open(on_share(lab, name + ".json")) as handle:
        return json.load(handle)


def write(lab, name, manifest):
    with open(on_share(lab, name + ".json"), "w") as handle:
        json.dump(manifest, handle, indent=1)


def test_a_forged_copy_of_another_servers_backup_is_never_restored(estate, tmp_path):
    """The issue's case: ol_backup's newest archive and manifest copied as ol_main's, name, archive, chain,
    informixserver and host edited, the checksum left as it is (the archive did not change)."""
    main, backup = estate
    main.sql("insert into agents values ('7100', 'Main Row', 'ready');")
    backup.sql("insert into agents values ('7200', 'Only On Backup', 'ready');")
    _, (own, theirs) = main.tasks([("oscc.admin.informix_backup", BACKUP),
                                   ("oscc.admin.informix_backup", BACKUP, {"host": backup.inventory_host})], tmp_path)
    assert own["verified"] and theirs["verified"]
    forged_name = "ol_main_20991231T000000000_L0"
    forged = dict(read(backup, stem(theirs["manifest"])), name=forged_name, archive=forged_name + ".arc",
                  chain=forged_name, informixserver="ol_main", host="lab-main")
    shutil.copy(on_share(backup, stem(theirs["manifest"]) + ".arc"), on_share(main, forged_name + ".arc"))
    write(main, forged_name, forged)
    main.sql("delete from agents;")

    # the plan, the restore, and the forged manifest asked for by name (refused: it leaves the restored rows alone)
    forged_path = SHARE + "\\" + forged_name + ".json"
    _, (planned, restored, refused) = main.tasks([
        ("oscc.admin.informix_restore", RESTORE, {"check": True}),
        ("oscc.admin.informix_restore", RESTORE),
        ("oscc.admin.informix_restore", {**RESTORE, "manifest": forged_path})], tmp_path)
    for result in (planned, restored):
        assert result["restored"] == [stem(own["manifest"])], result
        reasons = {stem(s["manifest"]): s["reason"] for s in result["skipped_manifests"]}
        assert reasons == {forged_name: signing.NOT_VERIFIED}
    agents = main.rows("lab-main", "agents")
    assert any("7100" in str(row) for row in agents) and not any("7200" in str(row) for row in agents)
    assert os.path.exists(on_share(main, forged_name + ".json"))  # skipped, never deleted
    assert refused["failed"] and refused["msg"].endswith(signing.NOT_VERIFIED), refused
    assert own["signed_with"] == theirs["signed_with"] == signing.key_id(LAB_KEY.encode())  # one key, the estate's


def test_a_manifest_dated_in_the_future_neither_stays_latest_nor_makes_retention_delete_real_chains(estate,
                                                                                                     tmp_path):
    """A controller with a wrong clock (its manifests signed with the right key) wrote a backup dated 2099."""
    main, _backup = estate
    _, (first, second) = main.tasks([("oscc.admin.informix_backup", BACKUP)] * 2, tmp_path)
    future_name = "ol_main_20990101T000000000_L0"
    future = dict(read(main, stem(first["manifest"])), name=future_name, archive=future_name + ".arc",
                  chain=future_name, start="2099-01-01T00:00:00.000Z", end="2099-01-01T00:05:00.000Z")
    shutil.copy(on_share(main, stem(first["manifest"]) + ".arc"), on_share(main, future_name + ".arc"))
    write(main, future_name, signing.sign(future, signing.Trust.of(LAB_KEY)))

    _, (latest, third, fourth) = main.tasks([
        ("oscc.admin.informix_restore", RESTORE, {"check": True}),
        ("oscc.admin.informix_backup", {**BACKUP, "keep_full": 1}),
        ("oscc.admin.informix_backup", {**BACKUP, "keep_full": 1})], tmp_path)
    assert latest["restored"] == [stem(second["manifest"])], latest
    assert third["verified"] and fourth["verified"], (third, fourth)
    reasons = {stem(s["manifest"]): s["reason"] for s in fourth["skipped_manifests"]}
    assert reasons[future_name].startswith("it is dated in the future (2099-01-01T00:00:00.000Z"), reasons
    kept = sorted(os.path.basename(p) for p in glob.glob(on_share(main, "ol_main_*.json")))
    assert kept == sorted([future_name + ".json", stem(fourth["manifest"]) + ".json"])  # the newest real chain stays
    assert third["deleted"] and fourth["deleted"] and not any(future_name in d for d in third["deleted"] +
                                                               fourth["deleted"])


def test_a_manifest_claiming_an_archive_newer_than_the_servers_own_is_not_latest(estate, tmp_path):
    main, _backup = estate
    _, own = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    beyond_name = "ol_main_20261231T000000000_L0"  # a date in range; the checkpoint is what lies
    manifest = read(main, stem(own["manifest"]))
    beyond = dict(manifest, name=beyond_name, archive=beyond_name + ".arc", chain=beyond_name,
                  checkpoint=dict(manifest["checkpoint"], log=manifest["checkpoint"]["log"] + 50))
    shutil.copy(on_share(main, stem(own["manifest"]) + ".arc"), on_share(main, beyond_name + ".arc"))
    write(main, beyond_name, signing.sign(beyond, signing.Trust.of(LAB_KEY)))
    _, latest = main.task("oscc.admin.informix_restore", RESTORE, tmp_path, check=True)
    assert latest["restored"] == [stem(own["manifest"])], latest
    reasons = {stem(s["manifest"]): s["reason"] for s in latest["skipped_manifests"]}
    assert reasons[beyond_name].startswith("it claims an archive newer than the server's own newest"), reasons


def test_a_rotated_key_still_verifies_and_new_manifests_use_the_new_key(estate, tmp_path):
    main, _backup = estate
    old = {"oscc_manifest_key": OLD_KEY}
    # The new key reaches the task as the example inventory passes it: a template over a vaulted variable.
    rotated = {"oscc_manifest_key": "{{ vault_key }}", "vault_key": NEW_KEY, "oscc_manifest_previous_keys": [OLD_KEY]}
    _, (full, incremental, both, new_only) = main.tasks([
        ("oscc.admin.informix_backup", BACKUP, {"vars": old}),
        ("oscc.admin.informix_backup", {**BACKUP, "level": 1}, {"vars": rotated}),
        ("oscc.admin.informix_restore", RESTORE, {"check": True, "vars": rotated}),
        ("oscc.admin.informix_restore", RESTORE, {"check": True, "vars": {"oscc_manifest_key": NEW_KEY}})], tmp_path)
    assert full["signed_with"] == signing.key_id(OLD_KEY.encode()), full
    assert incremental["signed_with"] == signing.key_id(NEW_KEY.encode()) and incremental["parent"] == stem(
        full["manifest"]), incremental
    assert read(main, stem(incremental["manifest"]))["signature"]["key_id"] == signing.key_id(NEW_KEY.encode())
    assert OLD_KEY not in json.dumps(read(main, stem(incremental["manifest"])))  # only a hash names the key

    assert both["restored"] == [stem(full["manifest"]), stem(incremental["manifest"])], both
    assert new_only["failed"], new_only  # the old key dropped: its level 0 no longer verifies, nor the chain
    assert f"{stem(full['manifest'])}.json: {signing.NOT_VERIFIED}" in new_only["msg"], new_only


def test_unsigned_manifests_are_refused_by_default_and_taken_with_the_opt_in_listed_and_warned(estate, tmp_path):
    main, _backup = estate
    no_key = {"oscc_manifest_key": None}
    _, unsigned = main.task("oscc.admin.informix_backup", BACKUP, tmp_path, extra=no_key)
    assert unsigned["verified"] and unsigned["signed_with"] is None and "signature" not in read(
        main, stem(unsigned["manifest"]))
    assert any("manifest is unsigned" in w for w in unsigned["warnings"]), unsigned

    # Review 19c F2: an unsigned manifest is taken only when named (manifest:), never by latest.
    named = {**RESTORE, "manifest": SHARE + "\\" + stem(unsigned["manifest"]) + ".json"}
    named_accepted = {**named, "accept_unsigned_manifests": True}
    _, (without_key, accepted, not_latest, refused, taken) = main.tasks([
        ("oscc.admin.informix_restore", RESTORE, {"check": True, "vars": no_key}),
        ("oscc.admin.informix_restore", named_accepted, {"check": True, "vars": no_key}),
        ("oscc.admin.informix_restore", {**RESTORE, "accept_unsigned_manifests": True},
         {"check": True, "vars": no_key}),
        ("oscc.admin.informix_restore", named, {"check": True}),
        ("oscc.admin.informix_restore", named_accepted, {"check": True})], tmp_path)
    assert without_key["failed"] and "\n" not in without_key["msg"], without_key
    assert "manifest_key" in without_key["msg"] and "accept_unsigned_manifests" in without_key["msg"]
    assert accepted["restored"] == [stem(unsigned["manifest"])], accepted
    assert accepted["unsigned_manifests"] == [unsigned["manifest"]]
    assert any("unsigned" in w and unsigned["manifest"] in w for w in accepted["warnings"]), accepted
    assert not_latest.get("failed") and "restored only when named" in not_latest["msg"], not_latest

    assert refused["failed"] and "accept_unsigned_manifests: true" in refused["msg"], refused  # the lab's key given
    assert taken["restored"] == [stem(unsigned["manifest"])] and taken["unsigned_manifests"] == [unsigned["manifest"]]


def test_a_damaged_newest_chain_makes_latest_fall_back_to_the_newest_good_one_and_say_so(estate, tmp_path):
    main, _backup = estate
    _, (older, newer) = main.tasks([("oscc.admin.informix_backup", BACKUP)] * 2, tmp_path)
    with open(main.here(newer["archive"]), "r+b") as handle:
        handle.seek(newer["size"] // 2)
        handle.write(b"\x00")
    _, restored = main.task("oscc.admin.informix_restore", RESTORE, tmp_path)
    assert restored["restored"] == [stem(older["manifest"])], restored
    assert [p["name"] for p in restored["passed_over"]] == [stem(newer["manifest"])]
    assert restored["passed_over"][0]["reason"].startswith("checksum mismatch")
    assert any(stem(newer["manifest"]) in w and "checksum mismatch" in w for w in restored["warnings"]), restored
    assert restored["server_mode"] == "On-Line"
