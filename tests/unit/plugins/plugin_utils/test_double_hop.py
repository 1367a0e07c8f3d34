"""UNC destinations over WinRM (docs/windows.md, First-run checklist): a share the remote session may not use (the
double-hop) answers access denied or not found; the error then names the double-hop and its three ways out."""
import dataclasses
import ntpath

import pytest
from test_informix_plans import NOW, probe_of

from ansible_collections.oscc.admin.plugins.plugin_utils._host import double_hop
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup import run_backup
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_options import backup_arguments
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_plan import plan_backup

SHARE = "\\\\backupsrv\\oscc"
WAYS_OUT = ("Kerberos delegation", "CredSSP", "oscc.admin.informix_backup_schedule", "double-hop")


@pytest.mark.parametrize("path, unc", [
    (SHARE, True), ("//backupsrv/oscc/x", True), ("\\\\backupsrv", False), ("\\\\?\\D:\\OSCC", False),
    ("\\\\.\\pipe\\x", False), ("D:\\OSCC-Backups", False), ("/lab/share", False), (None, False),
])
def test_a_unc_path_is_a_share_not_a_device_path(path, unc):
    assert double_hop.is_unc(path) is unc


@pytest.mark.parametrize("error, refused", [
    (f"Access to the path '{SHARE}\\x' is denied.", True),
    ("The network name cannot be found.", True), ("Logon failure: unknown user name or bad password.", True),
    ("Could not find a part of the path.", True), ("There is not enough space on the disk.", False),
])
def test_the_share_refusing_the_session_is_told_from_other_failures(error, refused):
    assert double_hop.refused(SHARE, error, "windows") is refused
    assert double_hop.refused("D:\\OSCC-Backups", error, "windows") is False
    assert double_hop.refused(SHARE, error, "posix") is False


class Refusing:
    """A Windows host whose session the share refuses: the backup's first batch stops at its mkdir."""

    platform, path = "windows", ntpath

    def __init__(self):
        self.batches = []

    def batch(self, ops, cleanup=(), read_only=False, secrets=None, check=True, stamp=None):
        self.batches.append(ops)
        if len(self.batches) == 1:
            error = f"Access to the path '{SHARE}' is denied."
            return {"results": [{"op": "mkdir", "ok": False, "error": error}], "failed_at": 0, "cleanup": []}
        return {"results": [{"op": o["op"], "ok": True} for o in ops], "cleanup": [], "failed_at": None}


def test_a_backup_the_share_refuses_names_the_double_hop_and_the_ways_out():
    probe = dataclasses.replace(probe_of("probe_shared_destination.json"), destination=SHARE)
    plan = plan_backup(backup_arguments({"destination": SHARE, "method": "stdio"}), probe, "lab", now=NOW)
    with pytest.raises(RemoteFailure) as failed:
        run_backup(Refusing(), probe, plan)
    message = str(failed.value)
    assert message.startswith(f"backup failed: destination {SHARE} could not be used (Access to the path ")
    assert all(words in message for words in WAYS_OUT) and message.endswith("; no older backup was touched")
