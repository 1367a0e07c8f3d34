# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Options shared by the Informix action plugins, beside oscc.admin.informix_location (and its onconfig variant).
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  services:
    description:
      - The OSCC Windows services that must be stopped while the database is restored.
      - M(oscc.admin.informix_restore) checks that each is a service of the host before anything is touched, on
        Windows by name or display name (C(Get-Service)), on a POSIX host among the names
        M(ansible.builtin.service_facts) lists. A POSIX Informix host has no OSCC services; give V([]) there.
    type: list
    elements: str
    default: ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]
notes:
  - Without O(informixdir) or O(informixserver), the host's C(INFORMIXDIR) and C(INFORMIXSERVER) environment
    variables are used. Without O(onconfig), the host's C(ONCONFIG) variable is used, else the one file in
    C($INFORMIXDIR/etc) whose C(DBSERVERNAME) is O(informixserver).
  - All remote work goes through one seam, which uses C(ansible.windows) modules for Windows hosts
    and C(ansible.builtin) modules for POSIX hosts. Set the inventory variable C(oscc_platform) to
    C(windows) or C(posix) to override the detection from the connection's shell.
  - Read-only probes also run in check mode, so that check mode reports a real plan.
"""
