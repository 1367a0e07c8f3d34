# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Exchange on-premises prepared for the OSCC e-mail server (docs: plugins/modules/exchange_prepare.py).
# Manual §3.4, §3.4.1, §3.7, §3.8: one read, the plan made here, one call that runs it.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import address_problem, line_value_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._mail import exchange


class ActionModule(OsccAction):
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        if args["imap_budget"] < exchange.MIN_IMAP_BUDGET:
            raise AnsibleActionFail(f"imap_budget must be at least {exchange.MIN_IMAP_BUDGET} (manual §3.4), "
                                    f"got {args['imap_budget']}")
        problem = (address_problem({o: args[o] for o in ("account", "report_sender")})
                   or line_value_problem([(o, args[o]) for o in ("account", "receive_connector", "report_sender")]
                                         + [(o, v) for o in ("aliases", "report_mailboxes") for v in args[o]]))
        if problem:
            raise AnsibleActionFail(problem)
        try:
            current, snapin = self._read(args, target)
            steps = exchange.plan(current, args)
        except exchange.ExchangeError as exc:
            raise AnsibleActionFail(str(exc)) from None
        result = {"changed": bool(steps), "version": current["version"], "steps": steps}
        if steps and not self._task.check_mode:
            try:
                ops = exchange.apply_ops(steps, exchange.CMDLETS, snapin=snapin)
            except exchange.ExchangeError as exc:
                raise AnsibleActionFail(f"internal error: {exc}") from None
            result["done"], problem = exchange.applied(ops, target.batch(ops.ops, check=False))
            if problem:
                raise AnsibleActionFail(problem)
        return result

    @staticmethod
    def _read(args, target):
        """(what the organisation has, the snap-in that read it): one batch through the 2013 snap-in, and a second only
        where the registered one is another (Exchange 2010, 2007)."""
        snapin, family = exchange.SNAPINS[0]
        for _attempt in range(2):
            reads = exchange.read_ops(args, snapin, family)
            done = target.batch(reads.ops, read_only=True, check=False)
            other = exchange.snapin_to_use(reads, done, snapin)
            if other is None:
                return exchange.current_from(reads, done, args, family), snapin
            snapin, family = other
        raise exchange.ExchangeError(exchange.NO_SHELL)
