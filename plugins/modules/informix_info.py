# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the informix_info action plugin (plugins/action/informix_info.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: informix_info
short_description: Read the state and backup configuration of an OSCC Informix instance
version_added: 0.1.0
description:
  - Reads the server mode and version (C(onstat -)), the archive status (C(onstat -g arc)), the
    backup parameters of the C(ONCONFIG) file and the Informix environment, in one batch
    (round trips in docs/windows.md).
  - Changes nothing; runs in check mode.
extends_documentation_fragment:
  - oscc.admin.informix
  - oscc.admin.informix_location
  - oscc.admin.informix_location.onconfig
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Read the Informix state of the OSCC main server
  oscc.admin.informix_info:
    informixserver: ol_oscc1
  register: informix

- name: Fail unless the server is On-Line
  ansible.builtin.assert:
    that: informix.server_mode == 'On-Line'
"""

RETURN = r"""
server_mode:
  description: The server mode from the C(onstat -) return code, for example C(On-Line) or C(Off-Line).
  returned: always
  type: str
  sample: On-Line
onstat_rc:
  description: The return code of C(onstat -); 5 is On-Line, 255 Off-Line.
  returned: always
  type: int
  sample: 5
version:
  description: The server version from the C(onstat) banner; null when the server is off-line.
  returned: always
  type: str
  sample: 12.10.FC14
product:
  description: The product name from the C(onstat) banner.
  returned: always
  type: str
  sample: IBM Informix Dynamic Server
archives:
  description: The newest archive per level known to the server, from C(onstat -g arc).
  returned: always
  type: dict
  sample: {"0": {"date": "11/27/2026.02:00", "log": 12, "position": "0x320018"}}
onconfig_path:
  description: The C(ONCONFIG) file in use.
  returned: always
  type: str
  sample: C:\Program Files\Informix\etc\ONCONFIG.ol_oscc1
backup_parameters:
  description: The backup-related C(ONCONFIG) parameters that are set.
  returned: always
  type: dict
  sample: {"TAPEDEV": "C:\\Backups\\Backup.001", "LTAPEDEV": "NUL", "TAPESIZE": "0"}
environment:
  description: C(INFORMIXDIR), C(INFORMIXSERVER) and C(ONCONFIG) as used.
  returned: always
  type: dict
platform:
  description: C(windows) or C(posix), as the seam decided.
  returned: always
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
  sample: 1
"""
