# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Exchange on-premises prepared for the OSCC e-mail server (docs: plugins/modules/exchange_prepare.py).
# Manual §3.4, §3.4.1, §3.7, §3.8: one read, the plan made here, one call that runs it.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import address_problem
from ansible_collections.oscc.admin.plugins.plugin_utils import _exchange as exchange
from ansible_collections.oscc.admin.plugins.plugin_utils._action import OsccAction


class ActionModule(OsccAction):
    ARGSPEC = {
        "account": {"type": "str", "required": True},
        "aliases": {"type": "list", "elements": "str", "default": []},
        "imap_budget": {"type": "int", "default": exchange.MIN_IMAP_BUDGET},
        "tls": {"type": "bool", "default": True},
        "receive_connector": {"type": "str"},
        "report_sender": {"type": "str"},
        "report_mailboxes": {"type": "list", "elements": "str", "default": []},
    }
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        if args["imap_budget"] < exchange.MIN_IMAP_BUDGET:
            raise AnsibleActionFail(f"imap_budget must be at least {exchange.MIN_IMAP_BUDGET} (manual §3.4), "
                                    f"got {args['imap_budget']}")
        problem = address_problem({o: args[o] for o in ("account", "report_sender")})
        if problem:
            raise AnsibleActionFail(problem)
        current = target.procedure("exchange_read", {k: args[k] for k in ("account", "aliases", "receive_connector",
                                                                          "report_sender", "report_mailboxes")},
                                   read_only=True)
        try:
            steps = exchange.plan(current, args)
        except exchange.ExchangeError as exc:
            raise AnsibleActionFail(str(exc)) from None
        result = {"changed": bool(steps), "version": current["version"], "steps": steps}
        if steps and not self._task.check_mode:
            cmdlets = {name: sorted(parameters) for name, parameters in exchange.CMDLETS.items()}
            done = target.procedure("exchange_apply", {"steps": [{k: s[k] for k in ("cmdlet", "parameters")} for s in steps],
                                                       "cmdlets": cmdlets})
            result["done"] = done.get("done", [])
        return result
