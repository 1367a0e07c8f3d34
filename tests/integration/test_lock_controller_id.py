"""Review 19c F6: the server's lock names its controller by a random id (docs/backup.md, A killed run). A live run
of another machine with the same host name keeps its lock; a dead run of this controller loses it, and the result
says so."""
import json
import os
import signal
import socket
import time

import yaml
from playbook_lab import LOCATION

from ansible_collections.oscc.admin.plugins.plugin_utils._host import controller

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}
ABSENT_PID = 4123456  # above the kernel's pid_max: no process of this machine has it


def write_lock(lab, **record):
    os.makedirs(os.path.dirname(lab.lock_file()), exist_ok=True)
    with open(lab.lock_file(), "w") as handle:
        json.dump(record, handle)
    return open(lab.lock_file()).read()


def test_a_live_run_of_a_clone_with_this_host_name_keeps_its_lock(windows_lab, tmp_path):
    """As a live restore of another machine leaves the lock between two round trips: same host name, a pid that
    does not run here, its lease running, no batch holding it live. The id tells the two controllers apart."""
    lab = windows_lab
    common = {"operation": "restore", "token": "othermachine-token", "controller": socket.gethostname(),
              "controller_pid": ABSENT_PID, "host": "lab-main", "pid": 777, "owner": "batch",
              "started": "2026-12-07T10:00:00.000Z", "expires": time.time() + 3600}
    for holder in ({**common, "controller_id": "f" * 32}, common):  # the clone's, an earlier version's (no id)
        before = write_lock(lab, **holder)
        _, refused = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
        assert refused.get("failed"), refused
        named = " (id ffffffff)" if "controller_id" in holder else ""
        assert refused["msg"].startswith(f"another restore is running on this server (from controller "
                                         f"{socket.gethostname()}{named}, pid {ABSENT_PID}, since "
                                         "2026-12-07T10:00:00.000Z)"), refused["msg"]
        assert "take_over: true" in refused["msg"] and "still runs here" not in refused["msg"]
        assert open(lab.lock_file()).read() == before  # untouched
        kept = os.listdir(lab.backups()) if os.path.isdir(lab.backups()) else []
        assert not [name for name in kept if name.endswith(".json")]  # nothing was archived


def test_the_lock_of_a_dead_run_of_this_controller_is_broken_and_reported(windows_lab, tmp_path):
    lab = windows_lab
    lab.faults(ontape_delay_seconds=3)
    play = os.path.join(str(tmp_path), "killed.yml")
    with open(play, "w") as handle:
        yaml.safe_dump([{"hosts": lab.inventory_host, "gather_facts": False,
                         "tasks": [{"oscc.admin.informix_backup": BACKUP}]}], handle)
    first = lab.playbook(play, background=True)
    deadline = time.time() + 60
    while not os.path.exists(lab.lock_file()) and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)  # the controller lost mid-backup
    first.wait()
    record = json.load(open(lab.lock_file()))
    assert record["controller_id"] == controller.controller_id()  # this controller's, by its id
    worker = record["controller_pid"]
    os.kill(worker, signal.SIGKILL)  # ansible's worker called setsid: it survives its parent
    while os.path.exists(f"/proc/{worker}") and open(f"/proc/{worker}/stat").read().split()[2] != "Z":
        time.sleep(0.1)
    lab.faults()
    time.sleep(4)  # the killed run's ontape ends (a live batch would be refused: test_backup_killed_controller.py)

    _, done = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    assert done.get("verified"), done
    broke = done["broke_lock"]
    assert broke["holder"]["controller_pid"] == worker and broke["holder"]["controller_id"] == record["controller_id"]
    assert broke["holder"]["started"] == record["started"] and broke["holder"]["operation"] == "backup"
    assert broke["controller_pid_running"] is False and broke["live"] is False
    assert f"broke the lock of dead run pid {worker} of this controller (started {record['started']}, backup)" \
        in done["warnings"]
    assert not os.path.exists(lab.lock_file())
