"""A scheduled run's record is trusted only as the host wrote it (issue 19, item 1): whoever can write the backup
share can write a run record there, and the controller signs what it adopts with the estate's key. A record with no
copy on the host is skipped, never adopted, signed or restored; an archive swapped after the run is refused."""
import datetime as dt
import glob
import hashlib
import json
import os
import shutil

import labctl
import pytest
from playbook_lab import LOCATION, SHARE, main_and_backup, share_dir

TASK = "\\OSCC\\OSCC Informix backup level 0"
SCHEDULE = {**LOCATION, "destination": SHARE, "schedules": [{"level": 0, "time": "02:00"}]}
RESTORE = {**LOCATION, "destination": SHARE, "services": [], "confirm": True, "safety_backup": False}


@pytest.fixture
def estate(tmp_path):
    return main_and_backup(tmp_path)


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest(), os.path.getsize(path)


def claim(record, sha256, size):
    """The record edited to claim another archive: every checksum and size its results carry."""
    for result in record["results"]:
        if "stdout_sha256" in result:
            result.update(stdout_sha256=sha256, stdout_size=size)
        if result.get("op") == "hash" and "sha256" in result:
            result.update(sha256=sha256, size=size)
    return record


def one_scheduled_run(main):
    assert not labctl.fire_task(main.root, main.host, TASK).get("failed")
    (record,) = glob.glob(os.path.join(share_dir(main), "ol_main_*_L0.run.json"))
    return record


def test_a_forged_run_record_with_another_servers_archive_is_not_adopted_signed_or_restored(estate, tmp_path):
    main, backup = estate
    backup.sql("insert into agents values ('8001', 'Backup Only', 'ready');")
    _, theirs = backup.task("oscc.admin.informix_backup", {**LOCATION, "destination": SHARE}, tmp_path)
    foreign = labctl.to_here(backup.paths["base"], theirs["archive"])
    main.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    real = one_scheduled_run(main)
    expected = main.data()
    # The forgery: the real record's text under a later name (its checkpoint the server's newest), claiming the
    # other server's archive, which lies beside it as this run's partial with its real checksum.
    stamp = dt.datetime.strptime(os.path.basename(real).split("_")[2], "%Y%m%dT%H%M%S%f") + dt.timedelta(seconds=1)
    forged_name = "ol_main_" + stamp.strftime("%Y%m%dT%H%M%S%f")[:-3] + "_L0"  # just after it: no date to doubt
    with open(real) as handle:
        record = claim(json.load(handle), *digest(foreign))
    with open(os.path.join(share_dir(main), forged_name + ".run.json"), "w") as handle:
        json.dump(record, handle)
    shutil.copyfile(foreign, os.path.join(share_dir(main), forged_name + ".arc.partial"))
    main.sql("delete from agents;")

    _, restored = main.task("oscc.admin.informix_restore", RESTORE, tmp_path)
    assert not restored.get("failed"), restored.get("msg")
    assert forged_name not in json.dumps(restored["restored"]) and main.data() == expected, restored["restored"]
    assert not os.path.exists(os.path.join(share_dir(main), forged_name + ".json"))  # no manifest, nothing signed
    assert not os.path.exists(os.path.join(share_dir(main), forged_name + ".arc"))  # nothing renamed
    assert any(forged_name in w and "no record of this run on the host: not adopted" in w
               for w in restored.get("warnings", [])), restored.get("warnings")
    lines = open(os.path.join(share_dir(main), "results.txt")).read().splitlines()
    assert [line.split()[1:4] for line in lines] == [["OK", "level", "0"]]  # the real run only
    # Named outright, the forged run restores nothing either: there is no manifest of it to trust.
    _, named = main.task("oscc.admin.informix_restore",
                         {**RESTORE, "manifest": SHARE + "\\" + forged_name + ".json"}, tmp_path)
    assert named.get("failed") and main.data() == expected, named.get("restored")


def test_a_runs_archive_swapped_after_the_run_is_refused_even_with_its_record_edited_to_match(estate, tmp_path):
    main, backup = estate
    _, theirs = backup.task("oscc.admin.informix_backup", {**LOCATION, "destination": SHARE}, tmp_path)
    foreign = labctl.to_here(backup.paths["base"], theirs["archive"])
    main.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    record = one_scheduled_run(main)
    name = os.path.basename(record)[: -len(".run.json")]
    shutil.copyfile(foreign, os.path.join(share_dir(main), name + ".arc.partial"))
    with open(record) as handle:
        edited = claim(json.load(handle), *digest(foreign))
    with open(record, "w") as handle:
        json.dump(edited, handle)

    _, done = main.task("oscc.admin.informix_backup", {**LOCATION, "destination": SHARE}, tmp_path)
    assert not done.get("failed"), done.get("msg")
    assert not os.path.exists(os.path.join(share_dir(main), name + ".json"))
    assert not os.path.exists(os.path.join(share_dir(main), name + ".arc"))
    line = open(os.path.join(share_dir(main), "results.txt")).read().splitlines()[0]
    assert "FAILED level 0: its record on the destination is not the one the run wrote" in line, line


def test_a_runs_archive_swapped_after_the_run_is_refused_by_its_checksum_on_the_host(estate, tmp_path):
    main, backup = estate
    _, theirs = backup.task("oscc.admin.informix_backup", {**LOCATION, "destination": SHARE}, tmp_path)
    main.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    name = os.path.basename(one_scheduled_run(main))[: -len(".run.json")]
    shutil.copyfile(labctl.to_here(backup.paths["base"], theirs["archive"]),
                    os.path.join(share_dir(main), name + ".arc.partial"))
    _, done = main.task("oscc.admin.informix_backup", {**LOCATION, "destination": SHARE}, tmp_path)
    assert not done.get("failed"), done.get("msg")
    assert not os.path.exists(os.path.join(share_dir(main), name + ".json"))
    line = open(os.path.join(share_dir(main), "results.txt")).read().splitlines()[0]
    assert "FAILED level 0: its archive is not the one the run wrote (checksum)" in line, line
