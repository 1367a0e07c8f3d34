# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The OSCC and Informix passwords of manual §6.2 (docs: plugins/modules/account_password.py, docs/credentials.md):
# checked here before any call, then set through the standard modules in the manual's order, the passwords going to
# the host only as no_log module arguments; a keyed fingerprint on the host makes a second run a no-op.
from __future__ import annotations

import datetime

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import credentials as cr
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import objects
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import maintenance_plan as plan


class ActionModule(OsccAction):
    PATH_OPTIONS = ("record",)
    PLATFORMS = ("windows",)
    FAILURES = (cr.CredentialsError,)

    def act(self, args, target, task_vars):
        passwords = {u: args[f"{u}_password"] for u in cr.ACCOUNTS if args.get(f"{u}_password") is not None}
        if not passwords:
            raise AnsibleActionFail("give hppc_password, informix_password or both")
        problem = next(filter(None, (cr.password_problem(u, p) for u, p in passwords.items())), None)
        key = args.get("fingerprint_key")
        if key is None:
            key = self._templar.template(task_vars.get("oscc_manifest_key"))
        problem = problem or cr.key_problem(key)
        if problem:  # before any round trip: nothing changed
            raise AnsibleActionFail(problem)
        if not args["informixserver"] or any(c.isspace() for c in args["informixserver"]):
            raise AnsibleActionFail("informixserver must name the Informix server (ol_<servername>)")
        host = str(task_vars.get("inventory_hostname", ""))
        fingerprints = {u: cr.fingerprint(key, host, u, p) for u, p in passwords.items()}
        names, read = self._read(args, target)
        if read.get("dir"):
            raise AnsibleActionFail(f"record {args['record']} is a folder")
        accounts = cr.read_record(read.get("content") if read["exists"] else None)
        written = read.get("sha256", "") if read["exists"] else ""
        out = {"users": [], "stopped": [], "logon": [], "started": []}
        if args["phase"] == "change":
            out.update(self._change(args, target, passwords, fingerprints, accounts, written, names, key))
        else:
            out.update(self._start(args, target, fingerprints, accounts, written, names))
        out["summary"] = (f"passwords set: {', '.join(out['users']) or 'none'}; stopped: "
                          f"{', '.join(out['stopped']) or 'none'}; started: {', '.join(out['started']) or 'none'}"
                          + ("; waiting for the startup configuration (§6.2 steps 10-13)"
                             if out["startup_configuration_pending"] else ""))
        return out

    @staticmethod
    def _read(args, target):
        """One read-only round trip: the record, and unless the inventory names it, which of the Informix service's
        two names this host has (the same choice as oscc.admin.maintenance)."""
        server = args["informixserver"]
        overrides = dict(args["services"] or {})
        batch = Batch().add("record", {"op": "read", "path": args["record"], "encoding": "utf-8"})
        if "ids" not in overrides:
            batch.add("listed", plan.services_read(plan.informix_service_names(server)))
        results = batch.results(target.batch(batch.ops, read_only=True, check=False))
        record = results.get("record") or {}
        if not record.get("ok"):
            raise AnsibleActionFail(f"record {args['record']} could not be read: {record.get('error')}")
        if "ids" not in overrides:
            try:
                overrides["ids"] = plan.informix_service(objects(results, "listed"), server)
            except ValueError as exc:
                raise AnsibleActionFail(str(exc).replace("informix_service option", "services.ids option")) from None
        return cr.service_names(server, overrides), record

    def _change(self, args, target, passwords, fingerprints, accounts, written, names, key):
        """§6.2 steps 1-9 for the users whose password is not recorded yet."""
        users = cr.due(accounts, fingerprints)
        steps = cr.plan(users)
        out = {"changed": bool(users), "users": list(steps.users), "stopped": [names[k] for k in steps.stop],
               "logon": [names[k] for k, _u in steps.logon],
               "startup_configuration_pending": steps.startup_configuration or cr.pending(accounts, passwords)}
        if not users or self._task.check_mode:
            return out
        for service in steps.stop:  # steps 2a, 3a: OSCC before Informix
            target.service(names[service], "stopped")
        for service, user in steps.logon:  # steps 2b, 3b, 3c: the Log On tab
            self._logon(target, names[service], user, passwords[user])
        for user in steps.users:  # steps 7, 8: Computer Management, Local Users and Groups
            self._user(target, user, passwords[user])
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._write(target, args["record"], written, cr.changed_accounts(accounts, fingerprints, users, key, now))
        return out

    def _start(self, args, target, fingerprints, accounts, written, names):
        """§6.2 steps 14-15, once the operator's steps 10-13 are done."""
        unset = cr.due(accounts, fingerprints)
        if unset:
            raise AnsibleActionFail(f"the password of {', '.join(unset)} is not the one recorded as set on this host; "
                                    "run phase change first")
        waiting = cr.pending(accounts, fingerprints)
        if waiting and not args["startup_configuration_confirmed"]:
            raise AnsibleActionFail(cr.CHECKPOINT)
        out = {"changed": False, "startup_configuration_pending": False, "started": []}
        for service in cr.started_for(tuple(fingerprints)):
            try:
                result = target.service(names[service], "started")
            except RemoteFailure as exc:
                raise AnsibleActionFail(f"{exc}; a service whose Log On password is not its account's does not start "
                                        "(manual §6.2 steps 2b, 3b, 3c): run the change again or enter it in "
                                        "Services") from None
            if result.get("changed"):
                out["changed"] = True
                out["started"].append(names[service])
        if waiting and not self._task.check_mode:
            self._write(target, args["record"], written, cr.confirmed_accounts(accounts))
            out["changed"] = True
        return out

    @staticmethod
    def _logon(target, service, user, password):
        target.module("ansible.windows.win_service", {"name": service, "username": f".\\{user}",
                                                      "password": password, "update_password": "always"})

    @staticmethod
    def _user(target, user, password):
        target.module("ansible.windows.win_user", {"name": user, "password": password, "update_password": "always"})

    @staticmethod
    def _write(target, path, written, accounts):
        folder = target.path.dirname(path)
        target.batch([{"op": "mkdir", "path": folder},
                      {"op": "write", "path": path, "content": cr.record_text(accounts), "encoding": "utf-8",
                       "expected_sha256": written}])
