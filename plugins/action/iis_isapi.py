# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# IIS settings of the OSCC ISAPI application that no microsoft.iis module covers (docs: plugins/modules/iis_isapi.py).
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import line_value_problem, name_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import CmdletError
from ansible_collections.oscc.admin.plugins.plugin_utils._web import iis

ACCESS = ("Read", "Write", "Script", "Execute", "Source", "NoRemoteRead", "NoRemoteWrite", "NoRemoteScript",
          "NoRemoteExecute")


class ActionModule(OsccAction):
    PATH_OPTIONS = ("isapi_path",)
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        unknown = [a for a in args["access_policy"] if a not in ACCESS]
        if unknown:
            raise AnsibleActionFail(f"access_policy: {', '.join(unknown)} unknown; use {', '.join(ACCESS)}")
        bad = [e for e in args["mime_types"] if not str(e).startswith(".")]
        if bad:
            raise AnsibleActionFail(f"mime_types: extensions start with a dot, got {', '.join(bad)}")
        problem = (line_value_problem([(o, args[o]) for o in ("site", "application", "isapi_path", "isapi_description")]
                                      + [("access_policy", a) for a in args["access_policy"]]
                                      + [("mime_types", f"{e}: {m}") for e, m in args["mime_types"].items()]
                                      + [("default_documents", d) for d in args["default_documents"]])
                   or name_problem({"isapi_path": args["isapi_path"]}, windows=True)
                   or next(filter(None, (name_problem({"default_documents": d}, windows=True)
                                         for d in args["default_documents"])), None)
                   or iis.options_problem(args))
        if problem:
            raise AnsibleActionFail(problem)
        # One batch reads every setting; a second, only when something differs and not in check mode, changes it.
        wanted = iis.wanted_from(args)
        reads = iis.read_ops(wanted)
        try:
            current = iis.current_from(reads, target.batch(reads.ops, read_only=True, check=False))
        except CmdletError as exc:
            raise AnsibleActionFail(f"IIS: {exc}") from None
        problem, may_come = iis.missing_problem(wanted, current)
        warnings = []
        if problem and may_come and self._task.check_mode:
            warnings.append(f"{problem} (check mode: the task that makes it did not run)")
        elif problem:
            raise AnsibleActionFail(problem)
        changes, ops = iis.plan(wanted, current)
        if ops and not self._task.check_mode:
            apply = Batch.numbered(ops, "change")
            problem = iis.applied_problem(apply, target.batch(apply.ops, check=False))
            if problem:
                raise AnsibleActionFail(f"IIS: {problem}")
        return {"changed": bool(changes), "changes": changes, **({"warnings": warnings} if warnings else {})}
