# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Remote procedures for Windows Informix hosts: the PowerShell twin of _remote_posix.py, sent
# through ansible.windows.win_powershell with the procedure name and its JSON parameters. Same
# procedures, same parameters, same result keys; the rules (success words, table patterns) come
# in the parameters. Native programs are started with cmd.exe redirection, so Windows PowerShell
# never re-encodes an archive stream.
from __future__ import annotations

import json
import os

MARKER = "# oscc.admin remote procedures v1"
# The script lives in its own file so that it can be parsed and linted as PowerShell (tests/static).
with open(os.path.join(os.path.dirname(__file__), "oscc_remote.ps1"), encoding="ascii") as _handle:
    SCRIPT = _handle.read()
if not SCRIPT.startswith(MARKER):
    raise ImportError("oscc_remote.ps1 does not start with " + MARKER)


# Procedures for what only Windows has; the POSIX twin has no counterpart. IIS and the Exchange shells are driven
# through the host executor's cmdlet operation instead (plugin_utils/_iis.py, _exchange.py).
WINDOWS_ONLY = ()


def render(name: str, params: dict) -> tuple[str, dict]:
    """The script and win_powershell parameters that run procedure `name` with `params`."""
    return SCRIPT, {"Procedure": name, "Json": json.dumps(params)}
