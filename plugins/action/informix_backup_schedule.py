# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Scheduled verified backups with Windows Task Scheduler (docs: plugins/modules/informix_backup_schedule.py).
# Manual §6.3.1: one task per level, a results file, the same start time on every server.
from __future__ import annotations

import json
import re

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.options import module_spec
from ansible_collections.oscc.admin.plugins.plugin_utils._host.scheduled_task import (
    SCRIPT_NAME,
    account_problem,
    check_script_dir,
    executor_action,
    executor_source,
    run_as,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.action import InformixAction
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_options import backup_arguments
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_plan import check_devices, resolve_method
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import PROBE_TIMEOUT, informix_of
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.schedule import saved_batch, scheduled_plan

TASK_FOLDER = "\\OSCC\\"


def shared_backup_options() -> list[str]:
    """The options of this module that informix_backup also documents: what a scheduled run takes as given."""
    backup = module_spec("informix_backup")
    return [name for name in module_spec("informix_backup_schedule") if name in backup]


def task_name(level: int) -> str:
    return f"OSCC Informix backup level {level}"


def task_args(schedule: dict, script: str, batch_file: str, args: dict) -> dict:
    """The win_scheduled_task arguments for one level's task: the host executor on the level's saved batch."""
    days = schedule.get("days_of_week")
    trigger = {"type": "weekly" if days else "daily", "start_boundary": f"2026-01-01T{schedule['time']}:00"}
    if days:
        trigger["days_of_week"] = ",".join(days)
    task = {
        "name": task_name(schedule["level"]), "path": TASK_FOLDER, "state": "present",
        "description": "oscc.admin: verified Informix backup (manual 6.3.1); results in " + args["results_file"],
        "actions": [executor_action(script, batch_file)],
        "triggers": [trigger], "run_level": "highest", "multiple_instances": 2,  # 2: a second start is ignored
        # the archive's timeout, and room for the onstat runs and the record around it
        "execution_time_limit": f"PT{args['timeout'] + 6 * PROBE_TIMEOUT}S",
    }
    return run_as(task, args["username"], args["password"])


class ActionModule(InformixAction):
    PATH_OPTIONS = ("destination", "script_dir", "results_file")
    PLATFORMS = ("windows",)  # Windows Task Scheduler, manual §6.3.1; elsewhere schedule backup.yml in AWX

    def act(self, args, target, task_vars):
        for schedule in args["schedules"]:
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", schedule["time"]):
                raise AnsibleActionFail(f"schedules: time must be HH:MM (24 h), got {schedule['time']!r}")
        check_script_dir(args["script_dir"])
        problem = account_problem("username", args["username"], "password", args["password"])
        if problem and args["state"] == "present":
            raise AnsibleActionFail(problem)
        levels = [s["level"] for s in args["schedules"]]
        if len(set(levels)) != len(levels):
            raise AnsibleActionFail("schedules: one entry per level (the manual's one task per level)")
        args["results_file"] = args["results_file"] or target.path.join(args["destination"], "results.txt")
        wanted = {s["level"]: s for s in args["schedules"]} if args["state"] == "present" else {}
        result = {"changed": False, "tasks": [task_name(level) for level in sorted(wanted)],
                  "results_file": args["results_file"]}
        if wanted:
            # The runs' arguments as informix_backup's, from the one builder: every option both modules document
            # (a new one in the shared fragment comes along), informix_backup's defaults for the rest.
            backup = backup_arguments({name: args[name] for name in shared_backup_options()})
            resolve_method(backup)
            # refuse what the scheduled runs would fail on, now
            probe = self.probe(target, args, also={"results_file": {"op": "stat", "path": args["results_file"]}})
            check_devices(backup, probe.onconfig_values)
            results = probe.also["results_file"]
            if results.get("exists") and results.get("dir"):  # every run would fail to append its line
                raise AnsibleActionFail(f"results_file {args['results_file']} is a folder, not a file")
            result["changed"] |= self._deploy(target, args, backup, wanted, task_vars, result, probe)
        for level in range(3):
            if level in wanted:
                task = task_args(wanted[level], result["script"], result["params_files"][level], args)
            else:
                task = {"name": task_name(level), "path": TASK_FOLDER, "state": "absent"}
            result["changed"] |= self._task_module(target, task)
        return result

    def _deploy(self, target, args, backup, wanted, task_vars, result, probe):
        """The host executor and, per level, its saved batch and the plan the run records; in one round trip,
        each file rewritten only when it differs. backup: the runs' backup arguments."""
        informix = informix_of(target, probe)
        script = target.path.join(args["script_dir"], SCRIPT_NAME)
        files = {level: target.path.join(args["script_dir"], f"informix-backup-L{level}.json") for level in wanted}
        result.update(script=script, params_files=files)
        contents = {script: executor_source()}
        for level, path in files.items():
            plan = scheduled_plan(dict(backup, level=level, results_file=args["results_file"]), probe,
                                  task_vars.get("inventory_hostname"))
            plan_file = path[: -len(".json")] + ".plan.json"
            contents[plan_file] = json.dumps(plan, indent=1, sort_keys=True)
            contents[path] = json.dumps(saved_batch(informix, plan, plan_file), indent=1, sort_keys=True)
        if self._task.check_mode:
            return False  # the plan is the same; nothing is written
        ops = Batch().add("folder", {"op": "mkdir", "path": args["script_dir"]})
        # the runs' own copies of their records, beside the server's lock: the ones adoption trusts
        ops.add("runs", {"op": "mkdir", "path": informix.runs_dir})
        for path, content in contents.items():
            ops.add(("file", path), {"op": "write", "path": path, "content": content, "encoding": "utf-8"})
        written = ops.results(target.batch(ops.ops))
        created = written["folder"]["created"] or written["runs"]["created"]
        return created or any(written[("file", path)]["changed"] for path in contents)

    def _task_module(self, target, task):
        outcome = target.module("community.windows.win_scheduled_task", task)
        return bool(outcome.get("changed"))
