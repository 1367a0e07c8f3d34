"""The high-availability replication playbooks (manual §8.1-§8.2) end to end on the lab's estate: lab-main and
lab-backup the two nodes of the warm-standby cluster (the HPPC Group online on lab-main), lab-report the central
report server, all three in one simulated Enterprise Replication domain. Each procedure is read back from the calls
every simulated server recorded, host by host and in order, and from the cluster and the domain afterwards."""
import json
import os
import subprocess
import time

import labctl
import pytest
from playbook_lab import ROOT, Run, replication_changes, replication_estate

PLAYBOOKS = os.path.join(ROOT, "playbooks")
LIMIT = "lab-main,lab-backup,lab-report"
LAB_HOSTS = {"lab-main": "main", "lab-backup": "backup", "lab-report": "report"}
OSCC, AUTOPA = "OpenScape Contact Center", "OpenScape Contact Center AutoPA"
CHANGING_CDR = {"suspend", "resume", "stop", "start", "cleanstart", "disconnect", "connect", "sync", "check"}
STATE_TASK = "Bring the replication to the state wanted (§7.1.2-§7.1.3.1, §8.1) - "
DESTRUCTIVE = ["ha_replication_stop.yml", "ha_replication_restart.yml", "ha_central_reporting_restart.yml",
               "ha_replication_restart_all.yml", "ha_sync.yml"]


@pytest.fixture
def cluster_estate(tmp_path):
    lab = replication_estate(tmp_path / "lab")
    labctl.init_cluster(lab.root)
    return lab


def play(lab, name, **extra):
    return lab.playbook(os.path.join(PLAYBOOKS, name), limit=LIMIT, extra={"replication_poll_interval": 1, **extra})


def failures(run):
    return " ".join(str(r.get("msg")) for p in run.json["plays"] for t in p["tasks"]
                    for r in t["hosts"].values() if r.get("failed"))


def steps(lab, host, since=0.0):
    """What changed on one server after `since`, in the order it happened: services, cluster and task cmdlets that
    start, stop or move something, and cdr commands that change replication."""
    found = []
    for call in labctl.windows_state(lab.root, LAB_HOSTS[host])["calls"]:
        if call["time"] < since:
            continue
        if call["module"] == "win_service":
            found.append((call["time"], f"{call['args']['state']} {call['args']['name']}"))
            continue
        batch = (call["args"] or {}).get("batch") or {}
        for op in batch.get("ops", []) if isinstance(batch, dict) else []:
            argv = op.get("argv") or []
            if op["op"] == "cmdlet" and op["name"].startswith(("Start-", "Stop-", "Move-")):
                found.append((call["time"], op["name"]))
            elif op["op"] == "run" and argv[0].lower().endswith("cdr.exe") and argv[1] in CHANGING_CDR:
                found.append((call["time"], " ".join(["cdr", *argv[1:]])))
    return found


def names(found):
    return [name for _time, name in found]


def when(found, name):
    return next(t for t, n in found if n == name)


def all_unchanged(run):
    return all(run.stats(h)["changed"] == 0 for h in LAB_HOSTS)


def partner_states(lab, tmp_path, host="lab-main", scope="all"):
    result = lab.task("oscc.admin.replication_info", {"scope": scope}, tmp_path, host=host)[1]
    return {p["host"]: p["state"] for kind in result["kinds"].values() for p in kind["partners"]}


def test_pause_and_resume_high_availability_are_idempotent(cluster_estate, tmp_path):
    start = time.time()
    paused = play(cluster_estate, "ha_replication_pause.yml")
    assert paused.rc == 0, paused.stdout[-3000:]
    # §8.1.1: both directions between main and backup, from the main server; nothing on the others
    assert names(steps(cluster_estate, "lab-main", start)) == [
        "cdr suspend server g_ol_backup g_ol_main", "cdr suspend server g_ol_main g_ol_backup"]
    assert steps(cluster_estate, "lab-backup", start) == steps(cluster_estate, "lab-report", start) == []
    assert partner_states(cluster_estate, tmp_path, scope="high_availability") == {"lab-backup": "paused"}
    again = time.time()
    repeated = play(cluster_estate, "ha_replication_pause.yml")
    assert repeated.rc == 0 and all_unchanged(repeated), repeated.json["stats"]
    assert all(steps(cluster_estate, h, again) == [] for h in LAB_HOSTS)

    resumed = play(cluster_estate, "ha_replication_resume.yml")
    assert resumed.rc == 0, resumed.stdout[-3000:]
    assert partner_states(cluster_estate, tmp_path, scope="high_availability") == {"lab-backup": "active"}
    repeated = play(cluster_estate, "ha_replication_resume.yml")
    assert repeated.rc == 0 and all_unchanged(repeated), repeated.json["stats"]


def test_pausing_central_reporting_says_a_failover_restarts_it(cluster_estate):
    paused = play(cluster_estate, "ha_replication_pause.yml", replication_scope="central_reporting")
    assert paused.rc == 0, paused.stdout[-3000:]
    result = paused.result(STATE_TASK + "paused")
    assert "failover" in result["failover_note"] and "§8.1.2" in result["failover_note"]
    assert result["after"] == [dict(result["after"][0], host="lab-report", state="paused")]


@pytest.mark.parametrize("name,scope,ended,restart", [
    # §8.1.3 / §8.1.3.1: the connection to the backup closed, then the tool twice and the connection reset
    ("ha_replication_restart.yml", "high_availability", ["cdr disconnect server g_ol_backup"],
     ["cdr stop", "cdr cleanstart", "cdr connect server g_ol_backup"]),
    # §8.1.4 / §8.1.4.1: the same with the central report server
    ("ha_central_reporting_restart.yml", "central_reporting", ["cdr disconnect server g_ol_report"],
     ["cdr stop", "cdr cleanstart", "cdr connect server g_ol_report"]),
    # §8.1.5 / §8.1.5.1: all replication of the server stopped, then only restarted
    ("ha_replication_restart_all.yml", "all", ["cdr stop"], ["cdr cleanstart"]),
])
def test_stop_then_restart_follows_the_manual_host_by_host(cluster_estate, tmp_path, name, scope, ended, restart):
    lab = cluster_estate
    start = time.time()
    stopped = play(lab, "ha_replication_stop.yml", replication_confirm=True, replication_scope=scope)
    assert stopped.rc == 0, stopped.stdout[-3000:]
    assert names(steps(lab, "lab-main", start)) == ended
    assert steps(lab, "lab-backup", start) == steps(lab, "lab-report", start) == []
    again = time.time()
    repeated = play(lab, "ha_replication_stop.yml", replication_confirm=True, replication_scope=scope)
    assert repeated.rc == 0 and all_unchanged(repeated), repeated.json["stats"]
    assert all(steps(lab, h, again) == [] for h in LAB_HOSTS)

    lab.sql_on("lab-main", "insert into agents values ('1042', 'New Agent', 'ready')")
    begin = time.time()
    restarted = play(lab, name, replication_confirm=True)
    assert restarted.rc == 0, restarted.stdout[-3000:]
    main, backup, report = (steps(lab, h, begin) for h in LAB_HOSTS)
    # step 1 group offline, step 2 services on both nodes, steps 3-9 the tool, §8.2 steps 7-8 services and group
    assert names(main) == ["Stop-ClusterGroup", f"stopped {OSCC}", f"stopped {AUTOPA}", *restart,
                           f"started {OSCC}", f"started {AUTOPA}", "Start-ClusterGroup"], main
    # §8.2 steps 2-6 on the backup server (the admin data from the main server), §8.3 on the report server
    assert names(backup) == [f"stopped {OSCC}", f"stopped {AUTOPA}", "Start-ScheduledTask",
                             f"started {OSCC}", f"started {AUTOPA}"], backup
    assert names(report) == [f"stopped {OSCC}", "Start-ScheduledTask", f"started {OSCC}", f"started {AUTOPA}"], report
    # across the hosts: both nodes' services fully stopped before the tool; the syncs after the restart
    assert when(backup, f"stopped {AUTOPA}") < when(main, restart[0])
    assert when(main, restart[-1]) < when(backup, "Start-ScheduledTask") < when(report, "Start-ScheduledTask")
    assert when(report, f"started {AUTOPA}") < when(main, "Start-ClusterGroup")
    sync = restarted.result("Synchronise the administration data (§8.2, §8.3) with lab-main", "lab-backup")
    assert sync["commands"] == ["cdr sync replicateset --master=g_ol_main --replset=oscc_admin g_ol_backup"], sync
    # the manual's end state: the group online on the main server, OSCC running on both nodes, replication active
    cluster = labctl.cluster_state(lab.root)
    assert (cluster["groups"]["HPPC Group"]["owner"], cluster["groups"]["HPPC Group"]["state"]) == \
        ("lab-main", "Online")
    for host in ("main", "backup"):
        assert {labctl.windows_state(lab.root, host)["services"][s]["state"] for s in (OSCC, AUTOPA)} == {"running"}
    assert set(partner_states(lab, tmp_path).values()) == {"active"}
    assert lab.rows("lab-backup", "agents") == lab.rows("lab-main", "agents")


def test_sync_runs_on_the_node_that_was_down_with_the_group_offline(cluster_estate, tmp_path):
    lab = cluster_estate
    # the backup server was away too long: what the main server wrote since never reached it
    main_env = dict(lab.env, **labctl.environment(lab.root, "main", "ol_main"))
    subprocess.run(["cdr", "suspend", "server", "g_ol_backup", "g_ol_main"], env=main_env, check=True)
    lab.sql_on("lab-main", "insert into agents values ('1043', 'Late Agent', 'ready')")
    assert lab.rows("lab-backup", "agents") != lab.rows("lab-main", "agents")
    begin = time.time()
    synced = play(lab, "ha_sync.yml", replication_confirm=True)
    assert synced.rc == 0, synced.stdout[-3000:]
    main, backup, report = (steps(lab, h, begin) for h in LAB_HOSTS)
    # §8.2: step 1 group offline, step 2 OSCC (only) on every server, steps 3-6 on the backup, steps 7-8 back
    assert names(main) == ["Stop-ClusterGroup", f"stopped {OSCC}", f"started {OSCC}", "Start-ClusterGroup"], main
    assert names(backup) == [f"stopped {OSCC}", "Start-ScheduledTask", f"started {OSCC}"], backup
    assert names(report) == [f"stopped {OSCC}", f"started {OSCC}"], report
    assert max(when(h, f"stopped {OSCC}") for h in (main, report)) < when(backup, "Start-ScheduledTask")
    assert when(backup, "Start-ScheduledTask") < min(when(h, f"started {OSCC}") for h in (main, backup, report))
    assert lab.rows("lab-backup", "agents") == lab.rows("lab-main", "agents") != []
    cluster = labctl.cluster_state(lab.root)["groups"]["HPPC Group"]
    assert (cluster["owner"], cluster["state"]) == ("lab-main", "Online")


def test_after_a_failover_the_sync_runs_on_the_node_that_was_down_not_on_the_first_backup(cluster_estate, tmp_path):
    lab = cluster_estate
    # the main server failed, the backup took the group over and served; what it wrote never reached main
    moved = lab.task("oscc.admin.failover_cluster", {"owner": "lab-backup"}, tmp_path)[1]
    assert moved["changed"], moved
    backup_env = dict(lab.env, **labctl.environment(lab.root, "backup", "ol_backup"))
    subprocess.run(["cdr", "suspend", "server", "g_ol_main", "g_ol_backup"], env=backup_env, check=True)
    lab.sql_on("lab-backup", "insert into agents values ('1077', 'Written During Failover', 'ready')")
    served = lab.rows("lab-backup", "agents")
    assert served != lab.rows("lab-main", "agents")
    begin = time.time()
    synced = play(lab, "ha_sync.yml", replication_confirm=True)
    assert synced.rc == 0, synced.stdout[-3000:]
    main, backup, _report = (steps(lab, h, begin) for h in LAB_HOSTS)
    # §8.2 steps 3-6 on the main server (the one that was down), from the backup server that served
    assert names(backup) == [f"stopped {OSCC}", f"started {OSCC}"], backup
    assert names(main) == ["Stop-ClusterGroup", f"stopped {OSCC}", "Start-ScheduledTask", f"started {OSCC}",
                           "Start-ClusterGroup"], main
    sync = synced.result("Synchronise the administration data (§8.2, §8.3) with lab-backup", "lab-main")
    assert sync["commands"] == ["cdr sync replicateset --master=g_ol_backup --replset=oscc_admin g_ol_main"], sync
    # what the serving node wrote survives on both; the group is back on the node that served
    assert lab.rows("lab-main", "agents") == lab.rows("lab-backup", "agents") == served
    cluster = labctl.cluster_state(lab.root)["groups"]["HPPC Group"]
    assert (cluster["owner"], cluster["state"]) == ("lab-backup", "Online")


@pytest.mark.parametrize("owner", ["lab-main", "lab-backup"])
def test_a_sync_target_that_owns_the_group_is_refused_before_any_change(cluster_estate, tmp_path, owner):
    lab = cluster_estate
    if owner != "lab-main":
        assert lab.task("oscc.admin.failover_cluster", {"owner": owner}, tmp_path)[1]["changed"]
    rows = {h: lab.rows(h, "agents") for h in ("lab-main", "lab-backup")}
    begin = time.time()
    run = play(lab, "ha_sync.yml", replication_confirm=True, replication_ha_sync_node=owner)
    other = "lab-backup" if owner == "lab-main" else "lab-main"
    message = failures(run)
    assert run.rc != 0 and f"replication_ha_sync_node: {owner} owns HPPC Group" in message, run.stdout[-3000:]
    assert f"replication_ha_sync_node={other}" in message, message
    assert replication_changes(lab, begin) == []
    assert all(steps(lab, h, begin) == [] for h in LAB_HOSTS)
    cluster = labctl.cluster_state(lab.root)["groups"]["HPPC Group"]
    assert (cluster["owner"], cluster["state"]) == (owner, "Online")
    assert {h: lab.rows(h, "agents") for h in rows} == rows


def sync_with_the_group_changed_meanwhile(lab, tmp_path, group):
    """ha_sync.yml with a synchronisation long enough for another admin to act while it runs: as soon as it started
    on the backup, the group is changed as `group` says (failover_cluster's options). The run and that change."""
    labctl.er_configure(lab.root, sync_seconds_per_replicate=10)
    argv = {"replication_poll_interval": 1, "replication_confirm": True}
    proc = lab.playbook(os.path.join(PLAYBOOKS, "ha_sync.yml"), limit=LIMIT, extra=argv, background=True)
    moved = None
    deadline = time.time() + 240
    while moved is None and proc.poll() is None and time.time() < deadline:
        if "Start-ScheduledTask" in names(steps(lab, "lab-backup")):
            moved = lab.task("oscc.admin.failover_cluster", group, tmp_path, host="lab-main")[1]
        time.sleep(0.3)
    out, err = proc.communicate(timeout=600)
    assert moved is not None and moved["changed"], moved
    return Run(proc.returncode, out.decode(), err.decode())


def test_the_group_brought_online_on_the_target_during_the_sync_fails_it(cluster_estate, tmp_path):
    lab = cluster_estate
    # another admin brings the group online on the backup while it is synchronised
    run = sync_with_the_group_changed_meanwhile(lab, tmp_path, {"owner": "lab-backup", "state": "online"})
    message = failures(run)
    assert run.rc != 0, run.stdout[-3000:]
    assert "after the synchronisation of lab-backup" in message and "HPPC Group is Online on lab-backup" in message
    assert f"{OSCC} here is Running" in message and "run ha_sync.yml again" in message, message
    # never reported done: §8.2 steps 7-8 did not run
    ran = {t["task"]["name"] for p in run.json["plays"] for t in p["tasks"]}
    assert not {"Start OSCC (§8.2 step 7)", "HPPC Group online (§8.2 step 8)"} & ran, ran


def test_a_group_moved_while_offline_that_comes_online_on_the_synchronised_node_fails_the_sync(cluster_estate,
                                                                                              tmp_path):
    lab = cluster_estate
    # while the group is offline for the synchronisation, another admin moves it (still offline) to lab-backup
    run = sync_with_the_group_changed_meanwhile(lab, tmp_path, {"owner": "lab-backup"})
    message = failures(run)
    # §8.2 step 8 brought it online where it was moved: the node that served before does not serve any more
    assert run.rc != 0, run.stdout[-3000:]
    assert "HPPC Group came online on lab-backup, not on lab-main, the node that served before the " \
        "synchronisation of lab-backup (§8.2 step 8)" in message, message
    assert "move it back to lab-main" in message, message
    assert labctl.cluster_state(lab.root)["groups"]["HPPC Group"]["owner"] == "lab-backup"


def test_after_a_failover_the_restart_synchronises_the_main_server_from_the_backup_that_served(cluster_estate,
                                                                                               tmp_path):
    lab = cluster_estate
    # the main server failed, the backup took the group over and served; what it wrote never reached main
    moved = lab.task("oscc.admin.failover_cluster", {"owner": "lab-backup"}, tmp_path)[1]
    assert moved["changed"], moved
    stopped = play(lab, "ha_replication_stop.yml", replication_confirm=True)
    assert stopped.rc == 0, stopped.stdout[-3000:]
    backup_env = dict(lab.env, **labctl.environment(lab.root, "backup", "ol_backup"))
    subprocess.run(["cdr", "suspend", "server", "g_ol_main", "g_ol_backup"], env=backup_env, check=True)
    lab.sql_on("lab-backup", "insert into agents values ('1078', 'Written During Failover', 'ready')")
    served = lab.rows("lab-backup", "agents")
    assert served != lab.rows("lab-main", "agents")
    begin = time.time()
    restarted = play(lab, "ha_replication_restart.yml", replication_confirm=True)
    assert restarted.rc == 0, restarted.stdout[-3000:]
    main, backup, _report = (steps(lab, h, begin) for h in LAB_HOSTS)
    # §8.2 steps 3-6 on the main server, the node that did not serve, from the backup server that owns the group
    assert "Start-ScheduledTask" in names(main) and "Start-ScheduledTask" not in names(backup), (main, backup)
    sync = restarted.result("Synchronise the administration data (§8.2, §8.3) with lab-backup", "lab-main")
    assert sync["commands"] == ["cdr sync replicateset --master=g_ol_backup --replset=oscc_admin g_ol_main"], sync
    assert lab.rows("lab-main", "agents") == lab.rows("lab-backup", "agents") == served
    cluster = labctl.cluster_state(lab.root)["groups"]["HPPC Group"]
    assert (cluster["owner"], cluster["state"]) == ("lab-backup", "Online")


def test_a_restart_refuses_a_sync_target_that_owns_the_group_before_any_change(cluster_estate):
    lab = cluster_estate
    begin = time.time()
    run = play(lab, "ha_replication_restart.yml", replication_confirm=True, replication_ha_sync_node="lab-main")
    message = failures(run)
    assert run.rc != 0 and "replication_ha_sync_node: lab-main owns HPPC Group" in message, run.stdout[-3000:]
    assert "replication_ha_sync_node=lab-backup" in message, message
    assert replication_changes(lab, begin) == []
    assert all(steps(lab, h, begin) == [] for h in LAB_HOSTS)
    cluster = labctl.cluster_state(lab.root)["groups"]["HPPC Group"]
    assert (cluster["owner"], cluster["state"]) == ("lab-main", "Online")


@pytest.mark.parametrize("name", ["ha_replication_restart.yml", "ha_replication_restart_all.yml"])
def test_a_restart_of_a_replication_that_was_not_ended_is_refused_before_any_change(cluster_estate, name):
    """Review 20b B6: a second run (an AWX relaunch) with the replication active and the group online would take the
    contact center down again and cdr cleanstart the queues away; §8.1.3.1 restarts only what §8.1.3 ended."""
    lab = cluster_estate
    begin = time.time()
    run = play(lab, name, replication_confirm=True)
    message = failures(run)
    assert run.rc != 0 and message.startswith("replication_restart_force: "), run.stdout[-3000:]
    assert "\n" not in message and "nothing was changed" in message, message
    assert replication_changes(lab, begin, files=False) == []
    assert all(steps(lab, h, begin) == [] for h in LAB_HOSTS)
    group = labctl.cluster_state(lab.root)["groups"]["HPPC Group"]
    assert (group["owner"], group["state"]) == ("lab-main", "Online")


@pytest.mark.parametrize("name", ["ha_replication_pause.yml", "ha_replication_resume.yml", *DESTRUCTIVE])
def test_a_clock_offset_of_2_5_seconds_stops_every_ha_playbook_before_any_change(cluster_estate, name):
    labctl.set_clock_offset(cluster_estate.root, "backup", 2.5)
    run = play(cluster_estate, name, replication_confirm=True)
    assert run.rc != 0 and "2.5" in failures(run), run.stdout[-3000:]
    assert replication_changes(cluster_estate) == []
    assert labctl.cluster_state(cluster_estate.root)["groups"]["HPPC Group"]["state"] == "Online"


@pytest.mark.parametrize("name", DESTRUCTIVE)
def test_a_destructive_playbook_without_confirm_is_refused_before_any_server_is_asked(cluster_estate, name):
    run = play(cluster_estate, name)
    assert run.rc != 0 and "replication_confirm must be true" in failures(run), run.stdout[-3000:]
    assert all(labctl.windows_state(cluster_estate.root, h)["calls"] == [] for h in LAB_HOSTS.values())


@pytest.mark.parametrize("name,extra,option", [
    ("ha_replication_pause.yml", {"replication_scope": "everything"}, "replication_scope"),
    ("ha_replication_stop.yml", {"replication_confirm": "maybe"}, "replication_confirm"),
    ("ha_replication_restart.yml", {"replication_confirm": True, "replication_warm_standby_timeout": "soon"},
     "replication_warm_standby_timeout"),
    ("ha_sync.yml", {"replication_confirm": True, "replication_ha_sync_node": "lab-report"},
     "replication_ha_sync_node"),
])
def test_bad_inputs_get_one_line_errors_naming_the_option(cluster_estate, name, extra, option):
    run = play(cluster_estate, name, **extra)
    # validate_argument_spec heads its lines with "Validation of arguments failed:"; each problem is one line
    lines = [line for line in failures(run).splitlines() if option in line]
    assert run.rc != 0 and len(lines) == 1 and str(extra[option]) in lines[0], run.stdout[-3000:]
    assert all(labctl.windows_state(cluster_estate.root, h)["calls"] == [] for h in LAB_HOSTS.values())


def test_ha_sync_check_mode_says_what_it_would_check_and_raises_no_alarm(cluster_estate):
    run = cluster_estate.playbook(os.path.join(PLAYBOOKS, "ha_sync.yml"), limit=LIMIT, check=True,
                                  extra={"replication_confirm": True, "replication_poll_interval": 1})
    assert run.rc == 0, failures(run) or run.stdout[-3000:]
    assert "check mode: before the synchronisation of lab-backup a real run would check" in run.stdout
    assert "Find out who brought the group online" not in run.stdout
    assert labctl.cluster_state(cluster_estate.root)["groups"]["HPPC Group"]["state"] == "Online"
    for host in LAB_HOSTS.values():
        assert labctl.windows_state(cluster_estate.root, host)["services"][OSCC]["state"] == "running"


@pytest.mark.parametrize("extra,option,other", [
    ({"replication_confirm": True, "replication_ha_sync_node": "lab-main\nlab-backup"}, "replication_ha_sync_node",
     "replication_confirm"),
    ({"replication_confirm": "yes please"}, "replication_confirm", "replication_ha_sync_node"),
])
def test_ha_sync_refuses_each_bad_option_in_its_own_one_line_message(cluster_estate, extra, option, other):
    run = play(cluster_estate, "ha_sync.yml", **extra)
    message = failures(run)
    assert run.rc != 0 and message.startswith(option), message
    assert json.dumps(extra[option]) in message and other not in message, message
    assert len(message.splitlines()) == 1, message
    assert all(labctl.windows_state(cluster_estate.root, h)["calls"] == [] for h in LAB_HOSTS.values())


# Every high-availability playbook of chapter 8 with what it needs to get as far as its clock check.
HA_PLAYBOOKS = [
    ("ha_replication_pause.yml", LIMIT, {}),
    ("ha_replication_resume.yml", LIMIT, {}),
    *[(name, LIMIT, {}) for name in DESTRUCTIVE],
    ("restore_standby.yml", LIMIT, {}),
    ("restore_central_report.yml", LIMIT, {}),
    ("restore_estate.yml", LIMIT, {}),
    ("replace_cluster_node.yml", "lab-backup", {}),
    ("force_quorum.yml", "lab-main", {"failover_cluster_peer_addresses": ["127.0.1.22", "127.0.1.23"]}),
]


@pytest.mark.parametrize("name,limit,extra", HA_PLAYBOOKS, ids=[name for name, _limit, _extra in HA_PLAYBOOKS])
def test_a_report_server_clock_off_by_2_5_seconds_stops_every_ha_playbook_before_any_change(cluster_estate, tmp_path,
                                                                                             name, limit, extra):
    if name == "force_quorum.yml":  # §8.7's situation: the witness gone and the other node cut off
        labctl.set_witness(cluster_estate.root, False)
        labctl.set_reachable(cluster_estate.root, "backup", False)
    labctl.set_clock_offset(cluster_estate.root, "report", 2.5)
    run = cluster_estate.playbook(os.path.join(PLAYBOOKS, name), limit=limit, extra={
        "replication_poll_interval": 1, "restore_poll_interval": 1, "replication_confirm": True,
        "informix_restore_confirm": True, "failover_cluster_confirm": True,
        "restore_estate_progress_file": str(tmp_path / "estate.json"),
        "failover_cluster_progress_file": str(tmp_path / "node.json"), **extra})
    message = failures(run)
    assert run.rc != 0 and "2.5" in message and "nothing was changed" in message, message or run.stdout[-3000:]
    assert replication_changes(cluster_estate) == []
    if name != "force_quorum.yml":
        assert labctl.cluster_state(cluster_estate.root)["groups"]["HPPC Group"]["state"] == "Online"
