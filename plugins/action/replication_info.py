# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Read-only replication state of an OSCC server (docs: plugins/modules/replication_info.py).
# Manual §7.1.1 (the buffer's levels), §7.3 and §8.1.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.streams import in_fixed_order
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import counts
from ansible_collections.oscc.admin.plugins.plugin_utils._replication.action import Estate, ReplicationAction
from ansible_collections.oscc.admin.plugins.plugin_utils._replication.preflight import informix_error


class ActionModule(ReplicationAction):

    def act(self, args, target, task_vars):
        problem = counts.names_problem(args["row_counts"], args["row_count_database"])
        if problem:
            raise AnsibleActionFail(problem)
        informix = self.informix(target, args, task_vars)
        estate = Estate(args, task_vars, informix, args["scope"])
        ops = self.probe_ops(informix)
        for table in args["row_counts"]:  # in the same round trip as the probe
            count = informix.program_op("dbaccess", args["row_count_database"], "-", stdin_text=counts.count_sql(table))
            ops.add(("count", table), count)
        found = ops.results(target.batch(ops.ops, read_only=True, check=False))
        result = dict(self.read_probe(informix, estate, found), changed=False)
        if args["row_counts"]:
            result.update(row_counts(found, args["row_counts"]))
        return result


def row_counts(found: dict, tables: list) -> dict:
    """row_counts {table: number or None} and row_count_errors {table: why} of the count runs."""
    numbers, errors = {}, {}
    for table in tables:
        ran = found.get(("count", table)) or {}
        text = in_fixed_order(ran) if ran.get("ok") else ""
        numbers[table] = counts.parse_count(text) if ran.get("rc") == 0 else None
        if numbers[table] is None:
            _code, line = informix_error(text)
            errors[table] = line or str(ran.get("error") or f"dbaccess rc {ran.get('rc')} printed no count")
    return {"row_counts": numbers, "row_count_errors": errors}
