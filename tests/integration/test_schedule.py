"""Manual §6.3.1 on a simulated Windows server: tasks per level, runs that report to results.txt,
and a scheduled chain that the controller links and restores."""
import json
import os
import subprocess

import labctl
from playbook_lab import INVENTORY, LOCATION

SCHEDULE = {**LOCATION, "destination": "{{ oscc_backup_destination }}",
            "schedules": [{"level": 0, "time": "02:00"},
                          {"level": 1, "time": "13:00", "days_of_week": ["monday", "wednesday", "friday"]}]}
TASKS = ("\\OSCC\\OSCC Informix backup level 0", "\\OSCC\\OSCC Informix backup level 1")


def tasks(lab):
    return labctl.windows_state(lab.root, lab.host).get("scheduled_tasks", {})


def test_one_task_per_level_and_a_second_run_changes_nothing(windows_lab, tmp_path):
    lab = windows_lab
    _, planned = lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path, check=True)
    assert planned["changed"] and tasks(lab) == {}
    _, first = lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    assert first["changed"] and sorted(tasks(lab)) == list(TASKS)
    level1 = tasks(lab)[TASKS[1]]
    assert level1["triggers"] == [{"type": "weekly", "start_boundary": "2026-01-01T13:00:00",
                                   "days_of_week": "monday,wednesday,friday"}]
    arguments = level1["actions"][0]["arguments"]
    assert '-File "C:\\ProgramData\\oscc.admin\\oscc-executor.ps1" ' \
           '-BatchFile "C:\\ProgramData\\oscc.admin\\informix-backup-L1.json"' in arguments
    assert level1["username"] == "SYSTEM" and level1["run_level"] == "highest"
    _, second = lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    assert not second["changed"]
    _, fewer = lab.task("oscc.admin.informix_backup_schedule",
                        {**SCHEDULE, "schedules": SCHEDULE["schedules"][:1]}, tmp_path)
    assert fewer["changed"] and sorted(tasks(lab)) == [TASKS[0]]


def test_scheduled_runs_report_and_form_a_chain_that_restores(windows_lab, tmp_path):
    lab = windows_lab
    lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    assert not labctl.fire_task(lab.root, lab.host, TASKS[0]).get("failed")
    lab.sql("insert into agents values ('4001', 'Nacht', 'ready');")
    assert not labctl.fire_task(lab.root, lab.host, TASKS[1]).get("failed")
    expected = lab.data()
    lab.sql("delete from agents;")
    records = sorted(n for n in os.listdir(lab.backups()) if n.endswith(".run.json"))
    assert len(records) == 2 and not os.path.exists(os.path.join(lab.backups(), "results.txt"))
    # The next controller run takes the finished runs over: manifests, then one line each in results.txt.
    _, restored = lab.task("oscc.admin.informix_restore", {**LOCATION, "destination": "{{ oscc_backup_destination }}",
                                                            "confirm": True, "safety_backup": False}, tmp_path)
    assert len(restored["restored"]) == 2 and lab.data() == expected  # linked by the base checkpoint
    results = open(os.path.join(lab.backups(), "results.txt")).read().splitlines()
    assert [line.split()[1:4] for line in results] == [["OK", "level", "0"], ["OK", "level", "1"]]
    assert not [n for n in os.listdir(lab.backups()) if n.endswith((".run.json", ".partial"))]


def test_a_failed_scheduled_run_is_reported_and_keeps_nothing(windows_lab, tmp_path):
    lab = windows_lab
    lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    result = labctl.fire_task(lab.root, lab.host, TASKS[1])  # a level 1 with no level 0 to build on
    assert result["failed"]  # the executor exits 1: Task Scheduler reports the run as failed
    _, backup = lab.task("oscc.admin.informix_backup", {**LOCATION, "destination": "{{ oscc_backup_destination }}"},
                         tmp_path)
    line = open(os.path.join(lab.backups(), "results.txt")).read().strip()
    assert "FAILED level 1: the server has no level 0 archive" in line
    kept = sorted(n for n in os.listdir(lab.backups()) if n.endswith((".json", ".partial")))
    assert kept == [os.path.basename(backup["manifest"].replace("\\", "/"))]  # the failed run kept nothing


def test_scheduling_refuses_what_the_runs_would_fail_on(windows_lab, tmp_path):
    lab = windows_lab
    _, (bad_time, nul) = lab.tasks([("oscc.admin.informix_backup_schedule",
                                     {**SCHEDULE, "schedules": [{"level": 0, "time": "25:00"}]}),
                                    ("oscc.admin.informix_backup_schedule", {**SCHEDULE, "tool": "onbar"})], tmp_path)
    assert bad_time["failed"] and "time must be HH:MM" in bad_time["msg"]
    assert nul["failed"] and "return code 156" in nul["msg"] and tasks(lab) == {}


def test_posix_hosts_are_told_to_use_awx(linux_lab, tmp_path):
    lab = linux_lab
    _, result = lab.task("oscc.admin.informix_backup_schedule", SCHEDULE, tmp_path)
    assert result["failed"] and "works on windows hosts only" in result["msg"]
    assert json.dumps(result).count("Traceback") == 0


def test_the_task_password_never_appears_in_results_or_vvv_output(windows_lab, tmp_path):
    lab = windows_lab
    secret = "Tsk-Pa55-w0rd-9f3c"
    run, result = lab.task("oscc.admin.informix_backup_schedule",
                           {**SCHEDULE, "username": "OSCC\\backup-admin", "password": secret}, tmp_path)
    assert result["changed"] and not result.get("failed")
    # the default callback, as operators see it
    env = {k: v for k, v in lab.env.items() if k != "ANSIBLE_STDOUT_CALLBACK"}
    verbose = subprocess.run(["ansible-playbook", "-vvv", "-i", INVENTORY, "-l", lab.inventory_host,
                              "-e", json.dumps({"oscc_lab_root": lab.root}),
                              os.path.join(str(tmp_path), "play-informix_backup_schedule.yml")],
                             env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=True)
    assert "TASK [under test]" in verbose.stdout and "ok: [lab-main]" in verbose.stdout
    for text in (run.stdout, run.stderr, verbose.stdout, verbose.stderr,
                 json.dumps(labctl.windows_state(lab.root, lab.host))):
        assert secret not in text
    assert tasks(lab)[TASKS[0]]["logon_type"] == "password"
