# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Office 365 (Exchange Online) prepared for the OSCC e-mail server (docs: plugins/modules/exchange_online_prepare.py).
# Manual §3.2, §3.7, §3.8: one read, the plan made here, one call that runs it - both app-only sessions.
from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import address_problem, line_value_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._mail import exchange


class ActionModule(OsccAction):
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        problem = (address_problem({o: args[o] for o in ("account", "report_sender")})
                   or line_value_problem([(o, args[o]) for o in ("account", "report_sender", "organization", "app_id")]
                                         + [(o, v) for o in ("aliases",) for v in args[o]]))
        if problem:
            raise AnsibleActionFail(problem)
        if not re.fullmatch(r"[0-9A-Fa-f]{40}", args["certificate_thumbprint"]):
            raise AnsibleActionFail("certificate_thumbprint must be the 40 hex digits of the app's certificate "
                                    "in the host's store")
        online = {k: args[k] for k in ("organization", "app_id", "certificate_thumbprint")}
        # Each batch connects first and disconnects in its cleanup, which runs whatever failed.
        reads = exchange.online_read_ops(args, online)
        done = target.batch(reads.ops, cleanup=reads.cleanup, read_only=True, check=False)
        try:
            current = exchange.online_current_from(reads, done, online)
            steps = exchange.plan_online(current, args)
        except exchange.ExchangeError as exc:
            raise AnsibleActionFail(str(exc)) from None
        result = {"changed": bool(steps), "steps": steps}
        if steps and not self._task.check_mode:
            try:
                ops = exchange.apply_ops(steps, exchange.CMDLETS_ONLINE, exchange.online_session(online))
            except exchange.ExchangeError as exc:
                raise AnsibleActionFail(f"internal error: {exc}") from None
            result["done"], problem = exchange.applied(ops, target.batch(ops.ops, cleanup=ops.cleanup, check=False))
            if problem:
                raise AnsibleActionFail(problem)
        return result
