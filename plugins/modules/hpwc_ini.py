# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the hpwc_ini action plugin (plugins/action/hpwc_ini.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: hpwc_ini
short_description: Set the HPWC.ini settings of the OSCC web components on IIS
version_added: 0.1.0
description:
  - Sets keys of the C([HPPCSETTINGS]) section of C(HPWC.ini) (manual §4.2.1.1, §4.3.1) - only the keys given,
    rewritten in place; every other line, section, comment and line ending stays as it was. Keys and sections
    compare case-insensitively, as Windows reads INI files.
  - The TLS port is written as C(TLSPort), the name the V12 manual uses, and also as C(SSLPort) where the file
    has that key, as older kits of the web components read it.
  - Reads, then writes (round trips in docs/windows.md); the file is replaced atomically and only if nobody changed it
    since it was read.
options:
  path:
    description: The C(HPWC.ini) file, for example C(C:\inetpub\wwwroot\HPPC\HPWC.ini). Absolute; an C(.ini) file.
    type: str
    required: true
  address:
    description:
      - The OSCC main server - with a warm-standby pair, the cluster name or virtual IP (§4.2.1.1 note).
      - One line - a line break would end the C(Address) line and add a key of its own, so it is refused.
      - Not empty, and without C(;), C(=), C([) or C(]), which an INI line reads as a comment, a second key or a
        section.
    type: str
  port:
    description: The Web Interaction server port (default of OSCC is 6021). 1-65535.
    type: int
  tls_port:
    description: The TLS port (§4.3.1). 1-65535.
    type: int
  chat_uses_ssl:
    description: Web Collaboration only over TLS.
    type: bool
  callback_uses_ssl:
    description: Web Callback only over TLS.
    type: bool
  voicexml_uses_ssl:
    description: VoiceXML only over TLS.
    type: bool
  backup:
    description: Keep a timestamped copy of the file before changing it.
    type: bool
    default: false
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Point the IIS web components at the OSCC cluster, Web Collaboration over TLS
  oscc.admin.hpwc_ini:
    path: C:\inetpub\wwwroot\HPPC\HPWC.ini
    address: oscc-cluster.contact.example.com
    port: 6021
    tls_port: 443
    chat_uses_ssl: true
    backup: true
"""

RETURN = r"""
changes:
  description: Each changed key with its value before (null when it was missing) and after.
  returned: always
  type: dict
  sample: {"Address": {"before": "xxx.domain.com", "after": "oscc-cluster.contact.example.com"}}
path:
  description: The file.
  returned: always
  type: str
backup_file:
  description: The copy made before the change.
  returned: changed and O(backup=true)
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
