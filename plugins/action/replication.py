# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The collection's trcdbins (docs: plugins/modules/replication.py): pause, resume, stop and restart
# the replication (§7.1.2, §7.1.2.1, §7.1.3, §7.1.3.1, §8.1), synchronise report and administration
# data in the background (§7.2), and trcdbins -activate, through Enterprise Replication's cdr.
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import time
import uuid

from ansible.errors import AnsibleActionFail
from ansible.utils.display import Display

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.scheduled_task import (
    SCRIPT_NAME,
    account_problem,
    check_script_dir,
    executor_action,
    executor_source,
    run_as,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._host.streams import in_fixed_order
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import output as output_of
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import cdr as rep
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import leftover
from ansible_collections.oscc.admin.plugins.plugin_utils._replication.action import Estate, ReplicationAction

display = Display()

TASK_FOLDER = "\\OSCC\\"
START_LEASE = 600  # seconds the started task has to take the sync's lock over
MAX_HOURS = 720  # 30 days; a longer run is no longer "for hours"
ACTIVATE_TIMEOUT = 1800
HOST_LIMIT_GRACE = 60  # seconds the host's own time limit waits beyond the controller's, which stops the task first


def check_options(args, hostvars):
    """The one-line errors for options that do not fit together beyond ActionModule.RULES: a flag is given even
    when false, and a value's range or the inventory is nothing an argument spec says."""
    chosen = [o for o in ("state", "sync") if args[o]] + (["activate"] if args["activate"] else [])
    if not chosen:
        raise AnsibleActionFail("one of state, sync or activate is required")
    if len(chosen) > 1:  # state with sync is refused by RULES already; activate=false is no action
        raise AnsibleActionFail(f"{' and '.join(chosen)} are mutually exclusive: one action per task")
    if args["task_update_password"] and not args["task_password"]:  # RULES see it given; an empty one is no password
        raise AnsibleActionFail("task_update_password needs a task_password that is not empty")
    problem = account_problem("task_username", args["task_username"], "task_password", args["task_password"])
    if problem and (args["sync"] or not args["task_username"].strip()):  # only a sync registers the task
        raise AnsibleActionFail(problem)
    hours = args["run_for_hours"]
    if hours is not None:
        if args["sync"] not in ("report_data_all", "report_data_continue"):
            raise AnsibleActionFail("run_for_hours applies to sync report_data_all "
                                    "and report_data_continue only (§7.2)")
        if not math.isfinite(hours) or hours <= 0 or hours > MAX_HOURS:
            raise AnsibleActionFail(f"run_for_hours must be a number of hours greater than 0 and at most {MAX_HOURS}, "
                                    f"got {hours!r}")
    if args["sync"] and args["partner"] not in hostvars:
        raise AnsibleActionFail(f"partner: {args['partner']!r} is not a host of the inventory")
    if args["state"] in ("stopped", "restarted", "disconnected") and not args["confirm"]:
        raise AnsibleActionFail(f"state={args['state']} needs confirm=true: it ends replication and may need a "
                                "report data synchronisation afterwards (§7.1.3, §7.2); pause it instead where you "
                                "can (§7.1.2)")
    for option in ("work_dir", "oscc_dir"):
        value = args[option]
        if any(c in value for c in '"<>|?*\r\n\t') or ".." in value.replace("/", "\\").split("\\"):
            raise AnsibleActionFail(f"{option} must be a plain Windows folder path (no quotes, line breaks, wildcards "
                                    f"or '..'), got {value!r}")
    if args["poll_interval"] < 1 or args["sync_timeout"] < 1:
        raise AnsibleActionFail("poll_interval and sync_timeout must be at least 1 second")


FAILOVER_NOTE = ("a failover of the warm-standby cluster while central reporting is {state} restarts central "
                 "reporting by itself (manual §8.1.2 and §8.1.4 notes)")


def failover_note(args, estate) -> str | None:
    """§8.1.2, §8.1.4: with a backup server, a failover restarts the central reporting that was paused or ended."""
    ends = {"paused": "paused", "disconnected": "ended"}
    if (args["state"] not in ends or "central_reporting" not in estate.kinds
            or not estate.groups.get("oscc_backup")):
        return None
    return FAILOVER_NOTE.format(state=ends[args["state"]])


class ActionModule(ReplicationAction):
    RULES = {
        "mutually_exclusive": [("state", "sync")],
        # sync needs the inventory host to synchronise with (§7.2); partner applies to sync only
        "required_by": {"sync": ("partner",), "partner": ("sync",)},
        # the password to register the task with
        "required_if": [("task_update_password", True, ("task_password",))],
    }
    PATH_OPTIONS = ("work_dir",)
    # The task's account is written into the task's definition; Windows account names hold no double quote.
    NAME_OPTIONS = {"task_username": '"'}

    def act(self, args, target, task_vars):
        check_options(args, task_vars.get("hostvars") or {})
        informix = self.informix(target, args, task_vars)
        estate = Estate(args, task_vars, informix, "all" if args["sync"] else args["scope"])
        if args["activate"]:
            return self._activate(target, args, informix)
        if args["sync"]:
            return self._sync(target, args, informix, estate)
        return self._state(target, args, informix, estate)

    # ------------------------------------------------------------ helpers
    def _diagnostics_op(self, args) -> dict:
        return {"op": "list", "path": args["oscc_dir"], "pattern": "trcdbins.0??", "read": "latin-1"}

    @staticmethod
    def _diagnostics(result: dict | None) -> dict:
        """§7.3: the diagnostic files trcdbins.000 ... trcdbins.025, by name."""
        entries = (result or {}).get("entries") or []
        return {e["name"]: (e.get("content") or "")[-20000:] for e in entries
                if not e.get("dir") and e["name"][-3:].isdigit() and int(e["name"][-3:]) <= 25}

    def _refuse(self, message, action, args, estate, partner=None, details=None):
        """The probe could not confirm the mapping: nothing changed; the manual's steps by hand."""
        steps = rep.gui_steps(action, args["scope"] if action in rep.STATES else "central_reporting", estate.host,
                              partner)
        return {"failed": True, "changed": False,
                "msg": f"{message}; nothing was changed. By hand: " + " / ".join(steps),
                "gui_steps": steps, **(details or {})}

    def _probe(self, target, informix, estate, ops=None):
        ops = ops or self.probe_ops(informix)
        found = ops.results(target.batch(ops.ops, read_only=True, check=False))
        return found, self.read_probe(informix, estate, found)

    # ------------------------------------------------------------ pause, resume, stop, restart
    def _state(self, target, args, informix, estate):
        found, info = self._probe(target, informix, estate)
        er = info["enterprise_replication"]
        local = er["local_state"]
        kinds = estate.kinds
        if not kinds:
            raise AnsibleActionFail(f"scope={args['scope']}: {estate.host} has no partner for it in the inventory")
        if not er["detected"]:
            return self._refuse(f"the probe did not confirm Enterprise Replication on {estate.host} "
                                f"({local}: {er['cdr_list_server']['output'].strip()[-200:] or 'no CDR_ parameters'})",
                                args["state"], args, estate, details={"replication": info})
        if local == "offline":
            raise AnsibleActionFail(f"the Informix server {informix.informixserver} is not On-Line; cdr cannot run")
        rows = {r["group"]: r for r in info["servers"]}
        missing = sorted(g for groups in kinds.values() for g in groups.values() if g not in rows)
        if local == "running" and missing:
            return self._refuse(f"cdr list server on {estate.host} does not list the partner's server group "
                                f"{missing[0]} (set server_groups if the estate names its groups otherwise)",
                                args["state"], args, estate, details={"replication": info})
        listed = {kind: list(groups.values()) for kind, groups in kinds.items()}
        commands = rep.state_plan(args["state"], "stopped" if local == "stopped" else None, estate.local_group, listed,
                                  rows, estate.role)
        result = {"changed": bool(commands), "state": args["state"], "scope": args["scope"],
                  "commands": [" ".join(["cdr", *c]) for c in commands], "before": self._partners(info)}
        note = failover_note(args, estate)
        if note:
            result.update(failover_note=note, warnings=[note])
        if not commands or self._task.check_mode:
            result.update(after=result["before"], buffer=info["buffer"])
            # nothing to resume, yet a partner waits for a reset: replication with it is not active
            closed = [p for p in result["after"] if args["state"] == "active" and p["state"] == "disconnected"]
            return dict(result, **self._not_reached(closed, args["state"], "cdr list server"))
        while True:
            results, failure = self._run_cdr(target, args, informix, estate, commands)
            if failure:
                return dict(result, **failure)
            after = self.read_probe(informix, estate, dict(found, servers=results["servers"]))
            rows_after = {r["group"]: r for r in after["servers"]}
            # A stopped server hides its partners' suspension: once started, a paused partner is resumed too.
            more = rep.state_plan("active", None, estate.local_group, listed, rows_after,
                                  estate.role) if commands[0] == ["start"] else []
            if commands[-1] == ["cleanstart"]:  # a stopped server hid the closed connections too (§8.1.3.1)
                more = rep.reconnect_plan(listed, rows_after)
            if not more:
                break
            commands = more
            result["commands"] += [" ".join(["cdr", *c]) for c in more]
        result.update(after=self._partners(after), buffer=after["buffer"])
        wrong = [p for p in result["after"] if args["state"] in ("paused", "active") and
                 p["state"] != args["state"] and not (args["state"] == "active" and p["state"] == "connecting")]
        wrong += [p for p in result["after"] if args["state"] == "disconnected" and not p["needs_reset"]]
        if wrong:
            result["diagnostics"] = self._diagnostics(results["diagnostics"])
        return dict(result, **self._not_reached(wrong, args["state"], result["commands"][-1]))

    @staticmethod
    def _not_reached(wrong, state, after) -> dict:
        """The failure for the first partner not in the state asked for, {} when there is none."""
        if not wrong:
            return {}
        partner = wrong[0]
        reset = (f": its connection was closed by a user command and stays closed until it is reset (cdr connect "
                 f"server {partner['group']}, or cdr start on that server)" if partner["state"] == "disconnected"
                 else "")
        return {"failed": True, "msg": f"after {after}, {partner['host']} ({partner['group']}) is {partner['state']}, "
                                       f"not {state}{reset}"}

    def _run_cdr(self, target, args, informix, estate, commands):
        """The commands and a new cdr list server in one round trip; (results by name, failure result or None)."""
        ops = Batch()
        for n, command in enumerate(commands):
            ops.add(("cdr", n), informix.program_op("cdr", *command, ok_rc=[0]))
        ops.add("servers", informix.program_op("cdr", "list", "server"))
        ops.add_cleanup("diagnostics", self._diagnostics_op(args))
        done = target.batch(ops.ops, ops.cleanup, check=False)
        results, stopped = ops.results(done), ops.failed(done)
        if stopped is None:
            return results, None
        failed = stopped.result
        what = " ".join(["cdr", *commands[stopped.name[1]]]) if stopped.step == "cdr" else "cdr list server"
        return None, {"failed": True, "rc": failed.get("rc"), "diagnostics": self._diagnostics(results["diagnostics"]),
                      "msg": f"{what} failed on {estate.host} (rc {failed.get('rc')}): "
                             f"{(in_fixed_order(failed) or failed.get('error') or '').strip()[-300:]}"}

    @staticmethod
    def _partners(info):
        return [{"kind": kind, **{k: p[k] for k in ("host", "group", "state", "needs_reset", "queued_bytes")}}
                for kind, found in info["kinds"].items() for p in found["partners"]]

    # ------------------------------------------------------------ trcdbins -activate
    def _activate(self, target, args, informix):
        tool = target.path.join(args["oscc_dir"], "trcdbins.exe")
        ops = Batch().add("tool", {"op": "stat", "path": tool})  # in check mode too: it says what would run
        if self._task.check_mode:
            self._tool_found(args, ops.results(target.batch(ops.ops, read_only=True))["tool"])
            return {"changed": True, "commands": [f"{tool} -activate"]}
        ops.add("activate", {"op": "run", "argv": [tool, "-activate"], "cwd": args["oscc_dir"], "env": informix.env(),
                             "timeout": ACTIVATE_TIMEOUT, "encoding": informix.encoding})
        ops.add_cleanup("diagnostics", self._diagnostics_op(args))
        results = ops.results(target.batch(ops.ops, ops.cleanup, check=False))
        self._tool_found(args, results["tool"])  # the run of a missing program failed; say why in one line
        run = results.get("activate") or {}
        result = {"changed": bool(run.get("ok")), "commands": [f"{tool} -activate"], "rc": run.get("rc"),
                  "output": output_of(run)}
        if not run.get("ok") or run.get("rc") != 0 or run.get("timed_out"):
            result.update(failed=True, diagnostics=self._diagnostics(results["diagnostics"]),
                          msg=f"trcdbins -activate failed (rc {run.get('rc')}): "
                              f"{(in_fixed_order(run) or run.get('error') or '').strip()[-300:]}; "
                              "see diagnostics (§7.3)")
        return result

    @staticmethod
    def _tool_found(args, found):
        if not found.get("exists") or found.get("dir"):
            raise AnsibleActionFail(f"oscc_dir {args['oscc_dir']} holds no trcdbins.exe; give the folder OSCC is "
                                    "installed in")

    # ------------------------------------------------------------ synchronisation in the background (§7.2)
    def _files(self, args, informix):
        join, base = informix.path.join, f"oscc-sync-{informix.informixserver}"
        return {"batch": join(args["work_dir"], base + ".json"), "progress": join(args["work_dir"], base + ".progress"),
                "record": join(args["work_dir"], base + ".result.json"), "lock": join(args["work_dir"], base + ".lock"),
                "script": join(args["work_dir"], SCRIPT_NAME),
                "task": f"OSCC replication sync {informix.informixserver}"}

    def _sync(self, target, args, informix, estate):
        if target.platform != "windows":
            raise AnsibleActionFail("sync runs in the background through Windows Task Scheduler: Windows hosts only")
        check_script_dir(args["work_dir"], "work_dir")
        kind, partner = args["sync"], args["partner"]
        partner_kinds = [k for k, hosts in estate.kinds.items() if partner in hosts]
        wanted = "high_availability" if kind == "admin_data" and estate.role != "central_report" and \
            rep.role_of(partner, estate.groups) != "central_report" else "central_reporting"
        if wanted not in partner_kinds:
            raise AnsibleActionFail(f"partner: {partner} is not a {wanted.replace('_', ' ')} partner of {estate.host}")
        files = self._files(args, informix)
        master_host, target_host = rep.sync_master(estate.host, partner, estate.groups)
        master, receiver = estate.group(master_host), estate.group(target_host)
        ops = self.probe_ops(informix)
        ops.add("progress", {"op": "read", "path": files["progress"], "encoding": "utf-8"})
        ops.add("task", {"op": "cmdlet", "module": "ScheduledTasks", "name": "Get-ScheduledTask",
                         "parameters": {"TaskName": files["task"], "TaskPath": TASK_FOLDER,
                                        "ErrorAction": "SilentlyContinue"},
                         "select": ["State", "Description"]})
        if kind in ("report_data_all", "report_data_continue"):
            ops.add("set", informix.program_op("cdr", "list", "replicateset", estate.sets["report_data"]))
        found, info = self._probe(target, informix, estate, ops)
        er = info["enterprise_replication"]
        listed = {r["group"] for r in info["servers"]}
        if not er["detected"] or er["local_state"] != "running" or not {master, receiver} <= listed:
            why = ("Enterprise Replication is not running here" if er["detected"] and er["local_state"] != "running"
                   else f"the probe did not confirm the server groups {master} and {receiver}")
            return self._refuse(f"{kind} with {partner}: {why}", kind, args, estate, partner,
                                details={"replication": info})
        if any((o.get("State") or "") == "Running" for o in (found.get("task") or {}).get("objects") or []):
            raise AnsibleActionFail(f"a synchronisation is already running on {estate.host} (task {TASK_FOLDER}"
                                    f"{files['task']}); wait for it to end")
        progress = rep.read_progress((found.get("progress") or {}).get("content"))
        replicates, done = [], []
        if kind in ("report_data_all", "report_data_continue"):
            replicates = rep.parse_replicate_set(output_of(found.get("set")))
            if (found.get("set") or {}).get("rc") != 0 or not replicates:
                return self._refuse(f"the replicate set {estate.sets['report_data']} of the report data is not defined "
                                    "(set replicate_sets)", kind, args, estate, partner, details={"replication": info})
        left = rep.unfinished(progress)
        if left and kind != "report_data_continue":  # a new run would overwrite where the last one stopped
            raise AnsibleActionFail(f"sync={kind}: {files['progress']} holds {left}; continue it with "
                                    "sync=report_data_continue, or remove that file to start anew")
        if kind == "report_data_continue":
            same = (progress["kind"] == "report_data_all"
                    and (progress["master"], progress["target"]) == (master, receiver))
            if not same:
                raise AnsibleActionFail(f"sync=report_data_continue: there is no unfinished report_data_all with "
                                        f"{partner} on {estate.host} to continue")
            done = [name for name in progress["done"] if name in replicates]
            if len(progress["done"]) >= progress["total"] or len(done) >= len(replicates):
                return {"changed": False, "sync": kind, "partner": partner, "master_group": master,
                        "target_group": receiver, "commands": [], "total": len(replicates), "done": done,
                        "percent_done": 100.0, "finished": True,
                        "msg": f"nothing to do: the last report_data_all with {partner} on {estate.host} finished"}
        commands = rep.sync_commands(kind, master, receiver, estate.sets, replicates, done, dt.date.today())
        units = [c[3].split("=", 1)[1] if c[1] == "replicate" else kind for c in commands]
        total = len(replicates) if replicates else 1
        result = {"changed": True, "sync": kind, "partner": partner, "master_group": master, "target_group": receiver,
                  "commands": [" ".join(["cdr", *c]) for c in commands], "total": total,
                  "done": list(done), "percent_done": rep.percent_done({"total": total, "done": done})}
        if self._task.check_mode:
            return result
        hours = args["run_for_hours"]
        limit = int(hours * 3600) if hours else args["sync_timeout"]
        registered = [o.get("Description") for o in (found.get("task") or {}).get("objects") or []]
        run = self._start(target, args, informix, files, kind, master, receiver, total, commands, units, done, limit,
                          registered)
        outcome = self._follow(target, args, files, kind, total, limit, bool(hours), estate.host, run)
        if not outcome.get("finished"):  # the commands the run got to: the done ones and the one it was in
            ran = len([unit for unit in units if unit in outcome["done"]]) + 1
            outcome.update(commands=result["commands"][:ran], commands_not_run=result["commands"][ran:])
        return dict(result, **outcome)

    def _start(self, target, args, informix, files, kind, master, receiver, total, commands, units, done, limit,
               registered):
        """The saved batch, then the task started, in one round trip; one more to register the task when the host
        has no task of this definition yet (its description carries the definition's fingerprint). Returns the
        run's batch, which names the results of its record."""
        token = uuid.uuid4().hex
        record = {"operation": f"replication {kind}", "token": token}
        # The run takes over the lease its start took (below) by its token, at once: the start does not hold it live.
        ops = Batch().add("lock", {"op": "lock", "path": files["lock"], "record": record, "break_token": token})
        if not done:  # a new run starts its progress file; report_data_continue goes on with the last one
            ops.add("header", {"op": "write", "path": files["progress"], "encoding": "utf-8",
                               "content": f"run {kind.replace('_continue', '_all')} {master} {receiver} {total}\n"})
        for n, (command, unit) in enumerate(zip(commands, units)):
            ops.add(("cdr", n), informix.program_op("cdr", *command, ok_rc=[0], timeout=limit))
            ops.add(("done", n), {"op": "write", "path": files["progress"], "content": f"done {unit}\n",
                                  "encoding": "utf-8", "append": True})
        ops.add_cleanup("unlock", {"op": "unlock", "path": files["lock"], "token": token})
        # The run's time limit belongs to the host too: each cdr run gets the time left, should no controller stop
        # the task (a killed one); the task itself has no limit of its own. A little later than the controller's
        # stop, so a controller alive stops the task itself and checks what the stop left running.
        batch = {"ops": ops.ops, "cleanup": ops.cleanup, "record": files["record"],
                 "time_limit": limit + HOST_LIMIT_GRACE}
        task = run_as({"name": files["task"], "path": TASK_FOLDER, "state": "present",
                       "actions": [executor_action(files["script"], files["batch"])], "run_level": "highest",
                       "multiple_instances": 2, "execution_time_limit": "PT0S"},
                      args["task_username"], args["task_password"])
        fingerprint = hashlib.sha256(json.dumps({k: v for k, v in task.items() if k != "password"},
                                                sort_keys=True).encode()).hexdigest()[:16]
        task["description"] = f"oscc.admin: replication synchronisation (manual 7.2), definition {fingerprint}"
        if task["description"] not in registered or args["task_update_password"]:
            # registered anew: the password given is the one to apply (run_as keeps it otherwise)
            task["update_password"] = bool(args["task_password"])
            target.module("community.windows.win_scheduled_task", task)
        # The sync's lock first, as a lease: a run holding it, or another start, halts this batch before it writes.
        # Not held live by this batch (hold false): the task's run may start before this batch ends, or in the same
        # process (PSRP), and takes it over by the token whatever process took it.
        start = Batch().add("work_dir", {"op": "mkdir", "path": args["work_dir"]})
        start.add("lock", {"op": "lock", "path": files["lock"], "record": record, "ttl": START_LEASE, "hold": False})
        start.add("script", {"op": "write", "path": files["script"], "content": executor_source(), "encoding": "utf-8"})
        start.add("batch", {"op": "write", "path": files["batch"], "content": json.dumps(batch, indent=1),
                            "encoding": "utf-8"})
        start.add("old_record", {"op": "remove", "path": files["record"], "root": args["work_dir"]})
        start.add("start", {"op": "cmdlet", "module": "ScheduledTasks", "name": "Start-ScheduledTask",
                            "parameters": {"TaskName": files["task"], "TaskPath": TASK_FOLDER}})
        started = target.batch(start.ops, check=False)
        lock = start.results(started).get("lock", {})
        if lock.get("ok") and not lock.get("acquired"):
            holder = lock.get("holder") or {}
            raise AnsibleActionFail(f"a synchronisation is already running on this server ({holder.get('operation')}, "
                                    f"since {holder.get('started')}); wait for it to end")
        failed = start.failed(started)
        if failed:
            if lock.get("acquired"):  # nothing was started: the lease goes, so a retry is not told to wait
                target.batch([{"op": "unlock", "path": files["lock"], "token": token}], check=False)
            raise RemoteFailure(f"the synchronisation could not be started: {failed.result.get('error')}",
                                failed.result)
        return ops

    def _follow(self, target, args, files, kind, total, limit, deadline, host, run):
        """Polls the progress file until the run's record appears or its time is up; one round trip each."""
        started, shown, polls = time.monotonic(), None, 0
        while True:
            polls += 1
            time.sleep(min(args["poll_interval"], max(1, limit - (time.monotonic() - started))))
            poll = Batch().add("progress", {"op": "read", "path": files["progress"], "encoding": "utf-8"})
            poll.add("record", {"op": "read", "path": files["record"], "encoding": "utf-8"})
            read = poll.results(target.batch(poll.ops, read_only=True))
            progress_read, record = read["progress"], read["record"]
            progress = rep.read_progress(progress_read.get("content"))
            percent = rep.percent_done(progress)
            elapsed = int(time.monotonic() - started)
            if percent != shown:
                display.display(f"{host}: replication {kind} {percent} % done ({len(progress['done'])} of {total}), "
                                f"{elapsed} s", stderr=True)
                shown = percent
            outcome = {"done": progress["done"], "percent_done": percent, "elapsed_seconds": elapsed,
                       "progress_file": files["progress"], "polls": polls}
            if record.get("exists"):
                return self._finished(target, args, record, outcome, run, limit, deadline)
            if time.monotonic() - started >= limit:
                # The progress again after the stop: a replicate may have finished since the last read.
                stop = Batch().add("stop", {"op": "cmdlet", "module": "ScheduledTasks", "name": "Stop-ScheduledTask",
                                            "parameters": {"TaskName": files["task"], "TaskPath": TASK_FOLDER}})
                stop.add("progress", {"op": "read", "path": files["progress"], "encoding": "utf-8"})
                argvs = leftover.cdr_argvs(run.ops)
                if argvs:  # a cdr the stop left running: listed in the same round trip (First-run checklist)
                    stop.add("cdr", leftover.processes_op(argvs[0][0]))
                stopped = target.batch(stop.ops, check=False)
                failed = stop.failed(stopped)
                if failed and failed.step != "cdr":
                    raise RemoteFailure(failed.error, failed.result)
                found = stop.results(stopped)
                progress = rep.read_progress(found["progress"].get("content"))
                percent = rep.percent_done(progress)
                outcome.update(done=progress["done"], percent_done=percent)
                ended = self._end_left_cdr(target, found["cdr"], argvs) if argvs else ""
                if ended:
                    outcome["left_running"] = ended
                if deadline:  # §7.2: the sync ends after the hours given; report_data_continue resumes it
                    return dict(outcome, stopped_at_deadline=True, finished=False,
                                msg=f"stopped after run_for_hours at {percent} %; continue with report_data_continue"
                                    + (f"; {ended}" if ended else ""))
                return dict(outcome, failed=True, finished=False,
                            msg=f"the synchronisation did not finish within sync_timeout ({limit} s); it was stopped"
                                + (f"; {ended}" if ended else ""))

    @staticmethod
    def _end_left_cdr(target, listed, argvs) -> str:
        """Ends the run's cdr processes Stop-ScheduledTask left running; what happened in words ("" when none)."""
        if not listed.get("ok"):
            return f"whether a cdr of the run still runs could not be read: {listed.get('error')}"
        pids = leftover.left_running(listed.get("objects"), argvs)
        if not pids:
            return ""
        ending = Batch().add("end", leftover.end_op(pids)).add("cdr", leftover.processes_op(argvs[0][0]))
        after = ending.results(target.batch(ending.ops, check=False))
        listed = after.get("cdr") or {}
        still = leftover.left_running(listed.get("objects"), argvs) if listed.get("ok") else pids
        left = f"Stop-ScheduledTask left the run's cdr running (process {', '.join(map(str, pids))})"
        if still:
            why = (after.get("end") or {}).get("error") or listed.get("error") or "it still runs"
            return f"{left}; process {', '.join(map(str, still))} could not be ended: {why}"
        return f"{left}; it was ended"

    def _finished(self, target, args, record, outcome, run, limit, deadline):
        try:
            done = json.loads(record.get("content") or "")
            stopped = run.failed({"failed_at": done.get("failed_at"), "results": done["results"]})
        except (ValueError, AttributeError, KeyError):
            raise RemoteFailure("the synchronisation's record is damaged") from None
        outcome.update(finished=stopped is None, stopped_at_deadline=False)
        if stopped is None:
            return outcome
        failed = stopped.result
        if failed.get("op") == "run" and failed.get("timed_out"):  # the run's time was up on the host: no failure
            if deadline:  # §7.2: the sync ends after the hours given; report_data_continue resumes it
                return dict(outcome, stopped_at_deadline=True, msg=f"stopped after run_for_hours at "
                            f"{outcome['percent_done']} %; continue with report_data_continue")
            return dict(outcome, failed=True,
                        msg=f"the synchronisation did not finish within sync_timeout ({limit} s); it was stopped")
        if failed.get("op") == "lock" and failed.get("halt"):
            return dict(outcome, failed=True, msg="another synchronisation holds this server's sync lock")
        listing = Batch().add("diagnostics", self._diagnostics_op(args))
        diagnostics = self._diagnostics(listing.results(target.batch(listing.ops, read_only=True, check=False))
                                        .get("diagnostics"))
        return dict(outcome, failed=True, rc=failed.get("rc"), diagnostics=diagnostics,
                    msg=f"the synchronisation failed (rc {failed.get('rc')}): "
                        f"{(in_fixed_order(failed) or failed.get('error') or '').strip()[-300:]}")
