# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# A mail server's CA certificate in the Agent Portal's Java keystore (docs: plugins/modules/java_keystore_cert.py).
# Manual §3.6: keytool -import, here idempotent by alias and SHA-256 fingerprint, in one remote call.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import line_value_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._action import OsccAction


class ActionModule(OsccAction):
    ARGSPEC = {
        "keystore": {"type": "str", "required": True},
        "keystore_password": {"type": "str", "required": True, "no_log": True},
        "alias": {"type": "str", "required": True},
        "certificate": {"type": "str", "required": True},
        "keytool": {"type": "str", "default": "keytool"},
    }
    PATH_OPTIONS = ("keystore", "certificate")

    def act(self, args, target, task_vars):
        problem = line_value_problem({o: args[o] for o in ("alias", "keystore_password")}, secret=("keystore_password",))
        if problem:
            raise AnsibleActionFail(problem)
        check = bool(self._task.check_mode)
        result = target.procedure("keystore_cert", {"keytool": args["keytool"], "keystore": args["keystore"],
                                                    "alias": args["alias"], "certificate": args["certificate"],
                                                    "check": check},
                                  read_only=check, secrets={"storepass": args["keystore_password"]})
        out = {"changed": result["changed"], "fingerprint": result["after"], "previous_fingerprint": result["before"]}
        if result["changed"] and self._task.diff:
            out["diff"] = {"before": f"{args['alias']}: {result['before']}\n", "after": f"{args['alias']}: {result['after']}\n"}
        return out
