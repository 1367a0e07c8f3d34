# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the onconfig action plugin (plugins/action/onconfig.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: onconfig
short_description: Set Informix ONCONFIG parameters idempotently
version_added: 0.1.0
description:
  - Sets parameters in the instance's C(ONCONFIG) file, for example C(TAPEDEV) and C(TAPESIZE) as the
    manual asks before the first scheduled backup (§6.3.2.2).
  - Rewrites the first occurrence of a parameter (the one Informix reads), keeping its comment, and
    appends parameters that are missing. Leaves every other line as it was.
  - Refuses values Informix would misread - white space (a Windows path with spaces is read only up
    to the first blank), C(#), characters outside Latin-1, lines over 512 bytes, and for numeric
    parameters (C(TAPEBLK), C(TAPESIZE), C(LTAPEBLK), C(LTAPESIZE), C(SERVERNUM), C(ROOTSIZE), C(LOGFILES)
    and others) anything but a whole decimal number in the parameter's range, such as C(TAPESIZE -1).
  - Path-valued parameters (C(ROOTPATH), C(MIRRORPATH), C(TAPEDEV), C(LTAPEDEV), C(MSGPATH), C(CONSOLE),
    C(DUMPDIR) and the other folders and files of the server) take text, never a number, and no C(..).
  - Changes take effect for C(ontape) at its next run; other parameters may need a server restart.
  - The file is replaced atomically, and only if nobody changed it since it was read.
extends_documentation_fragment:
  - oscc.admin.informix
  - oscc.admin.informix_location
  - oscc.admin.informix_location.onconfig
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
options:
  path:
    description:
      - The C(ONCONFIG) file to edit. Defaults to the instance's C(ONCONFIG) (see O(onconfig)).
      - Must be an absolute path. Mutually exclusive with O(onconfig).
    type: str
  parameters:
    description:
      - Parameter names and the values to set.
    type: dict
    required: true
  allow_unknown:
    description:
      - Add a parameter that is neither an Informix configuration parameter the collection knows nor already in the
        file. Without it such a name (most likely a typo, which Informix would ignore) is refused.
    type: bool
    default: false
  backup:
    description:
      - Keep a timestamped copy of the file before changing it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Back up to a directory instead of one overwritten file
  oscc.admin.onconfig:
    informixserver: ol_oscc1
    parameters:
      TAPEDEV: D:\OSCC-Backups\tape
      TAPESIZE: 0
    backup: true
"""

RETURN = r"""
path:
  description: The file edited.
  returned: always
  type: str
changes:
  description: Each changed parameter with its value before and after.
  returned: always
  type: dict
  sample: {"TAPESIZE": {"before": "10240", "after": "0"}}
backup_file:
  description: The copy made before the change.
  returned: changed and O(backup=true)
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
