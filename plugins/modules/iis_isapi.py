# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the iis_isapi action plugin (plugins/action/iis_isapi.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: iis_isapi
short_description: IIS settings of the OSCC ISAPI application that microsoft.iis does not cover
version_added: 0.1.0
description:
  - Allows the ISAPI DLL in the server's ISAPI and CGI restrictions (manual §4.2.1.1 - otherwise IIS answers 404),
    sets the application's handler access (Read, Script, Execute - §4.2.1.1 step 7), its MIME types (C(.vxml) as
    C(application/voicexml+xml) - §4.2.1.4) and default documents (C(Default.htm)).
  - Adds and corrects only; other entries stay. Reads the settings with the WebAdministration cmdlets through
    C(ansible.windows.win_powershell), then, only when something differs, changes what differs (round trips in
    docs/windows.md).
    In check mode it only reads.
  - The application and its pool come from M(microsoft.iis.web_application) and M(microsoft.iis.web_app_pool).
options:
  site:
    description: The IIS site.
    type: str
    default: Default Web Site
  application:
    description:
      - The application path in the site, for example C(/HPPC). It must exist (a warning in check mode), and is
        neither the site's root nor holds C(.) or C(..) segments.
    type: str
    required: true
  isapi_path:
    description:
      - The full path of the ISAPI DLL, for example C(C:\inetpub\HPPC\hppcwis.dll). It must be a file that exists
        (a warning in check mode).
    type: str
    required: true
  isapi_description:
    description: The description of the restriction entry when it is added.
    type: str
    default: OpenScape Contact Center Web Interaction
  access_policy:
    description: The handler access of the application.
    type: list
    elements: str
    default: [Read, Script, Execute]
  mime_types:
    description:
      - File extension (with the dot) to MIME type (C(type/subtype) text). An entry of the extension with another
        or an empty type is replaced.
    type: dict
    default: {".vxml": "application/voicexml+xml"}
  default_documents:
    description: Default documents of the application, file names (no folder or C(..)).
    type: list
    elements: str
    default: [Default.htm]
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: windows
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Allow hppcwis.dll and serve VoiceXML
  oscc.admin.iis_isapi:
    application: /HPPC
    isapi_path: C:\inetpub\HPPC\hppcwis.dll
"""

RETURN = r"""
changes:
  description: Each changed setting with its value before and after.
  returned: always
  type: dict
  sample: {"mime_type .vxml": {"before": null, "after": "application/voicexml+xml"}}
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
