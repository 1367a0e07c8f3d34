"""Issue 19 item 1 (review 19b): the restore's look hashes each archive before the safety backup; an archive swapped
on the share while that backup runs must not be restored. The executor checks it again as it feeds (stdio) or
stages (directory, tapedev) it, against the manifest's sha256, and nothing is restored. With tapedev, levels 1 and 2
are staged by ontape's own prompts (the prompted operation's stage): a swapped level 1 or 2 is refused too."""
import glob
import os
import shutil
import threading
import time

import labctl
import pytest
from playbook_lab import LOCATION, SHARE, main_and_backup, share_dir

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract

RESTORE = {**LOCATION, "destination": SHARE, "services": [], "confirm": True, "safety_backup": True}


def swap_once_the_safety_backup_writes(share, archive, foreign, swapped):
    deadline = time.time() + 120
    while time.time() < deadline:
        if glob.glob(os.path.join(share, "**", "*.partial"), recursive=True):
            shutil.copyfile(foreign, archive)
            swapped.append(time.time())
            return
        time.sleep(0.05)


def prepare(lab, method):
    """The steps that set TAPEDEV as each method needs it (tests/integration/test_backup_restore.py): stdio none;
    tapedev the pre-created file; directory the tape folder, the file taken away."""
    if method == "stdio":
        return []
    tapedev = lab.spelled("tape", "BACKUP.001") if method == "tapedev" else lab.paths["host"]["tape"]
    if method == "directory":
        os.remove(os.path.join(lab.paths["tape"], "BACKUP.001"))
    return [("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": tapedev}}, {"host": lab.inventory_host})]


@pytest.mark.parametrize("method, level", [("stdio", 0), ("directory", 0), ("tapedev", 0), ("tapedev", 1),
                                           ("tapedev", 2)])
def test_an_archive_swapped_during_the_safety_backup_is_not_restored(tmp_path, method, level):
    main, backup = main_and_backup(tmp_path)  # one share for both servers
    backup_args = {**LOCATION, "destination": SHARE, "method": method}
    backup.sql("insert into agents values ('8001', 'Backup Only', 'ready');")
    # each server's TAPEDEV, then its chain up to the level swapped (the chain's newest): one playbook, a play a server
    steps = []
    for lab in (main, backup):
        steps += prepare(lab, method) + [("oscc.admin.informix_backup", {**backup_args, "level": n},
                                          {"host": lab.inventory_host}) for n in range(level + 1)]
    _, results = main.tasks(steps, tmp_path)
    configured = [r for (module, *_), r in zip(steps, results) if module == "oscc.admin.onconfig"]
    runs = [r for (module, *_), r in zip(steps, results) if module == "oscc.admin.informix_backup"]
    assert not any(r.get("failed") for r in configured), configured
    assert all(run.get("verified") for run in runs), [run.get("msg") for run in runs]
    mine, theirs = runs[level], runs[-1]
    assert mine["archive"].endswith(f"_L{level}.arc") and theirs["archive"].endswith(f"_L{level}.arc"), (mine, theirs)
    share = share_dir(main)
    archive, foreign = labctl.to_here(main.paths["base"], mine["archive"]), labctl.to_here(backup.paths["base"],
                                                                                            theirs["archive"])
    assert os.path.isfile(archive) and os.path.isfile(foreign) and archive != foreign
    # the safety backup takes a while, as a real level 0 does: long enough for the swapper's 0.05 s polls to see it
    main.faults(ontape_delay_seconds=4)
    main.sql("delete from agents;")
    before = main.rows("lab-main", "agents")
    swapped = []
    swapper = threading.Thread(target=swap_once_the_safety_backup_writes, args=(share, archive, foreign, swapped))
    swapper.start()
    _, result = main.task("oscc.admin.informix_restore", RESTORE, tmp_path)
    swapper.join()
    assert swapped, "the safety backup was never seen writing"
    assert result.get("failed"), result
    changed = contract.CHANGED_SINCE_CHECKED.format(path=mine["archive"])
    assert changed in result["msg"], result["msg"]
    assert main.rows("lab-main", "agents") == before  # nothing of the other server's archive reached ol_main
