"""Scheduled runs' records on the shared destination, hand-edited or damaged, judged by the next controller backup
(found by the hostile review of the host executor)."""
import glob
import json
import os

import labctl
from playbook_lab import LOCATION

SCHEDULE = {**LOCATION, "destination": "{{ oscc_backup_destination }}", "schedules": [{"level": 0, "time": "02:00"}]}
TASK = "\\OSCC\\OSCC Informix backup level 0"
BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}


def one_record(lab):
    records = glob.glob(os.path.join(lab.backups(), "*.run.json"))
    assert len(records) == 1
    return records[0]


def edit_plan(record, **changes):
    with open(record) as handle:
        done = json.load(handle)
    plan = json.loads(done["results"][0]["content"])
    plan.update(changes)
    done["results"][0]["content"] = json.dumps(plan)
    with open(record, "w") as handle:
        json.dump(done, handle)


def test_a_run_record_on_the_share_cannot_make_the_server_append_to_any_file(windows_lab, tmp_path):
    """The results file a takeover appends to is read from the run record itself (judge: plan = the record's
    results[0].content; adoption_ops: write append to plan["results_file"], no root). Whoever can write the
    backup share (docs/backup.md: the share 'should be writable by nobody else', and the collection must
    withstand it) makes the controller append a line to any file of the Informix server, as the WinRM admin:
    here the server's own ONCONFIG."""
    lab = windows_lab
    lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    assert not labctl.fire_task(lab.root, lab.host, TASK).get("failed")
    onconfig_host = "C:\\Program Files\\Informix\\etc\\ONCONFIG." + lab.server
    onconfig = lab.here(onconfig_host)
    before = open(onconfig, "rb").read()
    edit_plan(one_record(lab), results_file=onconfig_host)
    _, backup = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    after = open(onconfig, "rb").read()
    assert after == before, f"ONCONFIG gained: {after[len(before):]!r} (backup failed: {backup.get('failed')})"


def test_a_damaged_run_record_is_judged_failed_not_a_crash_of_every_backup(windows_lab, tmp_path):
    """A record whose failed_at points past its results (hand-edited, or another tool's) makes judge() raise
    IndexError in halted(): every later backup and restore of the server fails with an internal error until
    someone deletes the file by hand. Expected: a FAILED line, the record dropped, the backup done."""
    lab = windows_lab
    lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    assert not labctl.fire_task(lab.root, lab.host, TASK).get("failed")
    record = one_record(lab)
    with open(record) as handle:
        done = json.load(handle)
    done["failed_at"] = 99
    with open(record, "w") as handle:
        json.dump(done, handle)
    _, backups = lab.tasks([("oscc.admin.informix_backup", BACKUP)] * 2, tmp_path)  # the one after it as well
    for backup in backups:
        assert not backup.get("failed"), backup.get("msg") or backup.get("exception", "")[-300:]


def test_a_run_whose_archive_is_gone_is_not_reported_ok(windows_lab, tmp_path):
    """The takeover moves <name>.arc.partial to <name>.arc and writes the manifest; move reports moved: false
    when the partial is missing and the batch goes on: a manifest for an archive that does not exist, and
    results.txt says OK."""
    lab = windows_lab
    lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    assert not labctl.fire_task(lab.root, lab.host, TASK).get("failed")
    (partial,) = glob.glob(os.path.join(lab.backups(), "*.arc.partial"))
    os.remove(partial)
    lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    lines = open(os.path.join(lab.backups(), "results.txt")).read().splitlines()
    archives = {os.path.basename(p) for p in glob.glob(os.path.join(lab.backups(), "*.arc"))}
    orphans = []
    for manifest in glob.glob(os.path.join(lab.backups(), "*.json")):
        content = json.load(open(manifest))
        if content.get("archive") not in archives:
            orphans.append(os.path.basename(manifest))
    assert not orphans and "OK" not in lines[0].split()[1:2], (lines, orphans)


def host_copies(lab):
    """The host's own copies of the runs' records, beside the server's lock."""
    return sorted(os.listdir(os.path.join(lab.paths["informixdir"], "etc", f".oscc-{lab.server}.runs")))


def test_a_host_copy_whose_record_on_the_destination_is_gone_is_removed_with_retention_once_old(windows_lab,
                                                                                                 tmp_path):
    """A run's record is deleted from the destination by hand: nothing adopts its host copy any more. The next
    backup removes the copy once the run started longer ago than its time limit, and says so; a younger one (a run
    may still be ending) stays."""
    lab = windows_lab
    lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    for _ in range(2):
        assert not labctl.fire_task(lab.root, lab.host, TASK).get("failed")
    young, old = host_copies(lab)
    for record in glob.glob(os.path.join(lab.backups(), "*.run.json")):
        os.remove(record)
    runs = os.path.join(lab.paths["informixdir"], "etc", f".oscc-{lab.server}.runs")
    aged = f"{lab.server}_20200101T000000000_L0.run.json"  # a run of long ago
    os.rename(os.path.join(runs, old), os.path.join(runs, aged))
    _, backup = lab.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    assert backup["verified"], backup
    removed = "C:\\Program Files\\Informix\\etc\\.oscc-" + lab.server + ".runs\\" + aged
    assert backup["removed_host_records"] == [removed]
    assert any(removed in w and "record on the destination is gone" in w for w in backup["warnings"])
    assert host_copies(lab) == [young]
