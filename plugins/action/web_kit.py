# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Lays the web components kit into its folder, keeping what was changed on site (docs: plugins/modules/web_kit.py).
# Manual §4.2.1.1 step 4 and the chapter's note on upgrades. Three batches at most: the kit's entries and the
# previous record; the files in dest now; the plan carried out.
from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._web import kit


class ActionModule(OsccAction):
    PATH_OPTIONS = ("src", "dest", "saved_dir")

    def act(self, args, target, task_vars):
        src, dest, join = args["src"], args["dest"], target.path.join
        saved_dir = args["saved_dir"] or dest.rstrip("\\/") + "-saved"
        if kit.inside(saved_dir, dest, target.path):
            # Saved copies inside dest would be served by the web server and taken for site files by the next kit.
            raise AnsibleActionFail(f"saved_dir {saved_dir} must lie outside dest {dest}, not be it or inside it")
        check = bool(self._task.check_mode)
        record_path = join(dest, kit.RECORD)
        reads = Batch().add("dest", {"op": "stat", "path": dest}).add("kit", {"op": "hash", "path": src})
        reads.add("record", {"op": "read", "path": record_path, "encoding": "utf-8"})
        reads.add("entries", {"op": "unzip", "archive": src})
        first = target.batch(reads.ops, read_only=True, check=False)
        read = reads.results(first)
        there, archive = read["dest"], read["kit"]
        if there.get("dangling"):
            raise AnsibleActionFail(f"dest {dest} is a link that leads nowhere")
        if there["exists"] and not there["dir"]:
            raise AnsibleActionFail(f"dest {dest} is a file, not a folder")
        if not archive["exists"]:
            stat = Batch().add("src", {"op": "stat", "path": src})
            if stat.results(target.batch(stat.ops, read_only=True))["src"]["dir"]:
                raise AnsibleActionFail(f"src {src} is a folder, not the kit's zip file")
            if check:  # the task that brings the kit did not run in check mode
                return {"changed": True, "written": [], "kept": [], "saved_dir": None, "kit_sha256": None,
                        "upgrade": False}
            raise AnsibleActionFail(f"kit {src} does not exist")
        failed = reads.failed(first)
        if failed:
            error = failed.result.get("error") or "failed"
            raise AnsibleActionFail(("kit " if failed.op["op"] == "unzip" else "") + error)
        found, files = read["record"], read["entries"]["files"]
        old = kit.read_record(found)
        try:
            parts = {name: kit.entry_parts(name) for name in files}
        except kit.KitError as exc:
            raise AnsibleActionFail(f"kit {src}: {exc}; nothing written") from None
        current = {}
        if there["exists"] and files:
            names = sorted(files)
            hashes = Batch()
            for name in names:
                hashes.add(name, {"op": "hash", "path": join(dest, *parts[name])})
            hashed = hashes.results(target.batch(hashes.ops, read_only=True))
            current = {name: (hashed[name].get("sha256") if hashed[name]["exists"] else None) for name in names}
        planned = kit.plan(files, current, old)
        changed = bool(planned["write"]) or old != {"kit_sha256": archive["sha256"], "files": files}
        saved = None
        if changed and not check:
            # The record as it was read, written again: a check that refuses the batch before anything is laid when
            # another run changed it meanwhile (nothing is written when it still holds what was read).
            ops = [{"op": "write", "path": record_path, "content": found["content"], "encoding": "utf-8",
                    "expected_sha256": found["sha256"]}] if found.get("exists") else []
            if planned["keep"]:
                saved = join(saved_dir, time.strftime("%Y%m%d%H%M%S"))
                ops += [{"op": "copy", "src": join(dest, *parts[n]), "dest": join(saved, "site", *parts[n])}
                        for n in planned["keep"]]
                ops.append({"op": "unzip", "archive": src, "dest": join(saved, "kit"), "entries": planned["keep"]})
            if planned["write"]:
                ops.append({"op": "unzip", "archive": src, "dest": dest, "entries": planned["write"]})
            # The record last: a batch that stopped half way leaves the previous record, and the next run plans again.
            ops += [{"op": "mkdir", "path": dest},
                    {"op": "write", "path": record_path, "content": kit.record_text(archive["sha256"], files),
                     "encoding": "utf-8", "expected_sha256": found.get("sha256") or ""}]
            target.batch(ops)
        return {"changed": changed, "written": planned["write"], "kept": planned["keep"], "saved_dir": saved,
                "kit_sha256": archive["sha256"], "upgrade": bool(old) and old.get("kit_sha256") != archive["sha256"]}
