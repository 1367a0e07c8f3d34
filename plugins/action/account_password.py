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
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import objects, services_read
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
        names, read, running = self._read(args, target)
        if read.get("dir"):
            raise AnsibleActionFail(f"record {args['record']} is a folder")
        accounts = cr.read_record(read.get("content") if read["exists"] else None)
        written = read.get("sha256", "") if read["exists"] else ""
        out = {"users": [], "stopped": [], "logon": [], "started": [], "reopened": False}
        if args["phase"] == "change":
            out.update(self._change(args, target, passwords, fingerprints, accounts, written, names, key))
        else:
            out.update(self._start(args, target, fingerprints, accounts, written, names, running))
        out["summary"] = cr.summary(out, self._task.check_mode)
        return out

    @staticmethod
    def _read(args, target):
        """One read-only round trip: the record, the states of the services (the start checks Informix), and unless
        the inventory names it, which of the Informix service's two names this host has (as oscc.admin.maintenance).
        Returns the names by key, the record and the keys of the services running."""
        server = args["informixserver"]
        overrides = dict(args["services"] or {})
        known = cr.service_names(server, {k: v for k, v in overrides.items() if k != "ids"})
        candidates = [overrides["ids"]] if "ids" in overrides else plan.informix_service_names(server)
        listed = [name for key, name in known.items() if key != "ids"] + candidates
        batch = Batch().add("record", {"op": "read", "path": args["record"], "encoding": "utf-8"})
        batch.add("listed", services_read(listed))
        results = batch.results(target.batch(batch.ops, read_only=True, check=False))
        record = results.get("record") or {}
        if not record.get("ok"):
            raise AnsibleActionFail(f"record {args['record']} could not be read: {record.get('error')}")
        if "ids" not in overrides:
            try:
                overrides["ids"] = plan.informix_service(objects(results, "listed"), server)
            except ValueError as exc:
                raise AnsibleActionFail(str(exc).replace("informix_service option", "services.ids option")) from None
        names = cr.service_names(server, overrides)
        status = plan.statuses(objects(results, "listed"), names.values())
        return names, record, {key for key, name in names.items() if status[name] == "Running"}

    def _change(self, args, target, passwords, fingerprints, accounts, written, names, key):
        """§6.2 steps 1-9 for the users whose password is not recorded yet."""
        users = cr.due(accounts, fingerprints)
        steps = cr.plan(users)
        out = {"changed": bool(users), "users": list(steps.users), "stopped": [names[k] for k in steps.stop],
               "logon": [names[k] for k, _u in steps.logon],
               "startup_configuration_pending": steps.startup_configuration or cr.pending(accounts, passwords),
               # a confirmation given for the password pending before this run does not hold for this one
               "reopened": bool(cr.reopened(accounts, fingerprints))}
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

    def _start(self, args, target, fingerprints, accounts, written, names, running):
        """§6.2 steps 14-15, once the operator's steps 10-13 are done; never OSCC without a running Informix."""
        check = self._task.check_mode
        unset = cr.due(accounts, fingerprints)
        if unset and not check:  # in check mode the change phase recorded nothing: unset is what it would set
            raise AnsibleActionFail(f"the password of {', '.join(unset)} is not the one recorded as set on this host; "
                                    "run phase change first")
        held = cr.held_back(accounts, fingerprints)
        if held:
            raise AnsibleActionFail(cr.held_back_message(accounts, held))
        waiting = cr.pending(accounts, fingerprints) or cr.plan(unset).startup_configuration
        if waiting and not args["startup_configuration_confirmed"]:
            if not check:
                raise AnsibleActionFail(cr.CHECKPOINT)
            return {"changed": False, "startup_configuration_pending": True, "stops_at_checkpoint": True,
                    "started": []}
        start = cr.started_for(tuple(fingerprints))
        if check:  # the services the change would stop are not running when the start comes
            running = set(running) - set(cr.plan(unset).stop)
        problem = cr.database_problem(start, running, names)
        if problem:
            raise AnsibleActionFail(problem)
        if check:
            return {"changed": bool(unset), "startup_configuration_pending": False,
                    "started": [names[k] for k in start if k not in running]}
        out = {"changed": False, "startup_configuration_pending": False, "started": []}
        for service in start:
            try:
                result = target.service(names[service], "started")
            except RemoteFailure as exc:
                raise AnsibleActionFail(f"{exc}; a service whose Log On password is not its account's does not start "
                                        "(manual §6.2 steps 2b, 3b, 3c): run the change again or enter it in "
                                        "Services") from None
            if result.get("changed"):
                out["changed"] = True
                out["started"].append(names[service])
        if waiting:
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
