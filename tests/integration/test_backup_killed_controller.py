"""The server's lock against a controller killed during a backup (found by the hostile review of the host executor)."""
import json
import os
import signal
import subprocess

import yaml
from labwatch import ended, wait_until
from playbook_lab import INVENTORY, LOCATION, ROOT

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}


def test_a_killed_controller_does_not_let_its_next_run_start_a_second_archive_while_the_first_runs(linux_lab, tmp_path):
    """docs/backup.md: 'A controller killed during a backup leaves a lease ... the same controller breaks it at
    once' (lock_to_break: controller_pid gone). But killing the controller does not end what runs on the host
    (WinRM/SSH leave the remote program running; here ontape, started in its own session by the executor,
    survives): the next run breaks the lease and starts a second archive while the first is still being written."""
    lab = linux_lab
    lab.faults(ontape_delay_seconds=15)
    play = os.path.join(str(tmp_path), "play.yml")
    with open(play, "w") as handle:
        yaml.safe_dump([{"hosts": lab.inventory_host, "gather_facts": False,
                         "tasks": [{"oscc.admin.informix_backup": BACKUP}]}], handle)
    argv = ["ansible-playbook", "-i", INVENTORY, play, "-l", lab.inventory_host,
            "-e", json.dumps({"oscc_lab_root": lab.root})]
    first = subprocess.Popen(argv, env=lab.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, cwd=ROOT, start_new_session=True)
    wait_until(lambda: os.path.exists(lab.lock_file()) and lab.running("ontape"))
    orphan = lab.running("ontape")
    assert orphan, "the first backup never started ontape"
    os.killpg(first.pid, signal.SIGKILL)  # the operator's Ctrl-C twice, an AWX job cancelled, the controller lost
    first.wait()
    holder = json.load(open(lab.lock_file()))["controller_pid"]  # ansible's worker: it survives its parent
    os.kill(holder, signal.SIGKILL)
    assert wait_until(lambda: ended(holder), interval=0.1)
    lab.faults()
    second = lab.playbook(play)
    still_running = [p for p in orphan if os.path.exists(f"/proc/{p}")]
    try:
        assert not (second.rc == 0 and still_running), (
            f"the second backup ran and finished while the first run's ontape {still_running} was still archiving")
    finally:
        for pid in still_running:
            os.kill(pid, signal.SIGKILL)
