"""Issue 19 item 3: a restore whose controller's worker is killed mid-archive leaves Informix as it was left, the OSCC
services stopped and the server's lock held for its lease. Another controller recovers the server at once with
take_over: true once nothing of the killed run is alive, and its result says what it found; before that, and without
the option, it is refused saying why."""
import fcntl
import json
import os
import signal

import labctl
import yaml
from labwatch import ended, wait_until
from playbook_lab import LOCATION

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}
RESTORE = {**LOCATION, "destination": "{{ oscc_backup_destination }}", "confirm": True, "safety_backup": False}
SERVICES = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]


def live(lab):
    """Whether a batch still holds the lock live (what the executor's lock_live reads)."""
    try:
        handle = open(lab.lock_file() + ".live")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def service_states(lab):
    return {name: labctl.windows_state(lab.root, lab.host)["services"][name]["state"] for name in SERVICES}


def test_another_controller_takes_over_a_killed_restore_once_nothing_of_it_runs(windows_lab, tmp_path):
    lab = windows_lab
    _, backup = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    assert backup["verified"]
    archived = lab.data()
    lab.sql("insert into agents values ('1999', 'Not Archived', 'ready');")
    assert lab.data() != archived

    lab.faults(ontape_restore_delay_seconds=120)
    play = os.path.join(str(tmp_path), "killed.yml")
    with open(play, "w") as handle:
        yaml.safe_dump([{"hosts": lab.inventory_host, "gather_facts": False,
                         "tasks": [{"oscc.admin.informix_restore": RESTORE}]}], handle)
    first = lab.playbook(play, background=True)
    started = wait_until(lambda: os.path.exists(lab.lock_file()) and lab.running("ontape"))
    assert started, "the restore never started ontape"
    orphan = lab.running("ontape")
    try:
        os.killpg(first.pid, signal.SIGKILL)  # the controller lost mid-restore
        first.wait()
        record = json.load(open(lab.lock_file()))
        os.kill(record["controller_pid"], signal.SIGKILL)  # ansible's worker called setsid: it survives its parent
        assert wait_until(lambda: ended(record["controller_pid"]))
        assert service_states(lab) == {name: "stopped" for name in SERVICES}  # the design's rule: left stopped
        # the killed run was another controller's: lock_to_break (same controller, its pid gone) does not apply
        record["controller"] = "another-controller"
        with open(lab.lock_file(), "w") as handle:
            json.dump(record, handle)

        _, early = lab.task("oscc.admin.informix_restore", {**RESTORE, "take_over": True}, tmp_path)
        assert early.get("failed") and early["msg"].startswith("take_over refused"), early
        assert "ontape.exe\" -r" in early["msg"] and f"(pid {orphan[0]}) runs on the host" in early["msg"], early["msg"]
    finally:
        for pid in lab.running("ontape"):  # the killed run's ontape ends (an operator ends it, or it finishes)
            os.kill(pid, signal.SIGKILL)
    lab.faults()
    assert wait_until(lambda: not live(lab)), "the killed run's batch never ended"
    assert json.load(open(lab.lock_file()))["controller"] == "another-controller"  # its lease still holds the lock

    # without the option, refused; then with it, taken over: one playbook
    _, (refused, taken) = lab.tasks([("oscc.admin.informix_restore", RESTORE),
                                     ("oscc.admin.informix_restore", {**RESTORE, "take_over": True})], tmp_path)
    assert refused.get("failed") and "another restore is running on this server" in refused["msg"], refused
    assert "no batch of it is running on the host" in refused["msg"] and "take_over: true" in refused["msg"]

    assert not taken.get("failed"), taken.get("msg")
    found = taken["take_over"]
    assert found["took_over"] and found["holder"]["controller"] == "another-controller"
    assert found["holder"]["operation"] == "restore" and found["holder"]["started"] == record["started"]
    assert found["live"] is False and found["archive_programs"] == []
    assert found["server_mode"] == "Off-Line" and found["services_stopped"] == SERVICES
    assert taken["server_mode"] == "On-Line" and lab.mode_rc() == 5
    assert service_states(lab) == {name: "running" for name in SERVICES}
    assert lab.data() == archived
    assert not os.path.exists(lab.lock_file())
