"""Review 19c, how `latest` chooses a chain: never past the server's own newest archive when that archive is in no
verified manifest (F1), never an unsigned manifest unless named (F2), and never on checkpoint order alone when the
server's record cannot be read and start order tells otherwise (F7). docs/backup.md, Which chain is the newest."""
import json
import os
import re
import shutil
import subprocess

import pytest
from playbook_lab import LOCATION, SHARE, main_and_backup, share_dir

BACKUP = {**LOCATION, "destination": SHARE}
RESTORE = {**LOCATION, "destination": SHARE, "services": [], "confirm": True, "safety_backup": False}


@pytest.fixture
def estate(tmp_path):
    return main_and_backup(tmp_path)


def stem(path):
    return re.split(r"[\\/]", path)[-1][: -len(".json")]


def named(result):
    return {**RESTORE, "manifest": SHARE + "\\" + stem(result["manifest"]) + ".json"}


def agent_ids(lab):
    return {row[0] for row in lab.rows("lab-main", "agents")}


def test_a_newest_chain_deleted_from_the_share_makes_latest_refuse_not_roll_back(estate, tmp_path):
    main, _ = estate
    main.sql("insert into agents values ('7100', 'Old Row', 'ready');")
    _, older = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    main.sql("insert into agents values ('7101', 'New Row', 'ready');")
    _, newer = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    for suffix in (".json", ".arc"):  # a share writer removes the newest chain
        os.remove(os.path.join(share_dir(main), stem(newer["manifest"]) + suffix))

    _, (planned, refused, chosen) = main.tasks([
        ("oscc.admin.informix_restore", RESTORE, {"check": True}),
        ("oscc.admin.informix_restore", RESTORE),
        ("oscc.admin.informix_restore", named(older), {"check": True})], tmp_path)
    checkpoint = newer["checkpoint"]
    for result in (planned, refused):
        assert result.get("failed") and "\n" not in result["msg"], result
        assert f"the server's newest archive (level 0, {checkpoint['date']}, log {checkpoint['log']} position " \
               f"{checkpoint['position']}) is in no verified manifest" in result["msg"], result
        assert f"older chain {stem(older['manifest'])}" in result["msg"], result
    assert "7101" in agent_ids(main) and main.mode_rc() == 5  # nothing was restored
    assert chosen["restored"] == [stem(older["manifest"])], chosen  # named, the older chain still restores


def test_an_unsigned_forgery_is_never_latest_even_after_the_signed_chain_is_deleted(estate, tmp_path):
    main, backup = estate
    main.sql("insert into agents values ('7100', 'Main Row', 'ready');")
    _, own = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    backup.sql("insert into agents values ('7200', 'Only On Backup', 'ready');")
    _, theirs = backup.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    folder, name = share_dir(main), stem(own["manifest"])
    with open(os.path.join(folder, name + ".json")) as handle:
        mine = json.load(handle)
    with open(os.path.join(folder, stem(theirs["manifest"]) + ".json")) as handle:
        forged = json.load(handle)
    forged.update(name=name, archive=name + ".arc", chain=name, informixserver="ol_main", host="lab-main",
                  checkpoint=mine["checkpoint"], start=mine["start"])
    forged.pop("signature")
    shutil.copy(os.path.join(folder, stem(theirs["manifest"]) + ".arc"), os.path.join(folder, name + ".arc"))
    with open(os.path.join(folder, name + ".json"), "w") as handle:
        json.dump(forged, handle)

    _, (planned, refused) = main.tasks([
        ("oscc.admin.informix_restore", {**RESTORE, "accept_unsigned_manifests": True}, {"check": True}),
        ("oscc.admin.informix_restore", {**RESTORE, "accept_unsigned_manifests": True})], tmp_path)
    for result in (planned, refused):
        assert result.get("failed") and "restored only when named" in result["msg"] and name in result["msg"], result
    assert agent_ids(main) >= {"7100"} and "7200" not in agent_ids(main)


def test_after_a_rollback_latest_follows_the_record_on_line_and_refuses_off_line(estate, tmp_path):
    """A backed up; B after three more rows; A restored by name (the rollback); C after one row. The log positions
    go on from A after the restore, so C's checkpoint orders before B's."""
    main, _ = estate
    main.sql("insert into agents values ('7100', 'A', 'ready');")
    _, a = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    main.sql("insert into agents values ('7101', 'B', 'ready'); insert into agents values ('7103', 'B', 'ready');"
             "insert into agents values ('7104', 'B', 'ready');")
    _, b = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    _, rollback = main.task("oscc.admin.informix_restore", named(a), tmp_path)
    assert rollback["restored"] == [stem(a["manifest"])] and "7101" not in agent_ids(main), rollback
    main.sql("insert into agents values ('7102', 'C after the rollback', 'ready');")
    _, c = main.task("oscc.admin.informix_backup", BACKUP, tmp_path)
    assert c["verified"] and int(c["checkpoint"]["position"], 16) < int(b["checkpoint"]["position"], 16), (b, c)

    _, on_line = main.task("oscc.admin.informix_restore", RESTORE, tmp_path, check=True)
    assert on_line["restored"] == [stem(c["manifest"])], on_line
    reasons = {stem(s["manifest"]): s["reason"] for s in on_line["skipped_manifests"]}
    assert reasons[stem(b["manifest"])].startswith("it claims an archive newer than the server's own newest")

    subprocess.run(["onmode", "-ky"], env=main.sim_env(), capture_output=True, check=True)
    assert main.mode_rc() == 255
    _, (off_line, chosen) = main.tasks([("oscc.admin.informix_restore", RESTORE, {"check": True}),
                                        ("oscc.admin.informix_restore", named(c), {"check": True})], tmp_path)
    assert off_line.get("failed") and "\n" not in off_line["msg"], off_line
    assert f"by checkpoint the newest is {stem(b['manifest'])}, by start {stem(c['manifest'])}" in off_line["msg"]
    assert chosen["restored"] == [stem(c["manifest"])], chosen
