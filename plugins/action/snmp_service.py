# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The Windows SNMP service of an OSCC server, manual §6.4 (docs: plugins/modules/snmp_service.py).
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import line_value_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import CmdletError
from ansible_collections.oscc.admin.plugins.plugin_utils._snmp import service


class ActionModule(OsccAction):
    PATH_OPTIONS = ("oscc_dir", "capfm_config", "capfm_source")
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        # Refused before any round trip: public/private, no managers, values that are no names.
        problem = (service.options_problem(args)
                   or line_value_problem([("permitted_managers", m) for m in args["permitted_managers"]]))
        if problem:
            raise AnsibleActionFail(problem)
        reads = service.read_ops(args)
        try:
            current = service.current_from(reads, target.batch(reads.ops, read_only=True, check=False))
        except CmdletError as exc:
            raise AnsibleActionFail(f"SNMP: {exc}") from None
        problem = service.source_problem(args, current)
        if problem:
            raise AnsibleActionFail(problem)
        changes, ops, outcome = service.plan(args, current)
        if ops and not self._task.check_mode:
            apply = Batch.numbered(ops, "change")
            problem = service.applied_problem(apply, target.batch(apply.ops, check=False))
            if problem:
                raise AnsibleActionFail(f"SNMP: {problem}")
        result = {"changed": bool(changes), "changes": changes, "restart_needed": outcome["restart_needed"]}
        if self._task.diff and changes:
            result["diff"] = outcome["diff"]
        return result
