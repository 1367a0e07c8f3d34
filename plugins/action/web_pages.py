# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Localisation (§4.4.1) and CaptureWCData.htm customisation (§4.4.2) of the web component pages
# in their folder (docs: plugins/modules/web_pages.py). Two batches: read, then write.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._web import pages

ENGLISH = f"html/{pages.DEFAULT_LANGUAGE}"


class ActionModule(OsccAction):
    PATH_OPTIONS = ("path",)

    def act(self, args, target, task_vars):
        errors = pages.field_errors(args["capture_fields"]) + pages.language_errors(args["languages"])
        if errors:
            raise AnsibleActionFail(errors[0])
        languages = args["languages"]
        folders = [ENGLISH] + [f"html/{language['name']}" for language in languages]
        entries = [pages.entry_page(language) for language in languages]
        found, folders_found = self._read(target, args["path"], folders, [pages.ENTRY_PAGE] + entries)
        english = {name.rsplit("/", 1)[1]: item for name, item in found.items() if name.startswith(ENGLISH + "/")}
        capture = f"{ENGLISH}/{pages.CAPTURE_PAGE}"
        if capture not in found or f"html/{pages.ENTRY_PAGE}" not in found:
            raise AnsibleActionFail(f"path {args['path']} holds no kit: "
                                    f"html/{pages.ENTRY_PAGE} or {capture} is missing")
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
            self._write(target, args["path"], writes, found, [f for f in folders if f not in folders_found])
        return result

    @staticmethod
    def _read(target, base, folders, entry_pages):
        """{relative path: {content, sha256}} of every file directly in the folders and of the entry pages, and
        the folders that exist, in one batch."""
        join = target.path.join
        # Named by place: two languages may give one entry page.
        reads = Batch()
        for number, folder in enumerate(folders):
            reads.add(("folder", number), {"op": "list", "path": join(base, *folder.split("/")), "read": "latin-1"})
        for number, name in enumerate(entry_pages):
            reads.add(("entry", number), {"op": "read", "path": join(base, "html", name), "encoding": "latin-1"})
        results = reads.results(target.batch(reads.ops, read_only=True))
        listings = [results[("folder", number)] for number in range(len(folders))]
        found = {}
        for folder, listed in zip(folders, listings):
            found.update({f"{folder}/{e['name']}": e for e in listed["entries"] if not e["dir"] and "sha256" in e})
        for number, name in enumerate(entry_pages):
            if results[("entry", number)]["exists"]:
                found[f"html/{name}"] = results[("entry", number)]
        return found, [f for f, listed in zip(folders, listings) if listed["exists"]]

    @staticmethod
    def _write(target, base, writes, found, new_folders):
        """Each page written if it did not change since it was read (absent: if it is still absent). Pages that
        were there are checked first, so one a site changed meanwhile refuses the batch before anything is written."""
        join = target.path.join

        def path(name):
            return join(base, *name.split("/"))

        there = sorted(n for n in writes if n in found)
        ops = Batch()
        for name in there:  # unchanged content: a check, no write
            ops.add(("unchanged", name), {"op": "write", "path": path(name), "content": found[name]["content"],
                                          "encoding": "latin-1", "expected_sha256": found[name]["sha256"]})
        for folder in new_folders:
            ops.add(("folder", folder), {"op": "mkdir", "path": path(folder)})
        # New pages of the language folders before the entry pages that lead to them, then the pages that were there.
        order = sorted((n for n in writes if n not in found), key=lambda n: (n.count("/") < 2, n)) + there
        for name in order:
            ops.add(("page", name), {"op": "write", "path": path(name), "content": writes[name], "encoding": "latin-1",
                                     "expected_sha256": found[name]["sha256"] if name in found else ""})
        done = target.batch(ops.ops, check=False)
        failed = ops.failed(done)
        if failed:
            error = failed.result.get("error") or "a page could not be written"
            results = ops.results(done)
            before = [n for n in order if ("page", n) != failed.name and results.get(("page", n), {}).get("changed")]
            if before:
                error = error.replace("; nothing written", "") + f"; written before it: {', '.join(before)}"
            raise AnsibleActionFail(error)
