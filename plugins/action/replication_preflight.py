# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The replication preflight of one server (docs: plugins/modules/replication_preflight.py): manual §7.1 and §8.1
# (clocks), §7.3 steps 1-6. Everything is read in one round trip; hosts.equiv is written in a second one, only
# when it must change and O(hosts_equiv=present), never in check mode.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import Informix
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import preflight as pf

# Steps whose failure keeps hosts.equiv as it is: a host that is not the one the manual means, or not reachable.
BLOCKING = {pf.STEP[k] for k in ("clock", "environment", "reachable", "resolves")}


class ActionModule(OsccAction):
    PATH_OPTIONS = ("hosts_equiv_path", "informixdir")
    NAME_OPTIONS = {"informixserver": ""}
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        problem = pf.input_problem(args)
        if problem:
            raise AnsibleActionFail(problem)
        informix = None
        if "trusted_connection" in args["checks"]:
            informix = Informix(target, args["informixdir"], args["informixserver"])

        def trust_op(server):  # §7.3 step 6: dbaccess as the manual's Connect menu reaches the partner's server
            return informix.program_op("dbaccess", f"sysmaster@{server}", "-", timeout=args["timeout"],
                                       stdin_text=pf.TRUST_SQL)

        reads = pf.read_ops(args, trust_op)
        results = reads.results(target.batch(reads.ops, cleanup=reads.cleanup, read_only=True, check=False))
        found = results.get("hosts_equiv") or {}
        plan = None
        if found.get("ok") and not found.get("dir"):  # a folder at the path is judged, never planned over
            try:
                plan = pf.plan_hosts_equiv(found.get("content") if found.get("exists") else None, pf.wanted_names(args),
                                           args["exclusive"])
            except pf.PreflightError as exc:
                raise AnsibleActionFail(str(exc)) from None
        manage = args["hosts_equiv"] == "present" and plan is not None and plan["changed"]
        blocked = manage and any(c["step"] in BLOCKING
                                 for c in pf.failed_checks(pf.judge(args, results, plan)["checks"]))
        written = None
        if manage and not blocked and not self._task.check_mode:
            write = Batch().add("hosts_equiv", {"op": "write", "path": args["hosts_equiv_path"],
                                                "content": plan["content"], "encoding": "latin-1",
                                                "expected_sha256": found.get("sha256") or "", "backup": args["backup"]})
            written = write.results(target.batch(write.ops))["hosts_equiv"]
        judged = pf.judge(args, results, plan, written=written is not None, blocked=blocked)
        hosts_equiv = judged["hosts_equiv"] or {"path": args["hosts_equiv_path"], "exists": None, "lines": None,
                                                "planned_lines": None, "added": [], "removed": [], "changed": False}
        hosts_equiv["backup_file"] = (written or {}).get("backup_file")
        result = {"changed": manage and not blocked, "checks": judged["checks"],
                  "clock_offset_seconds": judged["clock_offset_seconds"], "time_reference": args.get("time_reference"),
                  "hosts_equiv": hosts_equiv, "local": {"name": args["local_name"], "fqdn": args["local_fqdn"]}}
        if manage and self._task.diff:
            result["diff"] = {"before": found.get("content") if found.get("exists") else "", "after": plan["content"],
                              "before_header": args["hosts_equiv_path"], "after_header": args["hosts_equiv_path"]}
        failed = pf.failed_checks(judged["checks"])
        if failed:
            result.update(failed=True, msg=f"replication preflight: {len(failed)} check(s) failed: "
                          + "; ".join(pf.one_line(c) for c in failed))
        return result
