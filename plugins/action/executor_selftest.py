# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The host executor proven on a host before anything depends on it (docs: plugins/modules/executor_selftest.py).
from __future__ import annotations

import contextlib
import secrets

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import selftest
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.scheduled_task import executor_source


class ActionModule(OsccAction):
    @contextlib.contextmanager
    def _what_if(self):
        """The task in check mode for one batch: the executor then runs under what-if, as with --check."""
        given = self._task.check_mode
        self._task.check_mode = True
        try:
            yield
        finally:
            self._task.check_mode = given

    def act(self, args, target, task_vars):
        probe = Batch().add("env", selftest.env_op())
        found = probe.results(target.batch(probe.ops, read_only=True))["env"]
        temp = selftest.temp_folder(target.platform, found["values"])
        if not temp or not target.is_abs(temp):
            raise AnsibleActionFail(f"the host names no absolute temporary folder (TEMP, TMP): {found['values']}")
        # Windows: the executor itself is the program of the argument check (run as the scheduled tasks run it).
        source = executor_source() if target.platform == "windows" else ""
        plan = selftest.Plan(target.platform, target.path, temp, secrets.token_hex(6), args["timeout"],
                             found["values"].get("SystemRoot"), source)
        check_mode = self._task.check_mode
        # Under --check only the check-mode batch runs: the others write (in the scratch folder only).
        sent = [(plan.what_if(), True)] if check_mode else [(plan.work(), False), (plan.what_if(), True),
                                                            (plan.locks_and_cleanup(), False)]
        results = {}
        for batch, what_if in sent:
            with self._what_if() if what_if else contextlib.nullcontext():
                results.update(batch.results(target.batch(batch.ops, batch.cleanup, check=False)))
        rows = plan.rows(results, only=plan.what_if().names if check_mode else None)
        failed = [row for row in rows if not row["ok"]]
        table = selftest.table_text(found["computer_name"], rows)
        result = {"changed": False, "rows": rows, "table": table, "scratch": plan.scratch, "platform": target.platform}
        if failed:
            result.update(failed=True, msg=f"{len(failed)} of {len(rows)} executor checks failed: "
                          + "; ".join(f"{row['operation']}: got {row['got']}" for row in failed))
        else:
            result["msg"] = f"all {len(rows)} executor checks passed"
        return result
