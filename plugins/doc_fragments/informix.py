# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Options shared by the Informix action plugins.
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  informixdir:
    description:
      - The Informix installation directory on the host (C(INFORMIXDIR)).
      - Defaults to the host's C(INFORMIXDIR) environment variable.
      - Must be an absolute path.
    type: str
  informixserver:
    description:
      - The Informix server name (C(INFORMIXSERVER)), on OSCC C(ol_<servername>).
      - Defaults to the host's C(INFORMIXSERVER) environment variable.
    type: str
  onconfig:
    description:
      - The C(ONCONFIG) file, as the C(ONCONFIG) environment variable takes it, a file name under
        C($INFORMIXDIR/etc) or a full path.
      - When omitted, the host's C(ONCONFIG) variable is used, else the one file in C($INFORMIXDIR/etc)
        whose C(DBSERVERNAME) is O(informixserver).
    type: str
  services:
    description:
      - The OSCC Windows services that must be stopped while the database is restored.
    type: list
    elements: str
    default: ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]
notes:
  - All remote work goes through one seam, which uses C(ansible.windows) modules for Windows hosts
    and C(ansible.builtin) modules for POSIX hosts. Set the inventory variable C(oscc_platform) to
    C(windows) or C(posix) to override the detection from the connection's shell.
  - Read-only probes also run in check mode, so that check mode reports a real plan.
"""
