"""Every batch of a task in one host process, as PSRP runs them (issue 18, item 2): ansible_connection psrp runs every
module of a task in one wsmprovhost.exe, so every executor batch has the same $PID. The lab's stand-in keeps one
process per simulated host (tests/lab/one_process_host.py, host var oscc_lab_one_process); a lock whose owner were
that process would refuse its own renewal (the backup's finishing batch, the restore's safety backup) and the sync's
scheduled task would wait on the controller's own connection."""
import os

import labctl
import one_process_host
import pytest
from playbook_lab import LOCATION, replication_estate

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}
RESTORE = {**LOCATION, "destination": "{{ oscc_backup_destination }}", "services": []}
ONE_PROCESS = {"oscc_lab_one_process": True}


def one_process(lab, host):
    """The pid every batch of the host ran in, asserting they were all one; and the batches it ran."""
    served = one_process_host.served(os.path.join(lab.root, host))
    assert served, "no batch ran in the host's one process"
    assert len({batch["pid"] for batch in served}) == 1, served
    return served[0]["pid"], served


@pytest.fixture
def stop_host_processes(tmp_path):
    yield
    for host in ("main", "backup", "report"):
        one_process_host.stop(str(tmp_path / "lab" / host))


def test_a_backup_and_a_restore_succeed_with_every_batch_in_one_host_process(windows_lab, tmp_path,
                                                                             stop_host_processes):
    lab = windows_lab
    _run, (full, incremental) = lab.tasks([("oscc.admin.informix_backup", {**BACKUP, "level": 0}),
                                           ("oscc.admin.informix_backup", {**BACKUP, "level": 1})],
                                          tmp_path, extra=ONE_PROCESS, name="backups")
    assert full.get("verified") and not full.get("failed"), full.get("msg")
    assert incremental.get("verified") and not incremental.get("failed"), incremental.get("msg")
    expected = lab.data()
    lab.sql("delete from agents;")
    _run, (restored,) = lab.tasks([("oscc.admin.informix_restore", {**RESTORE, "confirm": True})], tmp_path,
                                  extra=ONE_PROCESS, name="restore")
    # the restore renews its lease in each batch, and its safety backup renews the restore's
    assert restored.get("server_mode") == "On-Line" and not restored.get("failed"), restored.get("msg")
    assert restored["safety_backup"]["manifest"] and len(restored["restored"]) == 2
    assert lab.data() == expected
    pid, served = one_process(lab, "main")
    locking = [batch for batch in served if "lock" in batch["ops"]]
    assert len(locking) >= 6, served  # taken and renewed by batches of one process: the same pid each time
    assert not os.path.exists(lab.lock_file())
    os.kill(pid, 0)  # it lives on after the tasks, as wsmprovhost.exe does


def test_a_sync_hand_over_succeeds_with_every_batch_in_one_host_process(tmp_path, stop_host_processes):
    estate = replication_estate(tmp_path / "lab")
    estate.sql_on("lab-main", "insert into stats_calls values ('c9', '2026-12-02', '60');")
    estate.sql_on("lab-report", "delete from stats_calls")
    sync = {"sync": "report_data_recent", "partner": "lab-main", "poll_interval": 1}
    _run, synced = estate.task("oscc.admin.replication", sync, tmp_path, host="lab-report", extra=ONE_PROCESS)
    # the start's batch took the lease in the host's process, which lives on; the task took it over by its token
    assert synced.get("finished") and not synced.get("failed"), synced.get("msg")
    assert estate.rows("lab-report") == estate.rows("lab-main")
    _pid, served = one_process(estate, "report")
    assert any("lock" in batch["ops"] for batch in served), served
    # the hand-over is explicit: the start's lease is not held live by its batch, so the task takes it at once
    locks = [op for call in labctl.windows_state(estate.root, "report")["calls"] if call["module"] == "win_powershell"
             for op in (call["args"].get("batch") or {}).get("ops", []) if op["op"] == "lock"]
    assert [op.get("hold") for op in locks] == [False], locks
