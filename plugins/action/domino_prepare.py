# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Domino prepared for the OSCC e-mail server (docs: plugins/modules/domino_prepare.py).
# Manual §3.5.1, §3.8: notes.ini read, the plan made here, the console commands sent in one batch.
from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.prompted import run_prompted
from ansible_collections.oscc.admin.plugins.plugin_utils._mail import domino

# The server writes notes.ini itself after `set config`; give it this long before calling it unapplied.
SETTLE_SECONDS = 5


class ActionModule(OsccAction):
    PATH_OPTIONS = ("notes_ini", "console")

    def act(self, args, target, task_vars):
        try:
            domino.validate(args["settings"], args["compact"])
        except domino.DominoError as exc:
            raise AnsibleActionFail(str(exc)) from None
        notes_ini = args["notes_ini"]
        before = target.read_text(notes_ini)["content"]
        commands, changes, warnings = domino.plan(before, args["settings"], args["compact"])
        result = {"changed": bool(commands), "commands": commands, "settings": changes}
        if warnings:
            result["warnings"] = warnings
        if changes and self._task.diff:
            result["diff"] = {"before_header": notes_ini, "after_header": notes_ini,
                              "before": "".join(f"{n}={c['before']}\n" for n, c in changes.items()
                                                if c["before"] is not None),
                              "after": "".join(f"{n}={c['after']}\n" for n, c in changes.items())}
        if not commands or self._task.check_mode:
            return result
        done = run_prompted(target, [[args["console"], "-c", c] for c in commands], [], args["timeout"],
                            cwd=target.path.dirname(notes_ini), read_after=notes_ini if changes else None)
        result["output"] = done["outputs"]
        text, deadline = done.get("read_after", ""), time.monotonic() + SETTLE_SECONDS
        while domino.unapplied(text, changes) and time.monotonic() < deadline:
            time.sleep(1)
            text = target.read_text(notes_ini)["content"]
        missing = domino.unapplied(text, changes)
        if missing:
            wanted = ", ".join(f"{name}={changes[name]['after']}" for name in missing)
            raise AnsibleActionFail(f"the console took 'set config' but {notes_ini} still does not show {wanted}: "
                                    "is it the notes.ini of the running server? "
                                    "A Configuration Settings document may override it")
        return result
