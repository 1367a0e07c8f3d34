# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Sets ONCONFIG parameters idempotently (docs: plugins/modules/onconfig.py).
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import host as informix_host
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.action import InformixAction


class ActionModule(InformixAction):
    PATH_OPTIONS = ("path",)
    # Both name the file to edit; one of them would be ignored.
    RULES = {"mutually_exclusive": [("path", "onconfig")]}

    def act(self, args, target, task_vars):
        if not args["parameters"]:
            raise AnsibleActionFail("parameters must name at least one ONCONFIG parameter")
        for name, value in args["parameters"].items():
            problem = ifx.onconfig_value_error(name, value)
            if problem:
                raise AnsibleActionFail(f"parameters: {problem}")
        location = self.location(args)
        if args["path"]:
            location["onconfig"] = args["path"]
            location["onconfig_option"] = "path"  # the option a message about the file names
        probe = informix_host.probe(target, location)
        text = probe.text.onconfig
        problem = None if args["allow_unknown"] else ifx.unknown_parameter_error(args["parameters"], text)
        if problem:
            raise AnsibleActionFail(problem)
        new_text, changes = ifx.edit_onconfig(text, args["parameters"])
        result = {
            "changed": bool(changes),
            "path": probe.onconfig_path,
            "changes": {name: {"before": old, "after": new} for name, (old, new) in changes.items()},
        }
        if changes and self._task.diff:
            result["diff"] = {"before": text, "after": new_text,
                              "before_header": probe.onconfig_path, "after_header": probe.onconfig_path}
        if changes and not self._task.check_mode:
            # latin-1: every byte of Informix's file kept as it was; refused if it changed since the probe read it.
            write = Batch().add("onconfig", {"op": "write", "path": probe.onconfig_path, "content": new_text,
                                             "encoding": "latin-1", "backup": args["backup"],
                                             "expected_sha256": probe.onconfig_sha256})
            written = write.results(target.batch(write.ops))["onconfig"]
            result["backup_file"] = written.get("backup_file")
        return result
