# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Localisation (§4.4.1) and CaptureWCData.htm customisation (§4.4.2) of the web component pages
# in their folder (docs: plugins/modules/web_pages.py). Two remote calls: read, then write.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils import _webpages as pages
from ansible_collections.oscc.admin.plugins.plugin_utils._action import OsccAction

ENGLISH = f"html/{pages.DEFAULT_LANGUAGE}"


class ActionModule(OsccAction):
    ARGSPEC = {
        "path": {"type": "str", "required": True},
        "languages": {"type": "list", "elements": "dict", "default": []},
        "capture_fields": {"type": "dict", "default": {}},
    }
    PATH_OPTIONS = ("path",)

    def act(self, args, target, task_vars):
        errors = pages.field_errors(args["capture_fields"]) + pages.language_errors(args["languages"])
        if errors:
            raise AnsibleActionFail(errors[0])
        languages = args["languages"]
        folders = [ENGLISH] + [f"html/{language['name']}" for language in languages]
        entries = [f"html/{pages.entry_page(language)}" for language in languages]
        found = target.procedure("read_files", {"base": args["path"], "dirs": folders,
                                                "paths": [f"html/{pages.ENTRY_PAGE}"] + entries}, read_only=True)["files"]
        english = {name.rsplit("/", 1)[1]: item for name, item in found.items() if name.startswith(ENGLISH + "/")}
        capture = f"{ENGLISH}/{pages.CAPTURE_PAGE}"
        if capture not in found or f"html/{pages.ENTRY_PAGE}" not in found:
            raise AnsibleActionFail(f"path {args['path']} holds no kit: html/{pages.ENTRY_PAGE} or {capture} is missing")
        wanted = {}  # relative path -> text
        # §4.4.1 steps 1-2: the language folder gets every page of english it does not have yet;
        # pages already there are the site's translations and stay.
        for language in languages:
            for name, item in english.items():
                relative = f"html/{language['name']}/{name}"
                if relative not in found:
                    wanted[relative] = item["content"]
            # Steps 4-5: the entry page is WCMain.htm asking for the language's folder.
            entry = f"html/{pages.entry_page(language)}"
            base = found[entry]["content"] if entry in found else found[f"html/{pages.ENTRY_PAGE}"]["content"]
            wanted[entry] = pages.localised_entry(base, language["name"])
        # §4.4.2: CaptureWCData.htm of each folder carries the common and the language's own values.
        changes = {}
        for folder, language in [(ENGLISH, None)] + [(f"html/{lang['name']}", lang) for lang in languages]:
            relative = f"{folder}/{pages.CAPTURE_PAGE}"
            fields = pages.language_fields(language, args["capture_fields"])
            if not fields:
                continue
            page = wanted.get(relative, found.get(relative, {}).get("content"))
            try:
                wanted[relative], changed_fields = pages.customised_capture(page, fields)
            except ValueError as exc:
                raise AnsibleActionFail(f"{relative}: {exc}") from None
            if changed_fields:
                changes[relative] = {k: {"before": b, "after": a} for k, (b, a) in changed_fields.items()}
        writes = {name: text for name, text in wanted.items() if found.get(name, {}).get("content") != text}
        result = {"changed": bool(writes), "written": sorted(writes), "fields": changes}
        if writes and self._task.diff:
            result["diff"] = [{"before": found.get(n, {}).get("content", ""), "after": t, "before_header": n,
                               "after_header": n} for n, t in sorted(writes.items())]
        if writes and not self._task.check_mode:
            expected = {name: found.get(name, {}).get("sha256", "") for name in writes}
            target.procedure("write_files", {"base": args["path"], "files": writes, "expected": expected})
        return result
