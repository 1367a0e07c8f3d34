"""The backup and restore planners and the backup's judge on probes recorded from the lab
(fixtures/informix, made by fixtures/informix/record.py): three servers backing up into one share, a
damaged manifest, a scheduled run whose record waits for the next backup."""
import copy
import dataclasses
import datetime as dt
import json
import os
import posixpath
import subprocess
import sys
from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import schedule, signing
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_options import backup_arguments
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_plan import backup_outcome, plan_backup
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import Informix
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import Probe
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_plan import plan_restore

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "informix")
SHARE = "/lab/share"
NOW = dt.datetime(2027, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc)
RESTORE_ARGS = {"include_levels": None, "allow_version_mismatch": False, "chunks": None,
                "services": ["OpenScape Contact Center"]}


def recorded(name: str) -> dict:
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


# The controller's key in these tests (the lab's is in inventories/lab); the recordings' manifests are signed with it
# as the controller that wrote them would have (test_signing.py: what happens to those not signed so).
KEY = "unit-test manifest key, not a secret"
TRUST = signing.Trust.of(KEY)


def signed(recording: dict, trust=TRUST, names=None) -> dict:
    """The recording with its manifests (those named, default every readable one) signed as by `trust`."""
    recording = copy.deepcopy(recording)
    for entry in recording["results"].get("manifests", {}).get("entries", []):
        try:
            content = json.loads(entry.get("content") or "")
        except ValueError:
            continue
        if isinstance(content, dict) and "format" in content and (names is None or entry["name"] in names):
            entry["content"] = json.dumps(signing.sign(content, trust), indent=1, sort_keys=True)
    return recording


def probe_of(name: str, trust=TRUST, sign=True, now=None) -> Probe:
    recording = recorded(name)
    assert recording.pop("platform") == "posix"
    return Probe.from_results(**(signed(recording) if sign else recording), path=posixpath, trust=trust, now=now)


def own_names(probe: Probe, suffix: str) -> list[str]:
    """The main server's files of one kind, oldest first (their names carry the time)."""
    return sorted(n for n in probe.files if n.startswith("ol_main_") and n.endswith(suffix))


def backup(probe: Probe, **given):
    return plan_backup(backup_arguments({"destination": SHARE, "method": "stdio", **given}), probe, "lab", now=NOW)


# ---------------------------------------------------------------- a share with three servers
def test_the_probe_reads_only_its_own_servers_manifests_of_a_shared_destination():
    probe = probe_of("probe_shared_destination.json")
    assert probe.server == "ol_main" and probe.server_mode == "On-Line" and probe.destination_exists
    assert len(probe.manifests) == 9 and probe.others == 6 and probe.skipped == []
    assert sorted(m["name"] + ".json" for m in probe.own) == own_names(probe, ".json")
    assert {m["informixserver"] for m in probe.own} == {"ol_main"}
    assert "Archive Status" in probe.text.onstat_arc and probe.archives_by_level[0]["log"] == 10


def test_retention_deletes_only_the_own_servers_older_chain():
    probe = probe_of("probe_shared_destination.json")
    first_l0, first_l1, newest_l0 = [n[: -len(".json")] for n in own_names(probe, ".json")]
    plan = backup(probe, keep_full=2)
    assert plan.name == "ol_main_20270102T030405678_L0" and plan.level == 0 and plan.manifest["parent"] is None
    assert [m["name"] for m in plan.doomed] == [first_l0, first_l1]
    assert sorted(plan.delete) == sorted(n + ext for n in (first_l0, first_l1) for ext in (".arc", ".json"))
    keep_one = backup(probe, keep_full=1)
    assert sorted(m["name"] for m in keep_one.doomed) == [first_l0, first_l1, newest_l0]
    assert all(n.startswith("ol_main_") for n in keep_one.delete) and len(keep_one.delete) == 6
    assert backup(probe, keep_full=None).delete == []


def test_a_level_1_builds_on_the_own_servers_newest_level_0():
    probe = probe_of("probe_shared_destination.json")
    newest_l0 = own_names(probe, "_L0.json")[-1][: -len(".json")]
    plan = backup(probe, level=1)
    assert plan.name.endswith("_L1") and plan.manifest["parent"] == newest_l0 and plan.manifest["chain"] == newest_l0
    assert plan.delete == [] and plan.previous_checkpoint is None and not plan.held


def test_a_backup_never_overwrites_a_file_of_the_destination():
    probe = probe_of("probe_shared_destination.json")
    taken = dict(probe.files, **{"ol_main_20270102T030405678_L0.arc": {"name": "x", "dir": False, "link": None}})
    with pytest.raises(AnsibleActionFail, match="ol_main_20270102T030405678_L0.arc already exists"):
        backup(dataclasses.replace(probe, files=taken))


def test_a_server_not_on_line_gets_no_backup_plan():
    probe = dataclasses.replace(probe_of("probe_shared_destination.json"), onstat_rc=255, server_mode="Off-Line")
    with pytest.raises(AnsibleActionFail, match=r"is Off-Line \(onstat - rc 255\); backups need it On-Line"):
        backup(probe)


def test_the_restore_takes_the_own_servers_newest_chain_and_refuses_another_servers_manifest():
    probe = probe_of("probe_shared_destination.json")
    names = [n[: -len(".json")] for n in own_names(probe, ".json")]
    plan = plan_restore(RESTORE_ARGS, probe, None, posixpath)
    assert [m["name"] for m in plan.chain] == [names[2]] and plan.method == "stdio" and plan.warnings == []
    assert plan.report()["restored"] == [names[2]] and plan.report()["version_check"]["matches"]
    named = plan_restore(RESTORE_ARGS, probe, names[1], posixpath)
    assert [m["name"] for m in named.chain] == names[:2] and named.fell_back_past == []
    assert named.chunks == named.chain[0]["chunks"] and named.staged == []
    other = sorted(n for n in probe.files if n.startswith("ol_report_") and n.endswith(".json"))[0]
    with pytest.raises(AnsibleActionFail, match="is a backup of server ol_report .* not of ol_main"):
        plan_restore(RESTORE_ARGS, probe, other[: -len(".json")], posixpath)


# ---------------------------------------------------------------- a damaged manifest
def test_a_damaged_manifest_is_skipped_with_its_reason_and_never_deleted():
    probe = probe_of("probe_damaged_manifest.json")
    damaged = f"{SHARE}/ol_main_20991231T000000000_L0.json"
    assert [s["manifest"] for s in probe.skipped] == [damaged]
    assert probe.skipped[0]["reason"].startswith("not a readable manifest")
    assert len(probe.own) == 3 and probe.others == 6
    plan = backup(probe, keep_full=1)
    assert "ol_main_20991231T000000000_L0.json" not in plan.delete and len(plan.delete) == 6


def test_the_restore_says_it_fell_back_past_a_newer_damaged_manifest():
    probe = probe_of("probe_damaged_manifest.json")
    plan = plan_restore(RESTORE_ARGS, probe, None, posixpath)
    newest = own_names(probe, "_L0.arc")[-1][: -len(".arc")]
    assert [m["name"] for m in plan.chain] == [newest]
    assert plan.fell_back_past == [f"{SHARE}/ol_main_20991231T000000000_L0.json"]
    assert plan.warnings == [f"restoring {newest}, not a newer backup: skipped {SHARE}/ol_main_20991231T000000000_L0"
                             ".json: " + probe.skipped[0]["reason"]]
    with pytest.raises(AnsibleActionFail, match="refusing manifest .*20991231T000000000_L0.json: not a readable"):
        plan_restore(RESTORE_ARGS, probe, "ol_main_20991231T000000000_L0", posixpath)


# ---------------------------------------------------------------- a scheduled run waiting for its record
def test_a_pending_run_is_judged_into_a_manifest_and_its_archive_is_no_leftover():
    probe = probe_of("probe_pending_run.json")
    records = schedule.own_records(probe)
    assert len(records) == 1 and records[0]["record_name"].endswith("_L1.run.json")
    run = records[0]["record_name"][: -len(".run.json")]
    plan = backup(probe, keep_full=2)
    assert run + ".arc.partial" not in plan.leftovers and plan.leftovers == []
    assert not any(n.startswith(run) for n in plan.delete)
    host = SimpleNamespace(platform="posix", path=posixpath, is_abs=posixpath.isabs)
    informix = Informix(host, probe.environment["INFORMIXDIR"], probe.server, probe.environment["ONCONFIG"])
    verdict = schedule.judge(informix, records[0])
    assert "failure" not in verdict, verdict
    assert verdict["name"] == run and verdict["manifest"]["archive"] == run + ".arc"
    assert verdict["manifest"]["purpose"] == "scheduled" and verdict["manifest"]["verified"] is True
    assert verdict["manifest"]["parent_checkpoint"] == probe.archives_by_level[0]


def test_a_run_record_is_judged_only_by_the_hosts_own_copy_of_it():
    probe = probe_of("probe_pending_run.json")
    (record,) = schedule.own_records(probe)
    host = SimpleNamespace(platform="posix", path=posixpath, is_abs=posixpath.isabs)
    informix = Informix(host, probe.environment["INFORMIXDIR"], probe.server, probe.environment["ONCONFIG"])
    skipped = {"record": record["record"], "skipped": schedule.NOT_ON_HOST}
    assert schedule.judge_on_host(informix, record, {}) == skipped
    assert schedule.adoption_ops(informix, [schedule.judge_on_host(informix, record, {})]) == []  # nothing touched
    copy = {k: v for k, v in record.items() if k not in ("record", "record_name")}
    adopted = schedule.judge_on_host(informix, record, {record["record_name"]: copy})
    assert "failure" not in adopted and adopted["host_record"].startswith(informix.runs_dir)
    removed = [op["path"] for op in schedule.adoption_ops(informix, [adopted]) if op["op"] == "remove"]
    assert adopted["host_record"] in removed and record["record"] in removed
    edited = dict(record, failed_at=None, error="")
    refused = schedule.judge_on_host(informix, edited, {record["record_name"]: copy})
    assert "manifest" not in refused and refused["failure"] == schedule.EDITED_ON_SHARE


def test_a_destination_holding_the_stamp_placeholder_is_not_rewritten_by_the_scheduled_run(tmp_path):
    """Review 19c F4: the executor replaces the placeholder over the saved batch's whole text; an operator's
    destination holding {stamp} stays the folder it names, and only the run's own names get the time."""
    from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix
    probe = probe_of("probe_pending_run.json")
    host = SimpleNamespace(platform="posix", path=posixpath, is_abs=posixpath.isabs)
    informix = Informix(host, probe.environment["INFORMIXDIR"], probe.server, probe.environment["ONCONFIG"])
    destination = str(tmp_path / "{stamp}")
    args = dict(backup_arguments({"destination": destination, "method": "stdio", "level": 0}),
                results_file=str(tmp_path / "{stamp}" / "results.txt"))
    plan = schedule.scheduled_plan(args, probe, "lab")
    saved = schedule.saved_batch(informix, plan, str(tmp_path / "plan.json"))
    assert saved["stamp"] != schedule.STAMP and saved["stamp"] not in destination
    mkdir = next(op for op in saved["ops"] if op["op"] == "mkdir")
    # What the scheduled run does with its destination: the folder made, the record written into it.
    run = {"ops": [mkdir], "cleanup": [], "stamp": saved["stamp"], "record": saved["record"]}
    done = executor_posix.run_batch(json.loads(json.dumps(run)))
    assert "error" not in done and done["failed_at"] is None, done
    assert sorted(p.name for p in tmp_path.iterdir()) == ["{stamp}"]
    (record,) = (tmp_path / "{stamp}").iterdir()
    assert record.name == f"ol_main_{done['stamp']}_L0.run.json"
    assert schedule.saved_batch(informix, plan, str(tmp_path / "plan.json")) == saved  # the same on a second run


def test_a_killed_runs_partial_without_record_is_a_leftover_to_clear():
    probe = probe_of("probe_pending_run.json")
    record = next(n for n in probe.files if n.endswith(".run.json"))
    files = {n: e for n, e in probe.files.items() if n != record}
    plan = backup(dataclasses.replace(probe, files=files))
    assert plan.leftovers == [record.replace(".run.json", ".arc.partial")]


# ---------------------------------------------------------------- the backup's judge on its recorded batch
def test_a_recorded_backup_batch_is_judged_good_and_its_damage_is_named():
    results = recorded("backup_results_stdio.json")["results"]
    problem, kept = backup_outcome("ontape", 600, results)
    assert problem is None and kept["size"] == results["archive"]["stdout_size"] and len(kept["sha256"]) == 64
    cut = copy.deepcopy(results)
    cut["archive"]["output"] = cut["archive"]["output"].replace("Program over.", "")
    assert backup_outcome("ontape", 600, cut)[0] == ("ontape ended without 'Program over.' (interrupted or killed); "
                                                     "nothing was kept and no older backup was touched")
    late = copy.deepcopy(results)
    late["archive"]["timed_out"] = True
    assert backup_outcome("ontape", 600, late)[0].startswith("ontape did not finish within 600 seconds")
    empty = copy.deepcopy(results)
    empty["archive"]["stdout_size"] = 0
    assert backup_outcome("ontape", 600, empty)[0].startswith("ontape wrote no archive data")
    refused = {"archive": {"rc": 156, "output": ""}}
    assert backup_outcome("onbar", 600, refused)[0].startswith("onbar returned 156 (")


# ---------------------------------------------------------------- one argument builder
def test_the_backup_arguments_are_every_documented_option_at_its_default_then_the_given():
    args = backup_arguments({"destination": SHARE, "keep_full": None})
    assert args["tool"] == "ontape" and args["level"] == 0 and args["verify"] is True and args["timeout"] == 21600
    assert args["keep_full"] is None and args["method"] is None and args["informixdir"] is None
    assert args["services"] == ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]
    args["services"].append("changed")
    assert backup_arguments({})["services"] == ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]


# ---------------------------------------------------------------- the planners stay pure
PURE = ("model", "backup_plan", "backup_options", "restore_plan", "schedule", "parse", "archives")
PROGRAM = """
import sys
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
import importlib
for name in sys.argv[2:]:
    importlib.import_module("ansible_collections.oscc.admin.plugins.plugin_utils._informix." + name)
print(" ".join(sorted(m for m in sys.modules if m.endswith("_host.target") or m.startswith("ansible.plugins.action")
                      or m.endswith("_informix.host") or m.endswith("_informix.lock"))))
"""


def test_the_planners_import_neither_the_target_seam_nor_the_action_layer():
    root = os.path.abspath(os.path.join(FIXTURES, *[os.pardir] * 6))
    done = subprocess.run([sys.executable, "-c", PROGRAM, os.path.join(root, ".collections"), *PURE],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def test_a_host_copy_is_an_orphan_only_when_its_record_is_gone_its_run_is_old_and_its_destination_is_this_one():
    probe = probe_of("probe_pending_run.json")
    (record,) = schedule.own_records(probe)
    host_copy = {k: v for k, v in record.items() if k not in ("record", "record_name")}
    plan = json.loads(host_copy["results"][0]["content"])
    old_name = f"{probe.server}_20200101T000000000_L0.run.json"
    elsewhere = copy_with_plan(host_copy, dict(plan, destination=plan["destination"] + "-other"))
    copies = {record["record_name"]: host_copy, old_name: host_copy,
              f"{probe.server}_20200102T000000000_L0.run.json": elsewhere,
              f"{probe.server}_20200103T000000000_L0.run.json": {"results": []},  # damaged: stays
              "ol_other_20200101T000000000_L0.run.json": host_copy}  # not this server's name
    started = dt.datetime.strptime(record["record_name"].split("_")[-2][:15], "%Y%m%dT%H%M%S")
    now = started.replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=60)  # the record's run a minute ago
    shared = dataclasses.replace(probe, host_records=copies)
    assert schedule.orphaned_host_records(shared, posixpath, now) == [old_name]
    # the record of the destination gone too, but its run is younger than its time limit: it may still be ending
    gone = dataclasses.replace(shared, run_records=[])
    assert schedule.orphaned_host_records(gone, posixpath, now) == [old_name]
    later = started.replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=plan["timeout"] + 901)
    assert schedule.orphaned_host_records(gone, posixpath, later) == sorted([old_name, record["record_name"]])
    assert schedule.orphaned_host_records(dataclasses.replace(gone, destination_exists=False), posixpath, later) == []


def copy_with_plan(host_copy, plan):
    changed = copy.deepcopy(host_copy)
    changed["results"][0]["content"] = json.dumps(plan)
    return changed


# ---------------------------------------------------------------- review 19c F3: a shared destination's big files
def test_the_probe_reads_only_the_servers_manifests_and_none_over_the_limit(tmp_path, monkeypatch):
    """A stray 2 MB notes.json is counted, never read; a file named as ol_main's manifest but over the limit is
    skipped with a reason naming it and its size; a manifest of the right size is read."""
    from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix
    from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives, host, model
    monkeypatch.setattr(host, "READ_MAX", 1024 * 1024)
    big = '{"x": "' + "a" * (2 * 1024 * 1024) + '"}'
    (tmp_path / "notes.json").write_text(big)
    (tmp_path / "ol_main_20260101T000000000_L0.json").write_text(big)
    (tmp_path / "ol_main_20260102T000000000_L0.json").write_text('{"informixserver": "ol_main"}')
    informix = SimpleNamespace(informixserver="ol_main", etc="/nowhere", runs_dir="/nowhere/runs",
                               onconfig=None, lock_path="/nowhere/lock", target=SimpleNamespace(platform="posix"),
                               server_state=lambda ops: ops)
    ops = host.probe_ops(informix, str(tmp_path))
    (listing,) = [op for op in ops.ops if op["op"] == "list" and op["path"] == str(tmp_path) and op.get("read")]
    entries = {e["name"]: e for e in executor_posix.op_list(listing)["entries"]}
    assert "content" not in entries["notes.json"] and not entries["notes.json"].get("too_large")
    assert entries["ol_main_20260101T000000000_L0.json"]["too_large"]
    assert entries["ol_main_20260102T000000000_L0.json"]["content"] == '{"informixserver": "ol_main"}'
    manifests, _records = model.read_manifests({"entries": list(entries.values())}, {}, str(tmp_path), None, posixpath)
    judged = archives.own_manifests(manifests, "ol_main", posixpath, str(tmp_path))
    reasons = {posixpath.basename(s["manifest"]): s["reason"] for s in judged.skipped}
    assert "ol_main_20260101T000000000_L0.json is 2.0 MB, larger than any manifest" in \
        reasons["ol_main_20260101T000000000_L0.json"]
    assert judged.others == 1  # notes.json
