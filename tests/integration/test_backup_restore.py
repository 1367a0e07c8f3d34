"""The main job end to end in the lab: backups, chains, restore, and the faults that must lose nothing."""
import glob
import json
import os
import re
import socket
import subprocess

import labctl
import yaml
from doc_figures import figure
from labwatch import wait_until
from playbook_lab import LOCATION, batch_kind

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}
RESTORE = {**LOCATION, "destination": "{{ oscc_backup_destination }}", "services": []}


def name_of(path):
    """A manifest's archive name, from its path as either kind of host spells it."""
    return re.split(r"[\\/]", path)[-1][:-5]


def manifests(lab):
    return sorted(glob.glob(os.path.join(lab.backups(), "*.json")))


def test_chain_restore_returns_the_state_of_the_incremental_and_the_safety_backup_undoes_it(lab, tmp_path):
    _, full = lab.task("oscc.admin.informix_backup", {**BACKUP, "level": 0}, tmp_path)
    assert full["changed"] and full["verified"] and full["parent"] is None
    lab.sql("insert into agents values ('1003', 'Mia Wolf', 'ready');")
    _, incremental = lab.task("oscc.admin.informix_backup", {**BACKUP, "level": 1}, tmp_path)
    assert incremental["parent"] == name_of(full["manifest"])
    at_incremental = lab.data()
    lab.sql("delete from agents where id = '1001';")
    lab.sql("create table callbacks; insert into callbacks values ('4711', 'pending');")
    after_changes = lab.data()

    _, restored = lab.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True}, tmp_path)
    assert restored["server_mode"] == "On-Line" and lab.mode_rc() == 5
    assert restored["restored"] == [name_of(p) for p in (full["manifest"], incremental["manifest"])]
    assert lab.data() == at_incremental

    safety = restored["safety_backup"]["manifest"]
    _, undone = lab.task("oscc.admin.informix_restore", {**RESTORE, "manifest": safety, "safety_backup": False,
                                                          "confirm": True}, tmp_path)
    assert undone["server_mode"] == "On-Line"
    assert lab.data() == after_changes


def test_manifest_records_what_the_issue_asks(lab, tmp_path):
    _, full = lab.task("oscc.admin.informix_backup", {**BACKUP, "level": 0}, tmp_path)
    manifest = json.load(open(lab.here(full["manifest"])))
    for key in ("host", "informixserver", "level", "parent", "start", "end", "size", "sha256", "tool", "method",
                "checkpoint", "chunks"):
        assert key in manifest, key
    assert manifest["size"] == os.path.getsize(lab.here(full["archive"])) == full["size"]
    assert manifest["archive"] == name_of(full["manifest"]) + ".arc"  # relative: the directory can move
    assert manifest["chunks"] == [lab.spelled("data", n) for n in ("rootdbs.000", "ccdata.000")]
    assert full["remote_operations"] == figure("Verified backup")  # docs/windows.md, the one statement


def test_every_method_restores_a_level0_plus_level1_chain(lab, tmp_path):
    """stdio streams the chain, directory stages it for ontape -r -d, tapedev drives ontape's prompts
    and puts each level into the TAPEDEV file when ontape asks for it."""
    tape = lab.paths["tape"]
    for method, tapedev in (("stdio", None), ("tapedev", lab.spelled("tape", "BACKUP.001")),
                            ("directory", lab.paths["host"]["tape"])):
        steps = [("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": tapedev}})] if tapedev else []
        if method == "directory":  # the file taken away; TAPEDEV names its folder, in the backup's playbook
            os.remove(os.path.join(tape, "BACKUP.001"))
        full = lab.tasks(steps + [("oscc.admin.informix_backup", {**BACKUP, "method": method})], tmp_path)[1][-1]
        assert full["verified"], full
        lab.sql(f"insert into agents values ('20{len(method)}', '{method}', 'ready');")
        _, incremental = lab.task("oscc.admin.informix_backup", {**BACKUP, "method": method, "level": 1}, tmp_path)
        assert incremental["verified"] and incremental["parent"] == name_of(full["manifest"])
        assert os.listdir(tape) == ([] if method == "directory" else ["BACKUP.001"])  # archives moved away at once
        expected = lab.data()
        lab.sql("delete from agents;")
        _, restored = lab.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True, "safety_backup": False},
                               tmp_path)
        assert restored.get("method") == method and len(restored["restored"]) == 2, restored
        assert lab.data() == expected
        assert os.listdir(tape) == ([] if method == "directory" else ["BACKUP.001"])  # nothing staged is left


def tapedev_backup(lab, tmp_path):
    """TAPEDEV set to the pre-created file, then a level 0 through it: one playbook."""
    tapedev = {**LOCATION, "parameters": {"TAPEDEV": lab.spelled("tape", "BACKUP.001")}}
    _, (onconfig, full) = lab.tasks([("oscc.admin.onconfig", tapedev),
                                     ("oscc.admin.informix_backup", {**BACKUP, "method": "tapedev"})], tmp_path)
    assert not onconfig.get("failed") and full["verified"], (onconfig, full)
    return full


def test_prompts_are_matched_not_counted(lab, tmp_path):
    tapedev_backup(lab, tmp_path)
    expected = lab.data()
    lab.sql("delete from agents;")
    lab.faults(no_salvage_question=True)  # one question fewer: a replayed answer list would now be off by one
    _, restored = lab.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True, "safety_backup": False},
                           tmp_path)
    assert restored["server_mode"] == "On-Line" and lab.data() == expected
    assert "Do you want to back up the logs" not in restored["output"]


def test_an_unknown_question_stops_the_restore_fail_closed(lab, tmp_path):
    tapedev_backup(lab, tmp_path)
    lab.faults(extra_restore_questions=["Overwrite the salvaged logs? (y/n)"])
    args = {**RESTORE, "confirm": True}
    if lab.platform == "windows":
        del args["services"]  # the two OSCC services, stopped first
    _, result = lab.task("oscc.admin.informix_restore", args, tmp_path)
    assert result["failed"] and "question the driver does not answer: '(y/n)'" in result["msg"]
    assert "Overwrite the salvaged logs?" in result["output"]
    assert "safety" in result["msg"]  # it says where the state before the restore is
    if lab.platform == "windows":
        services = labctl.windows_state(lab.root, lab.host)["services"]
        assert services["OpenScape Contact Center"]["state"] == "stopped"  # not started against a broken database


def test_retention_keeps_whole_chains(lab, tmp_path):
    _, runs = lab.tasks([("oscc.admin.informix_backup", {**BACKUP, "level": level, "keep_full": 2})
                         for level in (0, 1, 0, 1, 0)], tmp_path)
    assert all(r["verified"] for r in runs), runs
    names = [os.path.basename(p) for p in manifests(lab)]
    assert [n[-7:-5] for n in names] == ["L0", "L1", "L0"]  # the oldest chain went, with its level 1
    assert len(glob.glob(os.path.join(lab.backups(), "*.arc"))) == 3


def test_clean_installation_gets_missing_chunks_created(lab, tmp_path):
    """Manual §6.3.4: a level 0 restored where the chunk files do not exist yet."""
    _, full = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    expected = lab.data()
    subprocess.run(["onmode", "-ky"], env=lab.sim_env(), check=True)
    chunk = lab.spelled("data", "ccdata.000")
    os.remove(lab.here(chunk))
    _, restored = lab.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True, "safety_backup": False,
                                                            "include_levels": [0]}, tmp_path)
    assert restored["created_chunks"] == [chunk] and lab.data() == expected and lab.mode_rc() == 5


# ---------------------------------------------------------------- faults: each loses nothing
def test_backup_killed_halfway_keeps_the_previous_chain(lab, tmp_path):
    _, good = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    before = manifests(lab)
    lab.faults(ontape_killed_after_bytes=200)
    run, killed = lab.task("oscc.admin.informix_backup", {**BACKUP, "keep_full": 1}, tmp_path)
    assert killed["failed"] and "interrupted or killed" in killed["msg"]
    assert manifests(lab) == before and os.path.exists(lab.here(good["archive"]))
    assert not glob.glob(os.path.join(lab.backups(), "*.partial"))
    lab.faults()
    _, after = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    assert after["verified"]


def test_a_killed_run_leaves_a_stale_lock_and_partial_that_the_next_run_clears(lab, tmp_path):
    lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    proc = subprocess.Popen(["true"])
    proc.wait()
    with open(lab.lock_file(), "w") as handle:
        json.dump({"operation": "backup", "pid": proc.pid, "host": socket.gethostname(), "started": "earlier"}, handle)
    leftover = os.path.join(lab.backups(), f"{lab.server}_19990101T000000000_L0.arc.partial")
    writing = os.path.join(lab.backups(), "ol_other_19990101T000000000_L0.arc.partial")  # another server's, running
    for path in (leftover, writing):
        open(path, "wb").write(b"half")
    _, result = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    assert result["verified"] and not os.path.exists(leftover) and os.path.exists(writing)
    assert not os.path.exists(lab.lock_file())


def test_disk_full_keeps_the_previous_chain_and_leaves_no_partial(lab, tmp_path):
    lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    before = manifests(lab)
    lab.faults(disk_full_after_bytes=100)
    _, full = lab.task("oscc.admin.informix_backup", {**BACKUP, "keep_full": 1}, tmp_path)
    assert full["failed"] and "No space left on device" in full["output"]
    assert manifests(lab) == before
    assert sorted(os.listdir(lab.backups())) == sorted(os.path.basename(p) for p in before + [
        p[:-5] + ".arc" for p in before])


def test_corrupted_archive_is_refused_before_the_server_is_touched(lab, tmp_path):
    _, full = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    with open(lab.here(full["archive"]), "r+b") as handle:
        handle.seek(full["size"] // 2)
        handle.write(b"\x00")
    lab.sql("insert into agents values ('1009', 'After Backup', 'ready');")
    current = lab.data()
    _, refused = lab.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True,
                                                           "services": ["OpenScape Contact Center"]}, tmp_path)
    assert refused["failed"] and "checksum mismatch" in refused["msg"] and "nothing was touched" in refused["msg"]
    assert lab.mode_rc() == 5 and lab.data() == current
    assert not glob.glob(os.path.join(lab.backups(), "safety", "*.json"))


def test_two_backups_at_once_the_second_is_refused(lab, tmp_path):
    lab.faults(ontape_delay_seconds=8)  # long enough for a second playbook to start on a loaded machine
    play = os.path.join(str(tmp_path), "play.yml")
    with open(play, "w") as handle:
        yaml.safe_dump([{"hosts": lab.inventory_host, "gather_facts": False,
                         "tasks": [{"oscc.admin.informix_backup": BACKUP}]}], handle)
    first = lab.playbook(play, background=True)
    wait_until(lambda: os.path.exists(lab.lock_file()), 20, interval=0.1)
    second = lab.playbook(play)
    first_out, _ = first.communicate(timeout=60)
    assert first.returncode == 0, first_out
    assert second.rc != 0 and "another backup is running" in second.stdout
    assert len(manifests(lab)) == 1


def test_backup_refused_when_the_server_is_not_online(lab, tmp_path):
    subprocess.run(["onmode", "-ky"], env=lab.sim_env(), check=True)
    _, result = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    assert result["failed"] and "Off-Line" in result["msg"] and manifests(lab) == []


def test_nul_tapedev_is_refused(lab, tmp_path):
    _, (onconfig, result) = lab.tasks([("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": "NUL"}}),
                                       ("oscc.admin.informix_backup", {**BACKUP, "method": "tapedev"})], tmp_path)
    assert onconfig["changed"] and not onconfig.get("failed"), onconfig
    assert result["failed"] and "store nothing" in result["msg"]


def test_incremental_refused_after_an_archive_this_destination_does_not_hold(lab, tmp_path):
    lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    subprocess.run(["ontape", "-s", "-L", "0", "-t", "STDIO"], env=lab.sim_env(), check=True, capture_output=True)
    _, result = lab.task("oscc.admin.informix_backup", {**BACKUP, "level": 1}, tmp_path)
    assert result["failed"] and "another tool archived" in result["msg"]


def test_restore_without_confirm_is_refused_and_touches_nothing(lab, tmp_path):
    _, (full, result) = lab.tasks([("oscc.admin.informix_backup", BACKUP), ("oscc.admin.informix_restore", RESTORE)],
                                  tmp_path)
    assert full["verified"], full
    assert result["failed"] and result["msg"].startswith("confirm: true is required")
    assert result["remote_operations"] == 0 and lab.mode_rc() == 5


def test_check_mode_plans_and_changes_nothing(lab, tmp_path):
    _, full = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    before = sorted(os.listdir(lab.backups()))
    data = lab.data()
    _, (plan, restore_plan) = lab.tasks([("oscc.admin.informix_backup", {**BACKUP, "level": 1}, {"check": True}),
                                         ("oscc.admin.informix_restore", RESTORE, {"check": True})], tmp_path)
    assert plan["changed"] and plan["parent"] == name_of(full["manifest"])
    assert restore_plan["changed"] and restore_plan["restored"] == [name_of(full["manifest"])]
    assert sorted(os.listdir(lab.backups())) == before and lab.data() == data and lab.mode_rc() == 5


def test_windows_restore_stops_the_oscc_services_first_and_starts_them_after(windows_lab, tmp_path):
    """Manual §6.3.3 steps 2 and 16, in the order the simulated Windows host recorded them."""
    lab = windows_lab
    # The backup, then the restore, in one playbook: the calls the restore made are those of its task's time.
    run, (_full, restored) = lab.tasks([("oscc.admin.informix_backup", BACKUP), (
        "oscc.admin.informix_restore", {**LOCATION, "destination": "{{ oscc_backup_destination }}", "confirm": True})],
        tmp_path)
    assert restored["server_mode"] == "On-Line"
    start, end = run.span("step 2")
    steps = [(c["module"], batch_kind(c["args"]["batch"]) if c["module"] == "win_powershell" else
              (c["args"]["name"], c["args"]["state"])) for c in lab.windows_calls() if start <= c["time"] <= end]
    services = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]
    start = next(i for i, s in enumerate(steps) if s == ("win_powershell", "restore"))
    assert steps[:5] == [("win_powershell", "probe"), ("win_powershell", "verify"), ("win_powershell", "lock"),
                         ("win_powershell", "backup"), ("win_powershell", "keep")]  # checked, locked, safety backup
    assert steps[-1] == ("win_powershell", "unlock")  # the server's lock released last
    assert [s[1] for s in steps[:start] if s[0] == "win_service"] == [(n, "stopped") for n in services]
    assert [s[1] for s in steps[start + 1:] if s[0] == "win_service"] == [(n, "started") for n in services]
    state = labctl.windows_state(lab.root, lab.host)["services"]
    assert all(state[n]["state"] == "running" for n in services)
    assert restored["safety_backup"]["manifest"].startswith("D:\\OSCC-Backups\\safety\\")


# ---------------------------------------------------------------- onbar (manual §6.3.5, §6.3.6)
def test_onbar_is_refused_while_ltapedev_is_nul_as_oscc_installs_it(lab, tmp_path):
    _, result = lab.task("oscc.admin.informix_backup", {**BACKUP, "tool": "onbar"}, tmp_path)
    assert result["failed"] and "return code 156" in result["msg"] and "tool=ontape" in result["msg"]
    assert manifests(lab) == []


def test_onbar_chain_backup_and_restore(lab, tmp_path):
    ltapedev = {**LOCATION, "parameters": {"LTAPEDEV": lab.paths["host"]["tape"]}}
    _, (onconfig, full) = lab.tasks([("oscc.admin.onconfig", ltapedev),
                                     ("oscc.admin.informix_backup", {**BACKUP, "tool": "onbar"})], tmp_path)
    assert onconfig["changed"], onconfig
    assert full["verified"] and full["archive"] is None and full["sha256"] is None
    lab.sql("insert into agents values ('3001', 'Onbar', 'ready');")
    _, incremental = lab.task("oscc.admin.informix_backup", {**BACKUP, "tool": "onbar", "level": 1}, tmp_path)
    assert incremental["parent"] == name_of(full["manifest"])
    expected = lab.data()
    lab.sql("delete from agents;")
    _, restored = lab.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True}, tmp_path)
    assert restored["method"] == "onbar" and restored["server_mode"] == "On-Line", restored
    assert lab.data() == expected
    assert json.load(open(lab.here(full["manifest"])))["tool"] == "onbar"


def test_method_belongs_to_ontape(lab, tmp_path):
    _, result = lab.task("oscc.admin.informix_backup", {**BACKUP, "tool": "onbar", "method": "tapedev"}, tmp_path)
    assert result["failed"] and result["msg"].startswith("method applies to tool=ontape only")


def test_a_posix_restore_checks_its_services_before_anything_is_touched(linux_lab, tmp_path):
    """On a POSIX host the services are the names service_facts lists (those ansible.builtin.service stops): the
    OSCC Windows services are none of them, refused in the look, before the safety backup."""
    lab = linux_lab
    lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    before = sorted(os.listdir(lab.backups()))
    _, refused = lab.task("oscc.admin.informix_restore", {**RESTORE, "confirm": True,
                                                           "services": ["OpenScape Contact Center"]}, tmp_path)
    assert refused["failed"] and "\n" not in refused["msg"]
    assert refused["msg"].startswith("services: 'OpenScape Contact Center' is not a service of this host "
                                     "(ansible.builtin.service_facts lists no such service)"), refused["msg"]
    assert "services: []" in refused["msg"] and refused["msg"].endswith("nothing was touched")
    assert sorted(os.listdir(lab.backups())) == before  # no safety backup taken
    assert lab.mode_rc() == 5 and not os.path.exists(lab.lock_file())
