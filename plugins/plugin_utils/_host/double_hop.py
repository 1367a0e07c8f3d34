# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: UNC paths over WinRM (docs/windows.md, First-run checklist): the executor runs in the remote session, which
# holds no credentials it could pass on to another server (the double-hop), so a share that needs the user's own
# rights answers "access denied" or "not found" there, while the same path works on the console.
from __future__ import annotations

import re

_UNC = re.compile(r"^(\\\\|//)(?![?.][\\/])[^\\/]+[\\/]+[^\\/]+")
# What Windows says when the session cannot reach or may not use the share (and POSIX's words for the same).
_REFUSED = re.compile(r"denied|not found|cannot find|could not find|does not exist|network (name|path)|logon failure|"
                      r"user name or password|bad network|no such file", re.I)
WAYS_OUT = ("a WinRM session has no credentials for another server's share (the double-hop); ways out: Kerberos "
            "delegation for the connection (ansible_winrm_kerberos_delegation: true, the host trusted for "
            "delegation to the file server), CredSSP (ansible_winrm_transport: credssp), or the scheduled backup "
            "(oscc.admin.informix_backup_schedule), which runs as its own account (its username) with rights on the "
            "share")


def is_unc(path: str | None) -> bool:
    """A \\\\server\\share path (not a \\\\?\\ or \\\\.\\ device path)."""
    return bool(path) and bool(_UNC.match(path))


def unreachable(path: str, why: str) -> str:
    """The message for a UNC path the session could not use: what happened, then the double-hop and its ways out."""
    return f"{path} {why}: {WAYS_OUT}"


def refused(path: str | None, error: str | None, platform: str) -> bool:
    """Whether an error on a Windows host's UNC path is the share refusing the session (access denied, not found)."""
    return platform == "windows" and is_unc(path) and bool(_REFUSED.search(error or ""))
