# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the snmp_service action plugin (plugins/action/snmp_service.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: snmp_service
short_description: The Windows SNMP service of an OSCC server as manual §6.4 asks
version_added: 0.1.0
description:
  - Installs the Windows feature C(SNMP-Service) when missing (manual §6.4 - the service must be installed and
    running on the main and the central report server).
  - Makes the communities exactly O(communities), each READ ONLY; C(public) and C(private) are refused as input
    (in any case, with spaces around) and removed from the server (§6.4, note).
  - Makes the permitted managers exactly O(permitted_managers), numbered C(1), C(2), ... as Windows keeps them;
    other entries are removed.
  - With O(extension_agent), registers the OSCC SNMP extension agent (C(osccsnmp.dll)) with the manual's tool
    C(osccregistersnmpextension.exe) when no extension agent of the service points at it (§6.4.1); the service
    reads its agents at start, so RV(restart_needed) is then true.
  - With O(capfm_messages), makes the CAP Fault Management configuration file O(capfm_config) the one the manual
    names for all messages (C(capfm_procenter.ini)) or for the network operations centre's subset
    (C(capfm_procenter_service.ini)), copied from O(capfm_source) (§6.4.2); the file replaced is kept as a backup.
  - Reads everything at once and changes, only when something differs and not in check mode, everything at once
    (round trips in docs/windows.md). Starting the service is M(ansible.windows.win_service)'s (role
    C(oscc.admin.snmp)).
options:
  communities:
    description:
      - The community names the service answers, read only. Credentials of SNMP v2c - keep them in a vault; they are
        not logged and the result only counts them.
    type: list
    elements: str
    required: true
  permitted_managers:
    description: The hosts allowed to ask (names or addresses); not empty - an empty list lets every host ask.
    type: list
    elements: str
    required: true
  extension_agent:
    description: Register the OSCC extension agent when missing (the main server only, §6.4.1).
    type: bool
    default: false
  oscc_dir:
    description: The OSCC installation folder, which holds C(osccregistersnmpextension.exe).
    type: str
    default: C:\Program Files\OpenScape Contact Center
  capfm_messages:
    description: C(all) messages (C(capfm_procenter.ini)) or the C(noc) subset (C(capfm_procenter_service.ini)); left
      out, the CAP FM configuration is not touched.
    type: str
    choices: [all, noc]
  capfm_config:
    description: The configuration file CAP Fault Management reads on this server (the manual does not name its
      folder; see docs/snmp.md).
    type: str
  capfm_source:
    description: The folder holding both CAP FM files, the OSCC DVD's C(\Utilities\Install) (a copy on the server or a
      share).
    type: str
  timeout:
    description: Seconds for C(osccregistersnmpextension.exe).
    type: int
    default: 120
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The permitted managers and the CAP FM file before and after; communities are never shown.
  platform:
    platforms: windows
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: SNMP on the main server, the CAP FM subset for the NOC
  oscc.admin.snmp_service:
    communities: ["{{ vault_oscc_snmp_community }}"]
    permitted_managers: [nms01.contact.example.com, 10.20.0.15]
    extension_agent: true
    capfm_messages: noc
    capfm_config: C:\Program Files\OpenScape CAP\Fault Management\capfm_procenter.ini
    capfm_source: \\deploy01\oscc-dvd\Utilities\Install
"""

RETURN = r"""
changes:
  description: Each setting that differed, with before and after; communities as counts only.
  returned: always
  type: dict
  sample: {"communities": {"removed": 1, "added": 1, "made_read_only": 0, "public_or_private_removed": ["public"]},
           "permitted_managers": {"before": ["localhost", "10.9.9.9"], "after": ["nms01.contact.example.com"]}}
restart_needed:
  description: The extension agent was registered; the SNMP service must restart to load it.
  returned: always
  type: bool
"""
