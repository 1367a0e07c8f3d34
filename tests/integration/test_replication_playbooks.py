"""The replication playbooks (manual chapter 7) end to end on the lab's estate: lab-main, lab-backup and lab-report
in one simulated Enterprise Replication domain. What each playbook did is read from the data on the servers and
from the calls every simulated server recorded, in order."""
import os
import subprocess

import labctl
import pytest
from playbook_lab import ROOT, replication_changes

PLAYBOOKS = os.path.join(ROOT, "playbooks")
LIMIT = "lab-main,lab-backup,lab-report"
HOSTS = {"lab-main": ("main", "ol_main"), "lab-backup": ("backup", "ol_backup"), "lab-report": ("report", "ol_report")}
SERVICES = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]


def play(lab, name, check=False, **extra):
    return lab.playbook(os.path.join(PLAYBOOKS, name), limit=LIMIT, check=check, extra=extra)


def calls(lab, inventory_host):
    return labctl.windows_state(lab.root, HOSTS[inventory_host][0])["calls"]


def failures(run):
    """The messages of the failed tasks, as the operator reads them."""
    return " ".join(str(r.get("msg")) for play in run.json["plays"] for t in play["tasks"]
                    for r in t["hosts"].values() if r.get("failed"))


def service_state(lab, inventory_host, name):
    return labctl.windows_state(lab.root, HOSTS[inventory_host][0])["services"][name]["state"]


def info(lab, tmp_path, host="lab-main"):
    return lab.task("oscc.admin.replication_info", {}, tmp_path, host=host)[1]


def test_pause_and_resume_playbooks(estate, tmp_path):
    paused = play(estate, "replication_pause.yml")
    assert paused.rc == 0, paused.stdout[-3000:]
    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120')")
    during = info(estate, tmp_path)
    assert during["kinds"]["central_reporting"]["partners"][0]["state"] == "paused"
    assert during["buffer"]["queued_bytes"] > 0 and estate.rows("lab-report") == []

    again = play(estate, "replication_pause.yml")  # a second pause changes nothing
    assert again.rc == 0 and all(again.stats(h)["changed"] == 0 for h in HOSTS), again.json["stats"]

    resumed = play(estate, "replication_resume.yml")
    assert resumed.rc == 0, resumed.stdout[-3000:]
    assert estate.rows("lab-report") == estate.rows("lab-main") != []
    assert info(estate, tmp_path)["buffer"]["queued_bytes"] == 0
    again = play(estate, "replication_resume.yml")
    assert again.rc == 0 and all(again.stats(h)["changed"] == 0 for h in HOSTS), again.json["stats"]


def test_stop_without_confirm_is_refused_before_anything(estate):
    refused = play(estate, "replication_stop.yml")
    assert refused.rc != 0 and "replication_confirm must be true" in failures(refused)
    assert replication_changes(estate) == [] and labctl.er_state(estate.root)["servers"]["g_ol_main"]["running"]


@pytest.mark.parametrize("name,extra,option", [
    ("replication_pause.yml", {"replication_scope": "everything"}, "replication_scope"),
    ("replication_sync.yml", {"replication_poll_interval": "often"}, "replication_poll_interval"),
    ("replication_restart.yml", {"replication_confirm": True, "replication_hppc_group_offline": True,
                                 "replication_services": {"first": "OpenScape Contact Center"}},
     "replication_services"),
])
def test_the_roles_variables_are_refused_before_the_preflight_runs(estate, name, extra, option):
    refused = play(estate, name, **extra)
    assert refused.rc != 0 and option in failures(refused), refused.stdout[-3000:]
    ran = [t["task"]["name"] for p in refused.json["plays"] for t in p["tasks"]]
    assert not [n for n in ran if "preflight" in n.lower() or "hosts.equiv" in n], ran
    for host in HOSTS:  # no server was asked anything: the preflight's probe never ran
        assert calls(estate, host) == [], host


def test_stop_then_restart_stops_the_services_everywhere_first_and_the_sync_brings_every_row_back(estate):
    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120')")
    assert estate.rows("lab-report") == estate.rows("lab-main")
    stopped = play(estate, "replication_stop.yml", replication_confirm=True)
    assert stopped.rc == 0, stopped.stdout[-3000:]
    assert not labctl.er_state(estate.root)["servers"]["g_ol_main"]["running"]
    estate.sql_on("lab-main", "insert into stats_calls values ('c2', '2026-12-02', '95');"
                              "insert into stats_calls values ('c3', '2026-12-02', '61')")

    unasked = play(estate, "replication_restart.yml", replication_confirm=True)  # the HPPC Group first (§8.1.3.1)
    assert unasked.rc != 0 and "HPPC Group" in failures(unasked)

    restarted = play(estate, "replication_restart.yml", replication_confirm=True, replication_hppc_group_offline=True,
                     replication_restart_sync="report_data_all", replication_poll_interval=1)
    assert restarted.rc == 0, restarted.stdout[-3000:]
    restart = next(c for c in calls(estate, "lab-main") if c["module"] == "win_powershell" and any(
        "cleanstart" in (op.get("argv") or []) for op in c["args"]["batch"]["ops"]))
    for host in HOSTS:  # every participating server's services fully stopped before the restart, in order
        services = [(c["args"]["name"], c["args"]["state"], c["time"]) for c in calls(estate, host)
                    if c["module"] == "win_service"]
        before = [(n, s) for n, s, t in services if t < restart["time"]]
        assert before[-2:] == [(SERVICES[0], "stopped"), (SERVICES[1], "stopped")], (host, services)
        assert all(service_state(estate, host, name) == "running" for name in SERVICES)
    result = restarted.result("Bring the replication to the state wanted (§7.1.2-§7.1.3.1, §8.1) - restarted")
    assert result["commands"] == ["cdr cleanstart"] and result["buffer"]["queued_bytes"] == 0
    # the restart lost c2 and c3 from the queue; the sync of §7.1.3.1 step 6 brought them back
    assert estate.rows("lab-report") == estate.rows("lab-main") and len(estate.rows("lab-main")) == 3
    assert service_state(estate, "lab-report", SERVICES[1]) == "running"


def test_sync_stops_at_run_for_hours_continues_and_autopa_runs_again_after_each_and_after_a_failure(estate):
    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120')")
    estate.sql_on("lab-report", "delete from stats_calls")
    labctl.er_configure(estate.root, sync_seconds_per_replicate=2)
    first = play(estate, "replication_sync.yml", replication_sync_kind="report_data_all",
                 replication_run_for_hours=0.0015, replication_poll_interval=1)
    assert first.rc == 0, first.stdout[-3000:]
    part = first.result("Synchronise with the main server (§7.2 steps 3-5) - report_data_all", "lab-report")
    assert part["stopped_at_deadline"] and 0 < part["percent_done"] < 100
    assert service_state(estate, "lab-report", SERVICES[1]) == "running"
    autopa = [c["args"]["state"] for c in calls(estate, "lab-report") if c["module"] == "win_service"]
    assert autopa == ["stopped", "started"]

    rest = play(estate, "replication_sync.yml", replication_sync_kind="report_data_continue",
                replication_poll_interval=1)
    assert rest.rc == 0, rest.stdout[-3000:]
    assert rest.result("Synchronise with the main server (§7.2 steps 3-5) - report_data_continue",
                       "lab-report")["percent_done"] == 100.0
    assert estate.rows("lab-report") == estate.rows("lab-main")
    assert service_state(estate, "lab-report", SERVICES[1]) == "running"

    refused = play(estate, "replication_sync.yml", replication_sync_kind="report_data_all",
                   oscc_replication_replicate_sets={"report_data": "oscc_nothing"})
    assert refused.rc != 0 and "oscc_nothing" in failures(refused)
    services = [c for c in calls(estate, "lab-report") if c["module"] == "win_service"]
    assert len(services) == 4  # refused by the probe: AutoPA was not touched

    main_env = dict(estate.env, **labctl.environment(estate.root, "main", "ol_main"))
    subprocess.run(["cdr", "stop"], env=main_env, check=True)
    failed = play(estate, "replication_sync.yml", replication_sync_kind="report_data_all", replication_poll_interval=1)
    assert failed.rc != 0 and "failed" in failures(failed)
    assert [c["args"]["state"] for c in calls(estate, "lab-report") if c["module"] == "win_service"][4:] == \
        ["stopped", "started"]
    assert service_state(estate, "lab-report", SERVICES[1]) == "running"


def test_the_sync_refuses_while_the_report_server_keeps_data_for_a_shorter_time(estate, tmp_path):
    retention = tmp_path / "retention.yml"
    retention.write_text("all:\n  hosts:\n    lab-main:\n      oscc_report_retention_days: {contacts: 365, calls: 90}\n"
                         "    lab-report:\n      oscc_report_retention_days: {contacts: 90, calls: 400}\n")
    refused = estate.playbook(os.path.join(PLAYBOOKS, "replication_sync.yml"), "-i", str(retention), limit=LIMIT)
    assert refused.rc != 0 and "keeps contacts for a shorter time than lab-main" in failures(refused)
    assert not [c for c in calls(estate, "lab-report") if c["module"] == "win_service"]  # AutoPA never stopped
    accepted = estate.playbook(os.path.join(PLAYBOOKS, "replication_sync.yml"), "-i", str(retention), limit=LIMIT,
                               extra={"replication_accept_shorter_retention": True, "replication_poll_interval": 1})
    assert accepted.rc == 0, accepted.stdout[-3000:]
    warning = accepted.result("Warn which synchronised data the next data maintenance would drop (§7.2 note)",
                              "lab-report")["msg"]
    assert "contacts: kept 90 days here but 365 on lab-main" in " ".join(warning.split()) and "calls" not in warning


@pytest.mark.parametrize("name,extra", [
    ("replication_pause.yml", {}),
    ("replication_resume.yml", {}),
    ("replication_stop.yml", {"replication_confirm": True}),
    ("replication_restart.yml", {"replication_confirm": True, "replication_hppc_group_offline": True}),
    ("replication_sync.yml", {}),
    ("replace_main_server.yml", {"replication_confirm": True}),
])
def test_a_clock_offset_of_2_5_seconds_stops_every_playbook_before_any_change(estate, name, extra):
    labctl.set_clock_offset(estate.root, "report", 2.5)
    run = play(estate, name, **extra)
    assert run.rc != 0 and "2.5" in failures(run), run.stdout[-3000:]
    assert replication_changes(estate) == []


def test_replace_main_server_restores_the_last_backup_or_lists_the_reconfiguration(estate, tmp_path):
    missing = play(estate, "replace_main_server.yml", replication_confirm=True)
    assert missing.rc != 0 and "§7.4.1" in failures(missing) and "no verified backup" in failures(missing)
    backup = estate.playbook(os.path.join(PLAYBOOKS, "backup.yml"), limit="lab-main")
    assert backup.rc == 0, backup.stdout[-3000:]
    archived = labctl.data(estate.root, "main")
    estate.sql_on("lab-main", "insert into agents values ('1099', 'Lost Agent', 'ready')")
    replaced = play(estate, "replace_main_server.yml", replication_confirm=True)
    assert replaced.rc == 0, replaced.stdout[-3000:]
    assert labctl.data(estate.root, "main")["hppc"]["agents"] == archived["hppc"]["agents"]
    assert "licence" in replaced.stdout


def test_the_restore_playbook_checks_the_server_it_restores_first(estate):
    # the estate as it runs: every hosts.equiv lists its partners (§7.3 steps 4-5)
    assert play(estate, "replication_resume.yml", replication_scope="all").rc == 0
    backup = estate.playbook(os.path.join(PLAYBOOKS, "backup.yml"), limit="lab-main")
    assert backup.rc == 0, backup.stdout[-3000:]
    labctl.set_clock_offset(estate.root, "main", -2.5)
    before = labctl.data(estate.root, "main")
    refused = estate.playbook(os.path.join(PLAYBOOKS, "restore.yml"), limit="lab-main",
                              extra={"informix_restore_confirm": True})
    assert refused.rc != 0 and "2.5" in failures(refused), refused.stdout[-3000:]
    assert labctl.data(estate.root, "main") == before
    assert not [c for c in calls(estate, "lab-main") if c["module"] == "win_service"]
    labctl.set_clock_offset(estate.root, "main", 0.4)
    restored = estate.playbook(os.path.join(PLAYBOOKS, "restore.yml"), limit="lab-main",
                               extra={"informix_restore_confirm": True})
    assert restored.rc == 0, restored.stdout[-3000:]
