"""Backups of several servers on one share (the normal estate): each server counts, keeps, deletes and
restores only its own chains, trusts no path a manifest names outside the share, runs one backup or
restore at a time, and a restore that fails after the stop says how the server was left."""
import glob
import json
import os
import re
import time

import labctl
import pytest
import yaml
from labwatch import wait_until
from playbook_lab import LOCATION, SHARE, Lab, batch_kind, main_and_backup, share_dir

from ansible_collections.oscc.admin.plugins.plugin_utils._host import controller

BACKUP = {**LOCATION, "destination": SHARE}
RESTORE = {**LOCATION, "destination": SHARE, "services": []}


@pytest.fixture
def estate(tmp_path):
    return main_and_backup(tmp_path)


def files(lab):
    return sorted(os.listdir(share_dir(lab)))


def owned(lab, server):
    return [f for f in files(lab) if f.startswith(server + "_")]


def stem(path):
    return re.split(r"[\\/]", path)[-1][: -len(".json")]


def test_retention_on_one_server_leaves_every_file_of_the_others(estate, tmp_path):
    main, backup = estate
    _, runs = backup.tasks([("oscc.admin.informix_backup", BACKUP)] * 2, tmp_path)
    assert all(r["verified"] for r in runs), runs
    theirs = owned(backup, "ol_backup")
    assert len(theirs) == 4  # two chains: archive and manifest each
    _, runs = main.tasks([("oscc.admin.informix_backup", {**BACKUP, "keep_full": 1})] * 3, tmp_path)
    for done in runs:
        assert done["verified"], done
    assert owned(backup, "ol_backup") == theirs  # the other server's chains: all still there
    assert len(owned(main, "ol_main")) == 2 and stem(done["manifest"]) + ".json" in files(main)
    assert done["other_files"] == 2 and done["skipped_manifests"] == []


def test_restore_takes_only_the_target_servers_chains(estate, tmp_path):
    main, backup = estate
    _, own = backup.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    at_backup = backup.data()
    main.sql("insert into agents values ('7001', 'Main Only', 'ready');")
    _, newer = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)  # the newest chain on the share
    backup.sql("delete from agents;")

    _, latest = backup.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True, "safety_backup": False},
                            tmp_path)
    assert latest["restored"] == [stem(own["manifest"])], latest
    assert backup.data() == at_backup

    current, mode_calls = backup.data(), len(backup.windows_calls())
    run, refused = backup.task("oscc.admin.informix_restore", {**RESTORE, "manifest": newer["manifest"],
                                                                "confirm": True}, tmp_path)
    assert refused["failed"] and "\n" not in refused["msg"]
    assert "ol_main" in refused["msg"] and "ol_backup" in refused["msg"] and "own backups" in refused["msg"]
    assert backup.data() == current and backup.mode_rc() == 5
    batches = [batch_kind(c["args"]["batch"]) for c in backup.windows_calls()[mode_calls:]]
    assert batches == ["probe"]  # refused from what was read: nothing locked, stopped or written


OUTSIDE = {"relative traversal": "..\\..\\victim.arc", "absolute path": "D:\\victim.arc",
           "drive letter": "C:victim.arc", "UNC": "\\\\otherhost\\share\\victim.arc"}


def forge(lab, source, name, **changes):
    """A hand-edited manifest on the share: a copy of a real one with other values."""
    manifest = json.load(open(lab.here(source)))
    manifest.update(name=name, **changes)
    path = os.path.join(share_dir(lab), name + ".json")
    with open(path, "w") as handle:
        json.dump(manifest, handle)
    return path


def test_manifests_naming_paths_outside_the_share_are_skipped_and_refused(estate, tmp_path):
    main, _backup = estate
    victim = os.path.join(main.paths["base"], "drives", "D", "victim.arc")
    with open(victim, "w") as handle:
        handle.write("not a backup; must survive")
    _, good = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    forged = {}
    for number, (kind, archive) in enumerate(OUTSIDE.items()):
        name = f"ol_main_2099010{number + 1}T000000000_L0"  # newer than any real backup
        forged[kind] = forge(main, good["manifest"], name, archive=archive)
    forge(main, good["manifest"], "ol_main_20990201T000000000_L0", chunks=["C:\\Windows\\System32\\config\\SAM"],
          archive="ol_main_20990201T000000000_L0.arc")
    forge(main, good["manifest"], "ol_main_20990401T000000000_L0", level="0")  # valid JSON, wrong shape
    no_sum = forge(main, good["manifest"], "ol_main_20990501T000000000_L0", sha256=None,
                   archive="ol_main_20990501T000000000_L0.arc")
    with open(os.path.join(share_dir(main), "ol_main_20990301T000000000_L0.json"), "w") as handle:
        handle.write("{ damaged")
    with open(os.path.join(share_dir(main), "inventory-export.json"), "w") as handle:
        json.dump(["another tool's file"], handle)

    # retention with keep_full 1 would delete every older chain it trusted
    _, runs = main.tasks([("oscc.admin.informix_backup", {**BACKUP, "keep_full": 1})] * 2, tmp_path)
    for done in runs:
        assert done["verified"], done
    reasons = {stem(s["manifest"]): s["reason"] for s in done["skipped_manifests"]}
    assert len(reasons) == 8 and os.path.exists(victim)
    assert reasons["ol_main_20990401T000000000_L0"].startswith("level is str")
    assert reasons["ol_main_20990501T000000000_L0"] == "it names an archive but no sha256 and size"
    assert all("not a plain file name" in reasons[stem(p)] for p in forged.values())
    assert "outside the server's chunk locations" in reasons["ol_main_20990201T000000000_L0"]
    assert "not a readable manifest" in reasons["ol_main_20990301T000000000_L0"]
    assert all(os.path.exists(p) for p in forged.values())  # never deleted either: nothing of ours

    # The refusals and the plan, back to back in one playbook (each refused before anything is touched).
    steps = [("oscc.admin.informix_restore", {**RESTORE, "confirm": True,
                                              "manifest": SHARE + "\\" + os.path.basename(no_sum)})]
    steps += [("oscc.admin.informix_restore", {**RESTORE, "manifest": SHARE + "\\" + os.path.basename(path),
                                               "confirm": True}) for path in forged.values()]
    steps.append(("oscc.admin.informix_restore", {**RESTORE, "confirm": True, "safety_backup": False}, {"check": True}))
    _, (refused, *refusals, latest) = main.tasks(steps, tmp_path)
    assert refused["failed"] and refused["msg"].endswith("it names an archive but no sha256 and size"), refused
    for kind, refused in zip(forged, refusals):
        assert refused["failed"] and "not a plain file name" in refused["msg"], (kind, refused)
    assert latest["restored"] == [stem(done["manifest"])]
    assert len(latest["fell_back_past"]) == 8 and latest["warnings"]
    assert os.path.exists(victim) and main.mode_rc() == 5


def background_restore(lab, tmp_path, name):
    play = os.path.join(str(tmp_path), f"{name}.yml")
    with open(play, "w") as handle:
        yaml.safe_dump([{"hosts": lab.inventory_host, "gather_facts": False,
                         "tasks": [{"name": name, "oscc.admin.informix_restore": {**RESTORE, "confirm": True}}]}],
                       handle)
    return lab.playbook(play, background=True)


def wait_for(path, seconds=30):
    assert wait_until(lambda: os.path.exists(path), seconds, interval=0.1), path


def test_one_backup_or_restore_per_server_at_a_time(estate, tmp_path):
    main, backup = estate
    main.tasks([("oscc.admin.informix_backup", BACKUP),
                ("oscc.admin.informix_backup", BACKUP, {"host": backup.inventory_host})], tmp_path)
    main.faults(ontape_delay_seconds=12)  # the first restore's safety backup holds the lock that long
    first = background_restore(main, tmp_path, "first")
    wait_for(main.lock_file())
    # While the first holds the lock: a second restore, a backup, and (another server: not held up) a backup
    # of the backup server, in one playbook.
    _, (second, during, other) = main.tasks([("oscc.admin.informix_restore", {**RESTORE, "confirm": True}),
                                             ("oscc.admin.informix_backup", BACKUP),
                                             ("oscc.admin.informix_backup", BACKUP, {"host": backup.inventory_host})],
                                            tmp_path)
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 0, out
    for refused in (second, during):
        assert refused["failed"] and refused["msg"].startswith("another restore is running on this server"), refused
        assert "from controller" in refused["msg"] and main.lock_file().split(os.sep)[-1] in refused["msg"]
    assert other["verified"]
    assert not os.path.exists(main.lock_file())

    # A restore during a backup is refused by the backup's lock, and a lock whose run was killed is broken.
    first = main.playbook(write_backup_play(main, tmp_path), background=True)
    wait_for(main.lock_file())
    _, refused = main.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True}, tmp_path)
    first.communicate(timeout=120)
    assert refused["failed"] and refused["msg"].startswith("another backup is running on this server"), refused
    with open(main.lock_file(), "w") as handle:  # a restore whose controller process is gone
        json.dump({"operation": "restore", "token": "t", "controller": os.uname().nodename,
                   "controller_id": controller.controller_id(),  # this controller's (review 19c F6)
                   "controller_pid": 2 ** 22 + 1, "started": "earlier", "expires": time.time() + 3600}, handle)
    main.faults()
    _, after = main.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True, "safety_backup": False}, tmp_path)
    assert after["server_mode"] == "On-Line", after


def write_backup_play(lab, tmp_path):
    play = os.path.join(str(tmp_path), "backup.yml")
    with open(play, "w") as handle:
        yaml.safe_dump([{"hosts": lab.inventory_host, "gather_facts": False,
                         "tasks": [{"oscc.admin.informix_backup": BACKUP}]}], handle)
    return play


SERVICES = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]


def test_a_restore_failing_after_the_stop_leaves_the_services_stopped_and_names_the_safety_backup(estate, tmp_path):
    main, _backup = estate
    main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    os.remove(main.here("D:\\CCDATA\\ccdata.000"))  # a chunk ontape needs and that this restore does not create
    run, failed = main.task("oscc.admin.informix_restore", {**LOCATION, "destination": SHARE, "confirm": True,
                                                             "chunks": ["D:\\CCDATA\\rootdbs.000"]}, tmp_path)
    assert failed["failed"] and "\n" not in failed["msg"]
    assert failed["server_mode"] == "Off-Line" and main.mode_rc() == 255
    assert failed["services_stopped"] == SERVICES
    state = labctl.windows_state(main.root, main.host)["services"]
    assert all(state[name]["state"] == "stopped" for name in SERVICES)
    safety = failed["safety_backup"]["manifest"]
    assert f"manifest={safety}" in failed["msg"] and os.path.exists(main.here(safety))
    assert not os.path.exists(main.lock_file())


BAD_CHUNKS = {"relative": ["relative\\ccdata.000"], "empty": [""], "traversal": ["D:\\CCDATA\\..\\Windows\\x"]}


@pytest.fixture(scope="module")
def chunk_refusals(tmp_path_factory):
    """A backup, then each BAD_CHUNKS restore, back to back in one playbook: name -> (result, the calls the simulated
    server recorded while that restore ran, the server's mode afterwards)."""
    tmp_path = tmp_path_factory.mktemp("chunk-refusals")
    main = Lab(tmp_path / "lab", "lab-main")
    restores = [("oscc.admin.informix_restore", {**LOCATION, "destination": SHARE, "confirm": True, "chunks": chunks})
                for chunks in BAD_CHUNKS.values()]
    run, (full, *refusals) = main.tasks([("oscc.admin.informix_backup", BACKUP)] + restores, tmp_path)
    assert full["verified"], full
    found, mode = {}, main.mode_rc()
    for number, (name, refused) in enumerate(zip(BAD_CHUNKS, refusals), 2):
        start, end = run.span(f"step {number}")
        found[name] = (refused, [c for c in main.windows_calls() if start <= c["time"] <= end], mode)
    return found


@pytest.mark.xdist_group("test_shared_destination_chunks")  # one worker runs the shared playbook (--dist loadgroup)
@pytest.mark.parametrize("case", sorted(BAD_CHUNKS))
def test_chunk_paths_are_checked_before_anything_is_touched(chunk_refusals, case):
    refused, calls, mode = chunk_refusals[case]
    assert refused["failed"] and refused["msg"].startswith("chunks: ") and "absolute path" in refused["msg"]
    assert calls == [] and mode == 5


def test_a_different_patch_level_is_refused_unless_allowed_and_shown_in_check_mode(estate, tmp_path):
    main, _backup = estate
    _, full = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    recorded = json.load(open(main.here(full["manifest"])))
    assert recorded["oscc_version"] == "OpenScape Contact Center Enterprise V12 Server 12.0.1.4"
    assert recorded["informix_version"] == "12.10.FC14" and recorded["informixserver"] == "ol_main"
    assert recorded["computer_name"] and recorded["host"] == "lab-main"
    labctl.set_software_version(main.root, main.host, "12.0.2.0")
    allowed = {**RESTORE, "confirm": True, "allow_version_mismatch": True, "safety_backup": False}
    _, (*refusals, planned, restored) = main.tasks(
        [("oscc.admin.informix_restore", {**RESTORE, "confirm": True}, {"check": check}) for check in (True, False)]
        + [("oscc.admin.informix_restore", allowed, {"check": True}), ("oscc.admin.informix_restore", allowed)],
        tmp_path)
    for refused in refusals:
        assert refused["failed"] and "12.0.1.4" in refused["msg"] and "12.0.2.0" in refused["msg"], refused
        assert "allow_version_mismatch" in refused["msg"] and "§7.4" in refused["msg"]
    assert planned["version_check"] == {"backup": recorded["oscc_version"], "matches": False, "allowed": True,
                                        "server": "OpenScape Contact Center Enterprise V12 Server 12.0.2.0"}
    assert restored["server_mode"] == "On-Line"


def test_two_level0_backups_without_a_log_switch_both_verify(estate, tmp_path):
    main, _backup = estate
    _, (first, second, level1) = main.tasks([("oscc.admin.informix_backup", BACKUP)] * 2
                                            + [("oscc.admin.informix_backup", {**BACKUP, "level": 1})], tmp_path)
    assert first["verified"] and second["verified"] and level1["verified"], (first, second, level1)
    assert first["checkpoint"]["log"] == second["checkpoint"]["log"] == level1["checkpoint"]["log"]
    assert first["checkpoint"]["position"] != second["checkpoint"]["position"]
    assert level1["parent"] == stem(second["manifest"])
    assert len(glob.glob(os.path.join(share_dir(main), "ol_main_*.json"))) == 3


@pytest.mark.parametrize("parent", [SHARE + "\\linkparent", "D:\\linkparent"])
def test_a_destination_below_a_folder_that_is_a_link_is_refused_naming_the_link(windows_lab, tmp_path, parent):
    """Issue 19 review: linkparent a link to ..\\elsewhere, a destination linkparent\\sub was written into
    elsewhere\\sub; only a destination that was itself a link was refused."""
    lab = windows_lab
    link = lab.here(parent)
    elsewhere = os.path.join(os.path.dirname(link), "elsewhere")
    os.makedirs(os.path.join(elsewhere, "sub"))
    os.symlink(os.path.join("..", os.path.basename(elsewhere)), link)
    for below in ("sub", "new"):
        _, refused = lab.task("oscc.admin.informix_backup", {**LOCATION, "destination": parent + "\\" + below},
                              tmp_path)
        assert refused["failed"] and "\n" not in refused["msg"].strip(), refused
        assert f"lies below {parent}, a link (symbolic link or junction)" in refused["msg"], refused
    assert os.listdir(elsewhere) == ["sub"] and os.listdir(os.path.join(elsewhere, "sub")) == []
    assert lab.mode_rc() == 5


def test_a_safety_folder_naming_the_share_by_its_fqdn_is_refused_before_anything_is_touched(estate, tmp_path):
    """Two spellings of one folder (the server's short name and its FQDN) are one folder on the host: the look
    compares what each opens, not how it is spelt."""
    main, _backup = estate
    main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    labctl.set_unc_alias(main.root, "backupsrv.lab.invalid", "backupsrv")
    before, calls = files(main), len(main.windows_calls())
    _, refused = main.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True,
                                                            "safety_destination": "\\\\backupsrv.lab.invalid\\oscc"},
                           tmp_path)
    assert refused["failed"] and "\n" not in refused["msg"]
    assert refused["msg"].startswith("safety_destination \\\\backupsrv.lab.invalid\\oscc is the folder of "
                                     "destination \\\\backupsrv\\oscc by another name"), refused["msg"]
    assert files(main) == before and main.mode_rc() == 5 and not os.path.exists(main.lock_file())
    assert not [c for c in main.windows_calls()[calls:] if c["module"] == "win_service"]
