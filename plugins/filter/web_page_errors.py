# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# What is wrong with a localisation / CaptureWCData.htm customisation (manual §4.4), before anything is touched.
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.plugin_utils._web import pages as _webpages


def web_page_errors(capture_fields, languages=None, prefix="web_components_"):
    if not isinstance(capture_fields, dict) or not isinstance(languages or [], list):
        raise AnsibleFilterError("web_page_errors: the input is a dict of fields and the argument a list of languages")
    return (_webpages.field_errors(capture_fields, prefix + "capture_fields")
            + _webpages.language_errors(languages, prefix + "languages"))


class FilterModule:
    def filters(self):
        return {"web_page_errors": web_page_errors}
