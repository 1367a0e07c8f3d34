# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# A mail server's CA certificate in the Agent Portal's Java keystore (docs: plugins/modules/java_keystore_cert.py).
# Manual §3.6: keytool -import, here idempotent by alias and SHA-256 fingerprint: one batch reads, one imports.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import line_value_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._mail import keystore as ks


class ActionModule(OsccAction):
    PATH_OPTIONS = ("keystore", "certificate")

    def act(self, args, target, task_vars):
        problem = line_value_problem({o: args[o] for o in ("alias", "keystore_password")},
                                     secret=("keystore_password",))
        if problem:
            raise AnsibleActionFail(problem)
        where = (args["keytool"], args["keystore"], args["alias"], args["certificate"])
        secrets = {ks.SECRET: args["keystore_password"]}
        reads = ks.read_ops(*where)
        read = target.batch(reads.ops, read_only=True, secrets=secrets, check=False)
        failed = reads.failed(read)
        if failed:  # keytool could not be started
            raise AnsibleActionFail(f"{failed.result.get('error')}; give the keytool of the Java the Agent Portal uses")
        try:
            before, after = ks.fingerprints(reads.results(read), args["keystore"], args["certificate"])
        except ks.KeystoreError as exc:
            raise AnsibleActionFail(str(exc)) from None
        changed = before != after
        if changed and not self._task.check_mode:
            ops = ks.apply_ops(*where, replace=before is not None)
            done = ops.results(target.batch(ops.ops, secrets=secrets))
            problem = ks.apply_problem(done, args["keystore"], args["alias"], args["certificate"])
            if problem:
                raise AnsibleActionFail(problem)
        out = {"changed": changed, "fingerprint": after, "previous_fingerprint": before}
        if changed and self._task.diff:
            out["diff"] = {"before": f"{args['alias']}: {before}\n", "after": f"{args['alias']}: {after}\n"}
        return out
