"""The first-run risks of docs/windows.md (First-run checklist), each guarded in the code and shown here in the lab:
a program waiting for a key it never prompts for, an ontape that holds its prompts while its output is a pipe, and a
cdr that Stop-ScheduledTask leaves running."""
import os
import stat

import labctl
import labwatch
from playbook_lab import LOCATION

TOOL = labctl.OSCC_DIR + "\\osccmseheaders.exe"
OTHER_TOOL = labctl.OSCC_DIR + "\\osccmseheaders-keys.exe"
HEADERS = {"from_address": "oscc@lab.invalid", "to_address": "oscc@lab.invalid", "smtp_host": "127.0.0.1",
           "smtp_port": 25, "smtp_user": "oscc", "smtp_password": "unused-secret", "subject": "define headers",
           "timeout": 2}
RUN_FOR_HOURS = 10 / 3600
CONSOLE = "the program may read the console directly (a key press, a password typed at the console), which a " \
          "remote session cannot answer"


def program(lab, host_path, body):
    """A utility of the simulated host that waits on its console (a FIFO nobody writes: a key nobody presses)."""
    path = lab.here(host_path)
    with open(path, "w") as handle:
        handle.write('#!/bin/sh\nconsole="$(mktemp -u)"; mkfifo "$console"\n' + body)
    os.chmod(path, stat.S_IRWXU)


def test_a_utility_waiting_for_a_key_it_never_prompts_for_is_stopped_and_the_console_named(windows_lab, tmp_path):
    # the banner only, then a key read from the console: no prompt the table knows ever shows
    program(windows_lab, TOOL, 'echo "OpenScape Contact Center - custom e-mail headers"\nread key < "$console"\n')
    # "Press any key" answered with Return on stdin, which a program reading the console never sees
    program(windows_lab, OTHER_TOOL, 'printf "From address: "; read a\nprintf "Press any key to continue . . ."\n'
                                     'read key < "$console"\n')
    run, (banner, key) = windows_lab.tasks([("oscc.admin.exchange_custom_headers", {**HEADERS, "program": tool})
                                            for tool in (TOOL, OTHER_TOOL)], tmp_path)
    assert banner["failed"] and banner["msg"].startswith(
        "osccmseheaders.exe did not finish within 2 seconds: no prompt was answered in what it printed since it "
        "started (see the output): " + CONSOLE), banner["msg"]
    assert "custom e-mail headers" in banner["output"]
    assert key["failed"] and key["msg"].startswith(
        "osccmseheaders-keys.exe did not finish within 2 seconds: no prompt was answered in what it printed since "
        "the answer to 'Press any key' (answer 2) (see the output): " + CONSOLE), key["msg"]
    assert "unused-secret" not in run.stdout
    assert not os.path.exists(windows_lab.here(labctl.OSCC_DIR + "\\osccmseheaders.oscc-done.json"))


def test_an_ontape_that_holds_its_prompts_while_piped_is_stopped_and_says_it_printed_nothing(windows_lab, tmp_path):
    tapedev = {**LOCATION, "parameters": {"TAPEDEV": windows_lab.spelled("tape", "BACKUP.001")}}
    backup = {**LOCATION, "destination": "{{ oscc_backup_destination }}", "method": "tapedev"}
    _, (onconfig, full) = windows_lab.tasks([("oscc.admin.onconfig", tapedev),
                                             ("oscc.admin.informix_backup", backup)], tmp_path)
    assert not onconfig.get("failed") and full["verified"], (onconfig, full)
    windows_lab.faults(prompts_held_while_piped=True)
    restore = {**LOCATION, "destination": "{{ oscc_backup_destination }}", "services": [], "confirm": True,
               "safety_backup": False, "timeout": 5}
    _, result = windows_lab.task("oscc.admin.informix_restore", restore, tmp_path)
    words = ("ontape did not finish within 5 seconds: it printed nothing at all (stage: started, no prompt seen): "
             + CONSOLE + ", or hold its prompts in a buffer while its output is a pipe")
    assert result.get("failed") and words in result["msg"], result.get("msg")
    assert "Please mount tape" not in result.get("output", "")


def test_a_cdr_the_stopped_task_leaves_running_is_found_and_ended(estate, tmp_path):
    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120')")
    # 8 s a replicate, stopped after 10 s: the second cdr (8 s to 16 s, its own timeout at 18 s) runs at the stop
    # (3 s and 5 s left the stop between two cdr runs on a loaded machine)
    labctl.er_configure(estate.root, sync_seconds_per_replicate=8)
    labctl.set_windows_faults(estate.root, "report", stop_task_leaves_children=True)
    _, stopped = estate.task("oscc.admin.replication", {"sync": "report_data_all", "partner": "lab-main",
                                                        "run_for_hours": RUN_FOR_HOURS, "poll_interval": 1},
                             tmp_path, host="lab-report")
    assert stopped["stopped_at_deadline"] and stopped["percent_done"] < 100, repr(stopped)
    assert "Stop-ScheduledTask left the run's cdr running (process " in stopped["msg"], stopped["msg"]
    assert stopped["msg"].endswith("; it was ended") and stopped["left_running"] in stopped["msg"]
    assert labwatch.running(estate.root, "report", "cdr") == []
    cmdlets = [op.get("name") for c in labctl.windows_state(estate.root, "report")["calls"]
               if c["module"] == "win_powershell" for op in c["args"]["batch"]["ops"] if op["op"] == "cmdlet"]
    assert cmdlets[-4:] == ["Stop-ScheduledTask", "Get-CimInstance", "Stop-Process", "Get-CimInstance"], cmdlets


def test_without_the_fault_the_stop_ends_cdr_itself_and_nothing_more_is_said(estate, tmp_path):
    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120')")
    labctl.er_configure(estate.root, sync_seconds_per_replicate=8)
    _, stopped = estate.task("oscc.admin.replication", {"sync": "report_data_all", "partner": "lab-main",
                                                        "run_for_hours": RUN_FOR_HOURS, "poll_interval": 1},
                             tmp_path, host="lab-report")
    assert stopped["stopped_at_deadline"] and "left_running" not in stopped, stopped["msg"]
    assert "cdr" not in stopped["msg"]
    assert labwatch.running(estate.root, "report", "cdr") == []


def test_a_share_the_session_cannot_see_is_named_as_the_double_hop_in_check_mode_and_by_the_restore(windows_lab,
                                                                                                   tmp_path):
    """The lab's shares answer every session; a share no folder of the lab holds is what a refused one looks like
    to the probe (Directory.Exists is false for a share the session may not read)."""
    share = "\\\\backupsrv\\refused\\oscc"
    _, (planned, restore) = windows_lab.tasks([
        ("oscc.admin.informix_backup", {**LOCATION, "destination": share}, {"check": True}),
        ("oscc.admin.informix_restore", {**LOCATION, "destination": share, "services": [], "confirm": True})],
        tmp_path)
    warning, = [w for w in planned.get("warnings", []) if share in w]
    assert "does not exist or cannot be read from the WinRM session" in warning
    assert restore["failed"] and restore["msg"].startswith(f"destination {share} does not exist or cannot be read "
                                                           "from the WinRM session: "), restore["msg"]
    for words in ("double-hop", "Kerberos delegation", "CredSSP", "oscc.admin.informix_backup_schedule"):
        assert words in warning and words in restore["msg"]
    assert not os.path.exists(windows_lab.here(share))  # check mode and the refused restore wrote nothing
