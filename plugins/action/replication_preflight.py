# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The replication preflight of one server (docs: plugins/modules/replication_preflight.py): manual §7.1 and §8.1
# (clocks), §7.3 steps 1-6. Everything is read in one round trip; hosts.equiv is written in a second one, only
# when it must change and O(hosts_equiv=present), never in check mode.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import Informix
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import preflight as pf

PARTNER = {"name": {"type": "str", "required": True}, "fqdn": {"type": "str", "required": True},
           "address": {"type": "str", "required": True}, "informixserver": {"type": "str"}}
# Steps whose failure keeps hosts.equiv as it is: a host that is not the one the manual means, or not reachable.
BLOCKING = {pf.STEP[k] for k in ("clock", "environment", "reachable", "resolves")}


class ActionModule(OsccAction):
    ARGSPEC = {
        "local_name": {"type": "str", "required": True},
        "local_fqdn": {"type": "str", "required": True},
        "partners": {"type": "list", "elements": "dict", "required": True, "options": PARTNER},
        "time_reference": {"type": "str"},
        "clock_samples": {"type": "int", "default": 3},
        "clock_warning_seconds": {"type": "float", "default": 1.0},
        "clock_failure_seconds": {"type": "float", "default": 2.0},
        "hosts_equiv": {"type": "str", "choices": ["check", "present"], "default": "check"},
        "hosts_equiv_path": {"type": "str", "default": pf.HOSTS_EQUIV},
        "exclusive": {"type": "bool", "default": False},
        "backup": {"type": "bool", "default": True},
        "checks": {"type": "list", "elements": "str", "choices": list(pf.CHECKS), "default": list(pf.CHECKS)},
        "informixdir": {"type": "str"},
        "informixserver": {"type": "str"},
        "timeout": {"type": "int", "default": 120},
    }
    PATH_OPTIONS = ("hosts_equiv_path", "informixdir")
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

        keyed = pf.read_ops(args, trust_op)
        done = target.batch([], cleanup=[op for _key, op in keyed], read_only=True, check=False)
        results = pf.results_by_key(keyed, done)
        found = results.get("hosts_equiv") or {}
        plan = None
        if found.get("ok"):
            try:
                plan = pf.plan_hosts_equiv(found.get("content") if found.get("exists") else None, pf.wanted_names(args),
                                           args["exclusive"])
            except pf.PreflightError as exc:
                raise AnsibleActionFail(str(exc)) from None
        manage = args["hosts_equiv"] == "present" and plan is not None and plan["changed"]
        blocked = manage and any(c["step"] in BLOCKING for c in pf.failed_checks(pf.judge(args, results, plan)["checks"]))
        written = None
        if manage and not blocked and not self._task.check_mode:
            written = target.batch([{"op": "write", "path": args["hosts_equiv_path"], "content": plan["content"],
                                     "encoding": "latin-1", "expected_sha256": found.get("sha256") or "",
                                     "backup": args["backup"]}])["results"][0]
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
