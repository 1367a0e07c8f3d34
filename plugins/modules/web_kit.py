# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the web_kit action plugin (plugins/action/web_kit.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: web_kit
short_description: Lay the OSCC web components kit into its folder without losing what was changed on site
version_added: 0.1.0
description:
  - Unpacks the kit (C(HPPCEnterpriseWeb.zip), manual §4.2.1.1 step 4) on the web server into O(dest), keeping the
    kit's file structure.
  - Safe for upgrades (the note of manual chapter 4) - a file that differs from what the previous kit laid down
    (a configured C(HPWC.ini), a customised C(CaptureWCData.htm)) is never overwritten; its copy and the new kit's
    version are saved under O(saved_dir) to merge by hand. Files the kit does not carry (language folders, entry
    pages such as C(WCDeutsch.htm)) are never touched.
  - C(dest/.oscc-kit.json) records what the kit laid down. Reads the kit's entries and the record, then the files
    in O(dest), then makes the changes (round trips in docs/windows.md); nothing changes on a second run.
options:
  src:
    description: The kit zip on the web server. Absolute.
    type: str
    required: true
  dest:
    description: The web components folder, for example C(C:\inetpub\HPPC). Absolute.
    type: str
    required: true
  saved_dir:
    description:
      - Where kept files and the new kit's versions of them are saved, one timestamped folder per run.
      - Defaults to O(dest) followed by C(-saved). It must lie outside O(dest).
    type: str
extends_documentation_fragment:
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
- name: Upgrade the web components to the new kit, keeping customised pages
  oscc.admin.web_kit:
    src: C:\inetpub\HPPC-kit\HPPCEnterpriseWeb.zip
    dest: C:\inetpub\HPPC
"""

RETURN = r"""
written:
  description: Kit files laid down (new, or unchanged on site since the previous kit).
  returned: always
  type: list
  elements: str
kept:
  description: Kit files that were changed on site and kept as they are.
  returned: always
  type: list
  elements: str
saved_dir:
  description: Where the kept files and the new kit's versions of them were saved (null when nothing was kept).
  returned: always
  type: str
upgrade:
  description: Whether a different kit had been laid down before.
  returned: always
  type: bool
kit_sha256:
  description: SHA-256 of the kit.
  returned: always
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
