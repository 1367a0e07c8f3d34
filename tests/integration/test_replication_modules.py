"""replication_info and replication against the lab's estate: lab-main, lab-backup and lab-report sharing one
simulated Enterprise Replication domain (tests/lab/informix/ifxsim.py). Rows really move between the servers'
chunks, so each test looks at the data on the report server, not only at what the module said."""
import json
import os
import subprocess

import labctl
import yaml
from playbook_lab import Lab

SERVERS = {"lab-main": ("main", "ol_main"), "lab-backup": ("backup", "ol_backup"),
           "lab-report": ("report", "ol_report")}


def info(lab, tmp_path, host="lab-main", check=False):
    run, result = lab.task("oscc.admin.replication_info", {}, tmp_path, host=host, check=check)
    assert run.rc == 0, result
    return result


def act(lab, tmp_path, host="lab-main", check=False, **args):
    return lab.task("oscc.admin.replication", args, tmp_path, host=host, check=check)[1]


def partner(result, host="lab-report"):
    return next(p for kind in result["kinds"].values() for p in kind["partners"] if p["host"] == host)


def steps(lab, tmp_path, *tasks):
    """Tasks with nothing between them, back to back in one playbook: (module, args) or (module, args, options)."""
    return lab.tasks(tasks, tmp_path)[1]


INFO = ("oscc.admin.replication_info", {})


def replication(**args):
    return ("oscc.admin.replication", args)


def test_pause_queues_the_rows_and_resume_delivers_them(estate, tmp_path):
    before, paused = steps(estate, tmp_path, INFO, replication(state="paused"))
    assert not before.get("failed"), before
    assert before["enterprise_replication"]["detected"] and before["kinds"]["central_reporting"]["configured"]
    assert partner(before)["state"] == "active" and before["buffer"]["queued_bytes"] == 0

    assert paused["changed"] and paused["commands"] == ["cdr suspend server g_ol_report g_ol_main"]
    assert [p["state"] for p in paused["after"]] == ["paused"] and paused["remote_operations"] == 2

    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120');"
                              "insert into stats_calls values ('c2', '2026-12-02', '95')")
    during = info(estate, tmp_path, check=True)  # read-only: runs in check mode
    assert partner(during)["state"] == "paused"
    assert during["buffer"]["queued_bytes"] > 0 and during["buffer"]["percent"] > before["buffer"]["percent"]
    assert estate.rows("lab-report") == [] and len(estate.rows("lab-main")) == 2
    # the high availability partner still gets them
    assert len(estate.rows("lab-backup")) == 2

    resumed, after = steps(estate, tmp_path, replication(state="active"), INFO)
    assert resumed["changed"] and resumed["commands"] == ["cdr resume server g_ol_report g_ol_main"]
    assert not after.get("failed"), after
    assert estate.rows("lab-report") == estate.rows("lab-main")
    assert after["buffer"]["queued_bytes"] == 0 and partner(after)["state"] == "active"


def test_a_second_pause_or_resume_changes_nothing_in_one_round_trip(estate, tmp_path):
    paused, again_paused, active, again_active = steps(estate, tmp_path, *[replication(state=state) for state in (
        "paused", "paused", "active", "active")])
    assert paused["changed"]
    assert not again_paused["changed"] and again_paused["commands"] == [] and again_paused["remote_operations"] == 1
    assert active["changed"]
    assert not again_active["changed"] and again_active["remote_operations"] == 1


def cdr_on(lab, inventory_host, *argv):
    host, server = SERVERS[inventory_host]
    env = dict(os.environ, **labctl.environment(lab.root, host, server))
    subprocess.run(["cdr", *argv], env=env, check=True, capture_output=True)


def test_pause_and_resume_on_the_report_server_are_confirmed_and_idempotent(estate, tmp_path):
    on_report = {"host": "lab-report"}
    paused, again, seen_on_main, active, again_active, main_paused, report_active = steps(
        estate, tmp_path, replication(state="paused") + (on_report,), replication(state="paused") + (on_report,),
        INFO, replication(state="active") + (on_report,), replication(state="active") + (on_report,),
        replication(state="paused"), replication(state="active") + (on_report,))
    assert not paused.get("failed") and paused["changed"], paused
    assert paused["commands"] == ["cdr suspend server g_ol_report g_ol_main",
                                  "cdr suspend server g_ol_report g_ol_backup"]
    assert [p["state"] for p in paused["after"]] == ["paused", "paused"]
    assert not again.get("failed") and not again["changed"] and again["commands"] == [], again
    assert partner(seen_on_main)["state"] == "paused"  # main's delivery to the report server is suspended
    assert partner(seen_on_main)["er_state"] == "Suspended"
    assert not active.get("failed") and active["changed"], active
    assert active["commands"] == ["cdr resume server g_ol_report g_ol_main",
                                  "cdr resume server g_ol_report g_ol_backup"]
    assert [p["state"] for p in active["after"]] == ["active", "active"]
    assert not again_active.get("failed") and not again_active["changed"], again_active
    # paused from the main server, state active on the report server still leaves no suspension anywhere
    assert main_paused["changed"] and not report_active.get("failed") and report_active["changed"], report_active
    assert labctl.er_state(estate.root)["suspended"] == []


def test_a_disconnected_partner_is_reported_as_needing_a_reset(estate, tmp_path):
    cdr_on(estate, "lab-main", "disconnect", "server", "g_ol_report")
    found, active = steps(estate, tmp_path, INFO, replication(state="active"))
    report = partner(found)
    assert (report["state"], report["needs_reset"], report["er_status"]) == ("disconnected", True, "Disconnect")
    assert "until it is reset" in report["er_meaning"]
    assert active["failed"] and not active["changed"] and "cdr connect server g_ol_report" in active["msg"], active
    cdr_on(estate, "lab-report", "connect", "server", "g_ol_main")
    assert partner(info(estate, tmp_path))["state"] == "active"


def test_check_mode_plans_and_changes_nothing(estate, tmp_path):
    planned = act(estate, tmp_path, check=True, state="paused")
    assert planned["changed"] and planned["commands"] == ["cdr suspend server g_ol_report g_ol_main"]
    assert labctl.er_state(estate.root)["suspended"] == []


def test_pause_on_the_report_server_and_for_high_availability(estate, tmp_path):
    report = act(estate, tmp_path, host="lab-report", state="paused")
    assert report["commands"] == ["cdr suspend server g_ol_report g_ol_main",
                                  "cdr suspend server g_ol_report g_ol_backup"]
    estate.sql_on("lab-main", "insert into stats_calls values ('c9', '2026-12-02', '1')")
    assert estate.rows("lab-report") == []
    ha = act(estate, tmp_path, scope="high_availability", state="paused")
    assert ha["commands"] == ["cdr suspend server g_ol_backup g_ol_main", "cdr suspend server g_ol_main g_ol_backup"]
    estate.sql_on("lab-main", "insert into agents values ('1003', 'Mia Roth', 'ready')")
    assert ["1003", "Mia Roth", "ready"] not in labctl.data(estate.root, "backup")["hppc"]["agents"]
    act(estate, tmp_path, scope="all", state="active")
    assert ["1003", "Mia Roth", "ready"] in labctl.data(estate.root, "backup")["hppc"]["agents"]


def test_stop_and_restart_empty_the_buffer(estate, tmp_path):
    refused = act(estate, tmp_path, state="stopped")
    assert refused["failed"] and "confirm" in refused["msg"]
    assert labctl.er_state(estate.root)["servers"]["g_ol_main"]["running"]
    act(estate, tmp_path, state="paused")
    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120')")
    assert info(estate, tmp_path)["buffer"]["queued_bytes"] > 0
    stopped, again, stopped_info = steps(estate, tmp_path, replication(state="stopped", confirm=True),
                                         replication(state="stopped", confirm=True), INFO)
    assert stopped["changed"] and stopped["commands"] == ["cdr stop"]
    assert [p["state"] for p in stopped["after"]] == ["stopped"]
    assert not again["changed"]
    assert not stopped_info.get("failed"), stopped_info
    assert stopped_info["enterprise_replication"]["local_state"] == "stopped"
    assert stopped_info["enterprise_replication"]["detected"]
    estate.sql_on("lab-main", "insert into stats_calls values ('c2', '2026-12-02', '95')")
    restarted, _active = steps(estate, tmp_path, replication(state="restarted", confirm=True),
                               replication(state="active"))
    assert restarted["commands"] == ["cdr cleanstart"] and restarted["buffer"]["queued_bytes"] == 0
    assert estate.rows("lab-report") == []  # lost from the queue: a sync brings them back (§7.1.3.1 step 6)


def test_active_after_pause_and_stop_starts_and_resumes_in_one_run(estate, tmp_path):
    _run, (paused, stopped, active, again) = estate.tasks(
        [replication(state="paused"), replication(state="stopped", confirm=True), replication(state="active"),
         replication(state="active")], tmp_path)
    assert paused["changed"] and stopped["changed"], (paused, stopped)
    # a stopped server does not show the suspension; once started, the paused partner is resumed too
    assert active["commands"] == ["cdr start", "cdr resume server g_ol_report g_ol_main"], active
    assert [p["state"] for p in active["after"]] == ["active"] and not active.get("failed")
    assert not again["changed"] and labctl.er_state(estate.root)["suspended"] == []


def test_a_buffer_above_95_percent_is_critical(estate, tmp_path):
    _paused, paused_info = steps(estate, tmp_path, replication(state="paused"), INFO)
    assert not paused_info.get("failed"), paused_info
    capacity = paused_info["buffer"]["capacity_bytes"]
    estate.sql_on("lab-main", f"insert into stats_calls values ('c1', '2026-12-02', '{'x' * int(capacity * 0.96)}')")
    found = info(estate, tmp_path)["buffer"]
    assert found["percent"] >= 95 and found["level"] == "critical" and "stops" in found["meaning"]


def test_a_partner_group_the_probe_cannot_confirm_changes_nothing(estate, tmp_path):
    refused = act(estate, tmp_path, state="paused", server_groups={"lab-report": "g_elsewhere"})
    assert refused["failed"] and not refused["changed"] and "g_elsewhere" in refused["msg"]
    assert any("Replikation mit dem zentralen Report-Server-Computer anhalten" in s for s in refused["gui_steps"])
    assert labctl.er_state(estate.root)["suspended"] == []


def test_no_enterprise_replication_at_all_changes_nothing(tmp_path):
    lab = Lab(tmp_path / "lab", "lab-main")
    labctl.init_host(lab.root, "report", "ol_report", platform="windows")
    found, refused = steps(lab, tmp_path, INFO, replication(state="paused"))
    assert not found.get("failed"), found
    assert not found["enterprise_replication"]["detected"]
    assert found["enterprise_replication"]["local_state"] == "not_configured"
    assert not found["kinds"]["central_reporting"]["configured"] and found["buffer"]["level"] == "unknown"
    assert refused["failed"] and "trcdbins" in refused["msg"] and refused["gui_steps"]


BAD_INPUTS = [
    ({"scope": "everything", "state": "paused"}, "scope"),
    ({"state": "frozen"}, "state"),
    ({"sync": "report_data_all", "partner": "lab-main", "run_for_hours": 0}, "run_for_hours"),
    ({"sync": "report_data_all", "partner": "lab-main", "run_for_hours": -2}, "run_for_hours"),
    ({"sync": "report_data_all", "partner": "lab-main", "run_for_hours": "soon"}, "run_for_hours"),
    ({"sync": "report_data_all", "partner": "lab-main", "run_for_hours": "nan"}, "run_for_hours"),
    ({"sync": "report_data_recent", "partner": "lab-main", "run_for_hours": 2}, "run_for_hours"),
    ({"sync": "report_data_all", "partner": "oscc9.example.com"}, "partner"),
    ({"sync": "report_data_all"}, "partner"),
    ({"sync": "report_data_all", "partner": "lab-main", "state": "paused"}, "sync"),
    ({}, "state"),
    ({"sync": "admin_data", "partner": "lab-wallboard-1"}, "partner"),
    ({"state": "paused", "server_groups": {"oscc9.example.com": "g_x"}}, "server_groups"),
    ({"state": "paused", "replicate_sets": {"reports": "x"}}, "replicate_sets"),
    ({"state": "paused", "oscc_dir": "relative\\dir"}, "oscc_dir"),
    ({"sync": "report_data_recent", "partner": "lab-main", "work_dir": "C:\\tmp\\a\nb"}, "work_dir"),
    ({"sync": "report_data_recent", "partner": "lab-main", "work_dir": "C:\\ProgramData\\..\\Windows"}, "work_dir"),
    ({"sync": "report_data_all", "partner": "lab-main", "run_for_hours": 1e308}, "run_for_hours"),
    ({"sync": "report_data_recent", "partner": "lab-main", "task_update_password": True}, "task_update_password"),
    ({"state": "paused", "server_groups": {"lab-main": "g_ol_main\ncdr stop"}}, "server_groups"),
    ({"sync": "report_data_all", "partner": "lab-main", "replicate_sets": {"report_data": ["a"]}}, "replicate_sets"),
    ({"sync": "report_data_recent", "partner": "lab-main", "task_username": "SYSTEM\nx"}, "task_username"),
    ({"sync": "report_data_recent", "partner": "lab-main", "task_username": 'a"b'}, "task_username"),
    ({"state": "paused", "informixserver": "ol_report\nx"}, "informixserver"),
]


def test_bad_input_gets_one_line_naming_the_option(estate, tmp_path):
    tasks = [{"name": f"case {n}", "oscc.admin.replication": args, "ignore_errors": True}
             for n, (args, _option) in enumerate(BAD_INPUTS)]
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump([{"name": "bad", "hosts": "lab-report", "gather_facts": False, "tasks": tasks}]))
    run = estate.playbook(str(path), limit="lab-report")
    for n, (args, option) in enumerate(BAD_INPUTS):
        result = run.result(f"case {n}", "lab-report")
        assert result["failed"] and option in result["msg"] and "\n" not in result["msg"].strip(), (args, result["msg"])
    assert labctl.er_state(estate.root)["suspended"] == []
    assert not [c for c in labctl.windows_state(estate.root, "report")["calls"] if c["module"] != "win_powershell"]


def test_report_data_all_stops_at_run_for_hours_and_continue_finishes(estate, tmp_path):
    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120');"
                              "insert into stats_agents values ('1001', '2026-12-02', '3600')")
    estate.sql_on("lab-report", "delete from stats_calls; delete from stats_agents")
    labctl.er_configure(estate.root, sync_seconds_per_replicate=2)
    # 5.4 s for five replicates of 2 s each
    first = act(estate, tmp_path, host="lab-report", sync="report_data_all", partner="lab-main", run_for_hours=0.0015,
                poll_interval=1)
    assert first["stopped_at_deadline"] and not first["finished"] and 0 < first["percent_done"] < 100, first
    assert first["total"] == 5 and len(first["done"]) == first["percent_done"] / 20
    progress_file = labctl.to_here(labctl.host_paths(estate.root, "report")["base"],
                                   "C:\\ProgramData\\oscc.admin\\oscc-sync-ol_report.progress")
    with open(progress_file) as handle:
        left = handle.read()
    # a second run would start the progress file anew: refused, naming it, and the file is as it was
    again_all = act(estate, tmp_path, host="lab-report", sync="report_data_all", partner="lab-main", poll_interval=1)
    assert again_all["failed"] and "oscc-sync-ol_report.progress holds a report_data_all" in again_all["msg"]
    assert "report_data_continue" in again_all["msg"] and "\n" not in again_all["msg"]
    with open(progress_file) as handle:
        assert handle.read() == left
    rest = act(estate, tmp_path, host="lab-report", sync="report_data_continue", partner="lab-main", poll_interval=1)
    assert rest.get("finished") and rest["percent_done"] == 100.0, (rest.get("msg"), rest)
    assert len(rest["commands"]) == 5 - len(first["done"])
    assert estate.rows("lab-report") == estate.rows("lab-main")
    calls = labctl.windows_state(estate.root, "report")["calls"]
    # registered once, then found by its fingerprint
    assert [c["module"] for c in calls].count("win_scheduled_task") == 1
    assert estate.rows("lab-report", "stats_agents") == estate.rows("lab-main", "stats_agents")
    # issue 19: continuing a finished synchronisation is nothing to do, not a failure
    again = act(estate, tmp_path, host="lab-report", sync="report_data_continue", partner="lab-main", poll_interval=1)
    assert not again.get("failed") and not again["changed"] and again["commands"] == [], again
    assert again["finished"] and again["percent_done"] == 100.0 and again["msg"].startswith("nothing to do"), again


def test_run_for_hours_over_before_the_first_replicate_is_a_time_stop_at_0_percent_on_both_sides(estate, tmp_path):
    """Issue 19: a deadline before the first replicate finished is a time stop, not 'failed (rc -9)'; commands are
    those the run got to; the saved batch carries the run's time, so the host ends it without a controller."""
    labctl.er_configure(estate.root, sync_seconds_per_replicate=30)
    first = act(estate, tmp_path, host="lab-report", sync="report_data_all", partner="lab-main", run_for_hours=0.0008,
                poll_interval=1)
    assert first["stopped_at_deadline"] and not first.get("failed") and first["percent_done"] == 0.0, first
    assert len(first["commands"]) == 1 and len(first["commands_not_run"]) == first["total"] - 1, first
    batch_file = labctl.to_here(labctl.host_paths(estate.root, "report")["base"],
                                "C:\\ProgramData\\oscc.admin\\oscc-sync-ol_report.json")
    with open(batch_file) as handle:
        assert json.load(handle)["time_limit"] == 2 + 60  # int(0.0008 h in seconds), then the host's grace


def test_the_task_password_is_applied_when_registered_and_when_asked_to_only(estate, tmp_path):
    sync = {"sync": "report_data_recent", "partner": "lab-main", "poll_interval": 1, "task_username": "LAB\\oscc",
            "task_password": "S3cret&%PATH%\"'"}
    on_report = {"host": "lab-report"}
    _run, results = estate.tasks([("oscc.admin.replication", sync, on_report)] * 2 +
                                 [("oscc.admin.replication", {**sync, "task_update_password": True}, on_report)],
                                 tmp_path)
    assert all(r["finished"] and not r.get("failed") for r in results), results
    registered = [c["args"] for c in labctl.windows_state(estate.root, "report")["calls"]
                  if c["module"] == "win_scheduled_task"]
    # the first run registers the task, the second finds it by its fingerprint, the third is asked to apply the password
    assert [(r["username"], r["logon_type"], r["update_password"]) for r in registered] == \
        [("LAB\\oscc", "password", True)] * 2
    assert "S3cret" not in json.dumps(results)


def test_a_failed_sync_says_why(estate, tmp_path):
    host, server = SERVERS["lab-main"]
    subprocess.run(["onmode", "-ky"], env=dict(estate.env, **labctl.environment(estate.root, host, server)), check=True)
    failed = act(estate, tmp_path, host="lab-report", sync="admin_data", partner="lab-main", poll_interval=1)
    assert failed["failed"] and "rc" in failed["msg"] and not failed.get("finished"), failed


def test_activate_runs_trcdbins_and_a_failure_returns_its_diagnostic_files(estate, tmp_path):
    planned, done = steps(estate, tmp_path, ("oscc.admin.replication", {"activate": True}, {"check": True}),
                          replication(activate=True))
    assert planned["changed"] and not planned.get("rc")
    assert done["changed"] and done["rc"] == 0 and not done.get("diagnostics")
    labctl.set_trcdbins_fail(estate.root, "main")
    failed = act(estate, tmp_path, activate=True)
    assert failed["failed"] and failed["rc"] == 1 and "§7.3" in failed["msg"]
    assert sorted(failed["diagnostics"]) == ["trcdbins.000", "trcdbins.001", "trcdbins.002"]
    assert "FAILED" in failed["diagnostics"]["trcdbins.002"]


def test_a_sync_that_could_not_start_leaves_no_lease_behind(estate, tmp_path):
    """The start takes the sync's lease before it starts the task; when the start fails, the lease goes with it, so
    the retry runs at once instead of being told that a synchronisation is already running."""
    first = act(estate, tmp_path, host="lab-report", sync="admin_data", partner="lab-main", poll_interval=1)
    assert first.get("finished"), first

    def enabled(value):
        def change(state):
            for task in state["scheduled_tasks"].values():
                task["enabled"] = value
        return change
    labctl._update_windows(estate.root, "report", enabled(False))
    refused = act(estate, tmp_path, host="lab-report", sync="admin_data", partner="lab-main", poll_interval=1)
    assert refused["failed"] and "could not be started" in refused["msg"], refused
    labctl._update_windows(estate.root, "report", enabled(True))
    again = act(estate, tmp_path, host="lab-report", sync="admin_data", partner="lab-main", poll_interval=1)
    assert again.get("finished") and not again.get("failed"), again
