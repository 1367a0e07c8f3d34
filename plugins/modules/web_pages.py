# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the web_pages action plugin (plugins/action/web_pages.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: web_pages
short_description: Localise the OSCC web component pages and customise CaptureWCData.htm
version_added: 0.1.0
description:
  - Localisation (manual §4.4.1) - for each language, the folder C(html/<name>) gets every page of C(html/english)
    it does not have yet (pages already there are the site's translations and stay), and the entry page
    C(html/WC<Name>.htm) is C(WCMain.htm) asking for that folder (C(varUserLanguage=<name>)).
  - Customisation (§4.4.2) - values of the C(CaptureWCData.htm) form fields, in every language folder; fields the
    page lacks are added as hidden fields (they become contact data). Nothing is removed, C(varUserRequest) cannot
    be changed, C(varSessionPriority) must be 1-100 and C(varSource) printable ASCII without C(` * , " ! % | _).
  - One read, then one write of the changed pages (round trips in docs/windows.md); a page changed meanwhile is
    not overwritten, and when one that was there changed, nothing is written.
options:
  path:
    description: The web components folder, for example C(C:\inetpub\HPPC). Absolute.
    type: str
    required: true
  languages:
    description:
      - Each with C(name) (the folder, not C(english)), optional C(entry_page) (default C(WC<Name>.htm)),
        C(hppc_language) (the Manager's Web Collaboration language, set as C(varHPPCLanguage)) and C(capture_fields).
    type: list
    elements: dict
    default: []
  capture_fields:
    description:
      - Field values for C(CaptureWCData.htm) of every language, C(english) included.
      - ISO-8859-1 (latin-1) text, as the kit's pages hold; a character beyond it (CJK) is refused.
    type: dict
    default: {}
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
- name: German pages and a higher priority for web sessions
  oscc.admin.web_pages:
    path: C:\inetpub\HPPC
    languages:
      - name: deutsch
        hppc_language: German
    capture_fields:
      varSessionPriority: 50
      varSource: Website
"""

RETURN = r"""
written:
  description: The pages written, relative to O(path).
  returned: always
  type: list
  elements: str
fields:
  description: Per CaptureWCData.htm page, each changed field with its value before and after.
  returned: always
  type: dict
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
