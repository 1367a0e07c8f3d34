"""The restore procedures of manual §8.6 end to end on the lab's estate: lab-main and lab-backup one warm-standby
cluster (the HPPC Group online on lab-main), lab-report the central report server, all three in one simulated
Enterprise Replication domain. What each playbook did is read from the calls every simulated server recorded, in
order, and from the data and the cluster afterwards."""
import json
import os
import signal
import time

import labctl
import pytest
from playbook_lab import ROOT, Lab, batch_kind, replication_changes, replication_estate

PLAYBOOKS = os.path.join(ROOT, "playbooks")
LIMIT = "lab-main,lab-backup,lab-report"
LAB_HOST = {"lab-main": "main", "lab-backup": "backup", "lab-report": "report"}
SERVICES = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]
CONFIRM = {"informix_restore_confirm": True, "restore_poll_interval": 1}


@pytest.fixture
def cluster(estate):
    """The replication estate with lab-main and lab-backup as the nodes of one cluster."""
    labctl.init_cluster(estate.root)
    return estate


@pytest.fixture(scope="session")  # not module: a module fixture would keep the file's tests on one xdist worker
def backed_up_estate(tmp_path_factory):
    """The cluster estate with every server backed up, built and backed up once per worker; the folder."""
    lab = replication_estate(tmp_path_factory.mktemp("ha-restores-backed-up") / "lab")
    labctl.init_cluster(lab.root)
    for host in LAB_HOST:
        backup(lab, host)
    return lab.root


@pytest.fixture
def backed_up(backed_up_estate, tmp_path):
    """The cluster estate with every server backed up: a private copy of backed_up_estate, as if built here."""
    labctl.copy_lab(backed_up_estate, tmp_path / "lab")
    return Lab(tmp_path / "lab", "lab-main", build=False)


def play(lab, name, **extra):
    return lab.playbook(os.path.join(PLAYBOOKS, name), limit=LIMIT, extra=extra)


def backup(lab, host):
    run = lab.playbook(os.path.join(PLAYBOOKS, "backup.yml"), limit=host)
    assert run.rc == 0, run.stdout[-3000:]


def calls(lab, host):
    return labctl.windows_state(lab.root, LAB_HOST[host])["calls"]


def failures(run):
    return " ".join(str(r.get("msg")) for p in run.json["plays"] for t in p["tasks"]
                    for r in t["hosts"].values() if r.get("failed"))


def steps(lab, host):
    """What one server was asked to do, in order: services started or stopped, cluster cmdlets that change,
    restores, cdr commands that change and trcdbins -activate, each with its time."""
    found = []
    for call in calls(lab, host):
        if call["module"] == "win_service":
            found.append((f"{call['args']['state']} {call['args']['name']}", call["time"]))
            continue
        batch = (call["args"] or {}).get("batch") or {}
        if not batch.get("ops"):
            continue
        if batch_kind(batch) == "restore":
            found.append(("restore", call["time"]))
        for op in batch["ops"]:
            argv = [a.rsplit("\\", 1)[-1].lower() for a in op.get("argv") or []]
            if op["op"] == "cmdlet" and op["name"] == "Start-ScheduledTask":  # the background synchronisation
                found.append(("sync started", call["time"]))
            elif op["op"] == "cmdlet" and op["name"].split("-")[0] in ("Start", "Stop", "Move", "Suspend", "Resume"):
                found.append((op["name"], call["time"]))
            elif argv[:1] == ["cdr.exe"] and argv[1] in ("sync", "check", "suspend", "resume", "stop", "start"):
                found.append((" ".join(["cdr", *argv[1:3]]), call["time"]))
            elif argv[:2] == ["trcdbins.exe", "-activate"]:
                found.append(("trcdbins -activate", call["time"]))
    return found


def names(found):
    return [name for name, _time in found]


def service_states(lab, host):
    return {n: s["state"] for n, s in labctl.windows_state(lab.root, LAB_HOST[host])["services"].items()
            if n in SERVICES}


def test_restore_standby_keeps_the_active_node_serving_but_for_the_sync_window(cluster):
    backup(cluster, "lab-backup")
    cluster.sql_on("lab-main", "insert into agents values ('1099', 'Nina Vogt', 'ready')")  # after the backup
    assert cluster.rows("lab-backup", "agents") == cluster.rows("lab-main", "agents")

    run = play(cluster, "restore_standby.yml", **CONFIRM)
    assert run.rc == 0, run.stdout[-4000:]

    standby = steps(cluster, "lab-backup")
    assert names(standby) == ["Suspend-ClusterNode", f"stopped {SERVICES[0]}", f"stopped {SERVICES[1]}", "restore",
                              "Stop-ClusterGroup", f"stopped {SERVICES[0]}", f"stopped {SERVICES[1]}",
                              "sync started", f"started {SERVICES[0]}", f"started {SERVICES[1]}",
                              "Start-ClusterGroup", "Resume-ClusterNode"], standby
    active = steps(cluster, "lab-main")
    assert names(active) == [f"stopped {SERVICES[0]}", f"stopped {SERVICES[1]}",
                             f"started {SERVICES[0]}", f"started {SERVICES[1]}"], active
    when = dict(standby)
    restored = when["restore"]
    sync_start, sync_end = run.span("Synchronise with the other node (§8.2 step 6)")
    assert sync_start <= when["sync started"] <= sync_end
    # the active node served through the pause and the restore: its services stopped after the restore,
    # around the synchronisation only (§8.6.1)
    assert restored < active[1][1] < sync_start and sync_end < active[2][1]
    state = labctl.cluster_state(cluster.root)
    assert state["groups"]["HPPC Group"]["state"] == "Online"
    assert state["groups"]["HPPC Group"]["owner"] == "lab-main"
    assert state["nodes"]["lab-backup"]["state"] == "Up"
    assert cluster.rows("lab-backup", "agents") == cluster.rows("lab-main", "agents")
    assert ["1099", "Nina Vogt", "ready"] in cluster.rows("lab-backup", "agents")
    assert set(service_states(cluster, "lab-main").values()) == {"running"}
    assert set(service_states(cluster, "lab-backup").values()) == {"running"}


@pytest.mark.parametrize("data_sync", ["none", "report_data_recent"])
def test_restore_central_report_keeps_main_and_backup_serving(cluster, data_sync):
    backup(cluster, "lab-report")
    cluster.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120');"
                               "insert into agents values ('1099', 'Nina Vogt', 'ready')")  # after the backup
    run = play(cluster, "restore_central_report.yml", restore_report_data_sync=data_sync, **CONFIRM)
    assert run.rc == 0, run.stdout[-4000:]

    report = names(steps(cluster, "lab-report"))
    syncs = ["sync started"] * (1 if data_sync == "none" else 2)  # §8.3 with main, or §8.4 with main and backup
    assert report == [f"stopped {SERVICES[0]}", f"stopped {SERVICES[1]}", "restore", *syncs,
                      f"started {SERVICES[0]}", f"started {SERVICES[1]}"], report
    activated = ["trcdbins -activate"] if data_sync == "none" else []
    assert names(steps(cluster, "lab-main")) == activated  # the active node: nothing else, its services ran on
    assert names(steps(cluster, "lab-backup")) == []
    if data_sync == "none":  # §8.6.2 step 4b: the administration data of §8.3
        assert cluster.rows("lab-report", "agents") == cluster.rows("lab-main", "agents")
    # the report data comes back only when it is synchronised (§8.6.2 step 3)
    assert (["c1", "2026-12-02", "120"] in cluster.rows("lab-report")) == (data_sync != "none")
    assert set(service_states(cluster, "lab-report").values()) == {"running"}
    assert set(service_states(cluster, "lab-main").values()) == {"running"}


def restores(lab, host):
    return names(steps(lab, host)).count("restore")


def test_restore_estate_restores_in_the_manuals_order_resynchronises_and_proves_the_data_equal(backed_up, tmp_path):
    backed_up.sql_on("lab-main", "insert into agents values ('1099', 'Nina Vogt', 'ready')")  # lost by the restore
    record = tmp_path / "progress.json"
    run = play(backed_up, "restore_estate.yml", restore_estate_progress_file=str(record), **CONFIRM)
    assert run.rc == 0, run.stdout[-4000:]

    stop, start = [f"stopped {SERVICES[0]}", f"stopped {SERVICES[1]}"], [f"started {SERVICES[0]}",
                                                                        f"started {SERVICES[1]}"]
    found = {host: steps(backed_up, host) for host in LAB_HOST}
    assert names(found["lab-main"]) == ["Stop-ClusterGroup", *stop, "restore", *start, "Start-ClusterGroup"]
    for host in ("lab-backup", "lab-report"):  # §8.2 on the backup server, §8.3 on the central report server
        assert names(found[host]) == [*stop, "restore", "sync started", *start], (host, found[host])
    when = {host: {name: t for name, t in reversed(found[host])} for host in LAB_HOST}  # each name's first time
    # every service stopped before the first restore (§8.6.3 step 2), the restores in the manual's order, both
    # synchronisations after the last restore and before any service started again
    assert max(when[h][stop[1]] for h in LAB_HOST) < when["lab-main"]["restore"] < when["lab-backup"]["restore"] \
        < when["lab-report"]["restore"] < when["lab-backup"]["sync started"] < when["lab-report"]["sync started"] \
        < min(when[h][start[0]] for h in LAB_HOST)
    for host in ("lab-backup", "lab-report"):
        assert backed_up.rows(host, "agents") == backed_up.rows("lab-main", "agents")
    assert ["1099", "Nina Vogt", "ready"] not in backed_up.rows("lab-main", "agents")
    proof = run.result("Prove the estate equal - the same row counts everywhere, every partner replicating")
    assert not proof.get("failed")
    counts = {h: r["row_counts"] for h in LAB_HOST for n, r in run.results(h) if n.endswith("count the replicated "
                                                                                            "tables' rows, read-only")}
    assert counts["lab-main"] == counts["lab-backup"] == counts["lab-report"] == {"agents": 2, "routing": 2}, counts
    table = run.result("Report the recovery time of each step")["msg"]
    assert [s["step"][:15] for s in table].count("§8.6.3 step 3: ") == 3
    assert {s["host"] for s in table if "step 3" in s["step"]} == set(LAB_HOST)
    assert all(float(s["seconds"]) >= 0 for s in table)
    state = labctl.cluster_state(backed_up.root)
    assert state["groups"]["HPPC Group"]["state"] == "Online"


def estate_killed_after_main_was_restored(backed_up, tmp_path):
    """On the estate with every server backed up, restore_estate.yml killed (the controller and its workers) halfway
    through step 3, once its progress record says lab-main was restored. The record's path."""
    record = tmp_path / "progress.json"
    extra = dict(CONFIRM, restore_estate_progress_file=str(record))
    controller = backed_up.playbook(os.path.join(PLAYBOOKS, "restore_estate.yml"), limit=LIMIT, extra=extra,
                                    background=True)
    deadline = time.time() + 300
    while time.time() < deadline and controller.poll() is None:
        if record.exists() and "lab-main" in json.loads(record.read_text())["restored"]:
            break
        time.sleep(0.1)
    os.killpg(controller.pid, signal.SIGKILL)
    controller.communicate()
    return record


def test_restore_estate_killed_halfway_resumes_without_restoring_a_server_twice(backed_up, tmp_path):
    record = estate_killed_after_main_was_restored(backed_up, tmp_path)
    extra = dict(CONFIRM, restore_estate_progress_file=str(record))
    halfway = json.loads(record.read_text())
    assert halfway["restored"][:1] == ["lab-main"] and not halfway["finished"], halfway
    assert restores(backed_up, "lab-report") == 0

    again = play(backed_up, "restore_estate.yml", **extra)
    assert again.rc == 0, again.stdout[-4000:]
    assert "already restored lab-main" in again.stdout
    assert restores(backed_up, "lab-main") == 1  # finished before the kill: not restored again
    assert restores(backed_up, "lab-report") == 1
    done = json.loads(record.read_text())
    assert done["finished"] and done["restored"][0] == "lab-main" and sorted(done["restored"]) == sorted(LAB_HOST)


def test_restore_estate_refuses_a_record_changed_by_hand(cluster, tmp_path):
    record = tmp_path / "progress.json"
    body = {"format": 1, "servers": ["lab-main"], "restored": [], "steps": [], "finished": False,
            "manifest": "latest", "started": "2026-12-07T10:00:00", "checksum": "0" * 64}
    record.write_text(json.dumps(body))
    run = play(cluster, "restore_estate.yml", restore_estate_progress_file=str(record),
               restore_estate_servers=["lab-main"], **CONFIRM)
    assert run.rc != 0 and "restore_estate_progress_file: " in failures(run) and "checksum" in failures(run)
    assert all(calls(cluster, host) == [] for host in LAB_HOST)


def test_restore_estate_synchronises_the_restored_node_from_the_one_that_was_not(backed_up, tmp_path):
    # written after the backups on the active main server and replicated: the healthy backup server holds it
    backed_up.sql_on("lab-main", "insert into agents values ('1501', 'After Backup', 'ready')")
    labctl.er_pump(backed_up.root)
    run = play(backed_up, "restore_estate.yml", restore_estate_progress_file=str(tmp_path / "progress.json"),
               restore_estate_servers=["lab-main", "lab-report"], **CONFIRM)
    assert run.rc == 0, run.stdout[-4000:]
    assert "sync started" in names(steps(backed_up, "lab-main"))  # §8.2 on the restored node
    assert "sync started" not in names(steps(backed_up, "lab-backup")) and restores(backed_up, "lab-backup") == 0
    for host in LAB_HOST:
        assert ["1501", "After Backup", "ready"] in backed_up.rows(host, "agents"), host


def test_restore_estate_refuses_a_signed_record_that_names_no_chain(backed_up, tmp_path):
    import hashlib
    record = tmp_path / "progress.json"
    body = {"format": 1, "servers": list(LAB_HOST), "restored": list(LAB_HOST), "steps": [], "finished": False,
            "manifest": "latest", "started": "2026-12-07T10:00:00"}
    key = "lab manifest key - not a secret, lab only"  # the inventory's: anyone running the playbook has it
    body["checksum"] = hashlib.sha256((json.dumps(body, sort_keys=True) + key).encode()).hexdigest()
    record.write_text(json.dumps(body))
    run = play(backed_up, "restore_estate.yml", restore_estate_progress_file=str(record), **CONFIRM)
    assert run.rc != 0 and failures(run).startswith("restore_estate_progress_file: "), failures(run)
    assert "chains" in failures(run) and "\n" not in failures(run).strip()
    assert all(steps(backed_up, host) == [] for host in LAB_HOST)


def test_restore_estate_refuses_the_unfinished_record_of_an_older_incident(backed_up, tmp_path):
    record = estate_killed_after_main_was_restored(backed_up, tmp_path)
    extra = dict(CONFIRM, restore_estate_progress_file=str(record))
    # brought back by hand; later new backups, then a new incident with the same (default) record
    for host in LAB_HOST:
        backed_up.task("ansible.windows.win_service", {"name": SERVICES[0], "state": "started"}, tmp_path, host=host)
    backed_up.task("oscc.admin.failover_cluster", {"state": "online"}, tmp_path, host="lab-main")
    for host in LAB_HOST:
        backup(backed_up, host)
    before = {host: len(steps(backed_up, host)) for host in LAB_HOST}
    run = play(backed_up, "restore_estate.yml", **extra)
    assert run.rc != 0 and failures(run).startswith("restore_estate_progress_file: "), failures(run)
    assert "restored lab-main" in failures(run) and "chains" in failures(run)
    assert {host: len(steps(backed_up, host)) for host in LAB_HOST} == before  # nothing stopped, nothing restored
    assert labctl.cluster_state(backed_up.root)["groups"]["HPPC Group"]["state"] == "Online"


@pytest.mark.parametrize("extra,option", [({}, "restore_estate_servers: lab-main cannot be restored"),
                                          ({"restore_estate_compare_tables": ["nosuch_table"]},
                                           "restore_estate_compare_tables: nosuch_table")])
def test_restore_estate_refuses_before_step_1_what_it_could_not_finish(request, tmp_path, extra, option):
    lab = request.getfixturevalue("backed_up" if extra else "cluster")  # the table check needs chains; the other none
    run = play(lab, "restore_estate.yml", restore_estate_progress_file=str(tmp_path / "progress.json"),
               **dict(CONFIRM, **extra))
    refusals = [str(r.get("msg")) for p in run.json["plays"] for t in p["tasks"] if t["task"]["name"].startswith(
        "Refuse") for r in t["hosts"].values() if r.get("failed")]  # the plan's own failure is rescued into these
    assert run.rc != 0 and any(m.startswith(option) for m in refusals), failures(run)
    assert all("\n" not in m.strip() for m in refusals)
    assert all(steps(lab, host) == [] for host in LAB_HOST)
    assert all(set(service_states(lab, host).values()) == {"running"} for host in LAB_HOST)
    assert labctl.cluster_state(lab.root)["groups"]["HPPC Group"]["state"] == "Online"


def test_restore_estate_check_mode_shows_each_servers_chain_and_changes_nothing(backed_up, tmp_path):
    since = time.time()
    record = tmp_path / "progress.json"
    run = backed_up.playbook(os.path.join(PLAYBOOKS, "restore_estate.yml"), limit=LIMIT, check=True,
                             extra=dict(CONFIRM, restore_estate_progress_file=str(record)))
    assert run.rc == 0, run.stdout[-4000:]
    # win_service is asked in check mode too: what counts is that no service, group or data changed
    assert [c for c in replication_changes(backed_up, since) if c[1] != "win_service"] == [] and not record.exists()
    assert all(restores(backed_up, host) == 0 for host in LAB_HOST)
    assert all(set(service_states(backed_up, host).values()) == {"running"} for host in LAB_HOST)
    assert labctl.cluster_state(backed_up.root)["groups"]["HPPC Group"]["state"] == "Online"
    plans = {h: r["msg"] for h in LAB_HOST for n, r in run.results(h) if n.endswith("Report the restore")}
    assert set(plans) == set(LAB_HOST) and all(m.startswith("Would restore ") for m in plans.values()), plans


@pytest.mark.parametrize("text,reason", [('{"format": 1, "servers": ["lab-main"], "restored": [', "it is truncated"),
                                         ("servers: lab-main", "it is not JSON")])
def test_restore_estate_refuses_a_truncated_or_non_json_record_in_one_line(cluster, tmp_path, text, reason):
    record = tmp_path / "progress.json"
    record.write_text(text)
    run = play(cluster, "restore_estate.yml", restore_estate_progress_file=str(record),
               restore_estate_servers=["lab-main"], **CONFIRM)
    assert run.rc != 0 and "restore_estate_progress_file: " in failures(run) and reason in failures(run)
    assert "\n" not in failures(run).strip()
    assert all(calls(cluster, host) == [] for host in LAB_HOST)


@pytest.mark.parametrize("name", ["restore_standby.yml", "restore_central_report.yml", "restore_estate.yml"])
def test_missing_confirm_is_refused_before_any_server_is_asked(cluster, name):
    run = play(cluster, name, restore_poll_interval=1)
    assert run.rc != 0 and "informix_restore_confirm must be true" in failures(run), run.stdout[-3000:]
    assert all(calls(cluster, host) == [] for host in LAB_HOST)


@pytest.mark.parametrize("name", ["restore_standby.yml", "restore_central_report.yml", "restore_estate.yml"])
def test_a_clock_offset_of_2_5_seconds_stops_before_any_change(cluster, name, tmp_path):
    labctl.set_clock_offset(cluster.root, "report", 2.5)
    run = play(cluster, name, restore_estate_progress_file=str(tmp_path / "progress.json"), **CONFIRM)
    assert run.rc != 0 and "2.5" in failures(run), run.stdout[-3000:]
    assert replication_changes(cluster) == []
    assert not (tmp_path / "progress.json").exists()


@pytest.mark.parametrize("name,extra,option", [
    ("restore_standby.yml", {"restore_standby_node": "lab-report"}, "restore_standby_node"),
    ("restore_central_report.yml", {"restore_report_data_sync": "everything"}, "restore_report_data_sync"),
    ("restore_estate.yml", {"restore_estate_servers": ["lab-nowhere"]}, "restore_estate_servers"),
    ("restore_estate.yml", {"restore_estate_compare_tables": []}, "restore_estate_compare_tables"),
    # review 20b B7: a bad name failed halfway, the node paused and OSCC stopped; B5: -5 was taken
    ("restore_standby.yml", {"oscc_services": [SERVICES[0], "..\\..\\x"]}, "oscc_services"),
    ("restore_standby.yml", {"oscc_services": SERVICES[0]}, "oscc_services"),
    ("restore_central_report.yml", {"restore_poll_interval": -5}, "restore_poll_interval"),
    ("restore_central_report.yml", {"restore_poll_interval": "soon"}, "restore_poll_interval"),
])
def test_bad_inputs_get_one_line_errors_naming_the_option_before_any_server_is_asked(cluster, name, extra, option):
    run = play(cluster, name, **dict(CONFIRM, **extra))
    assert run.rc != 0 and failures(run).startswith(option) and "\n" not in failures(run), failures(run)
    assert all(calls(cluster, host) == [] for host in LAB_HOST)


def test_restore_standby_of_the_active_node_moves_the_group_away_first(cluster):
    backup(cluster, "lab-main")
    run = play(cluster, "restore_standby.yml", restore_standby_node="lab-main", **CONFIRM)
    assert run.rc == 0, run.stdout[-4000:]
    restored = names(steps(cluster, "lab-main"))
    assert restored[:4] == ["Move-ClusterGroup", "Suspend-ClusterNode", f"stopped {SERVICES[0]}",
                            f"stopped {SERVICES[1]}"], restored
    assert restored[-1] == "Resume-ClusterNode" and restored.count("restore") == 1
    state = labctl.cluster_state(cluster.root)
    assert state["groups"]["HPPC Group"] == dict(state["groups"]["HPPC Group"], owner="lab-backup", state="Online")
    assert state["nodes"]["lab-main"]["state"] == "Up"


def test_restore_standby_after_a_failover_restores_the_node_in_standby_not_the_serving_one(cluster, tmp_path):
    """Review 20b B12: the default node was the first of oscc_backup, the node serving after a failover: the
    contact center was failed over to the stale node and the serving node restored."""
    backup(cluster, "lab-main")
    moved = cluster.task("oscc.admin.failover_cluster", {"owner": "lab-backup"}, tmp_path)[1]
    assert moved["changed"], moved
    begin = time.time()
    run = play(cluster, "restore_standby.yml", **CONFIRM)
    assert run.rc == 0, run.stdout[-4000:]

    def since(host):
        return [name for name, at in steps(cluster, host) if at >= begin]
    restored = since("lab-main")
    assert restored[:3] == ["Suspend-ClusterNode", f"stopped {SERVICES[0]}", f"stopped {SERVICES[1]}"], restored
    assert restored.count("restore") == 1 and restored[-1] == "Resume-ClusterNode", restored
    serving = since("lab-backup")
    assert "restore" not in serving and "Suspend-ClusterNode" not in serving, serving
    assert all("Move-ClusterGroup" not in since(h) for h in LAB_HOST), "the contact center was failed over"
    state = labctl.cluster_state(cluster.root)
    assert state["groups"]["HPPC Group"] == dict(state["groups"]["HPPC Group"], owner="lab-backup", state="Online")
    assert state["nodes"]["lab-main"]["state"] == "Up"


def nodes_named_as_windows_reports_them(lab):
    """The cluster's node names in upper case (LAB-MAIN), the inventory's in lower case (lab-main)."""
    def rename(data):
        data["nodes"] = {name.upper(): node for name, node in data["nodes"].items()}
        for group in data["groups"].values():
            group["owner"] = group["owner"].upper()
    labctl._change_cluster(lab.root, rename)


def test_restore_central_report_activates_on_the_active_node_named_otherwise_by_the_cluster(cluster):
    """Review 20b B9: the owner compared exactly with the inventory name skipped trcdbins -activate (§8.6.2 step 4a)
    when the names differ in case or domain, and the play ended rc 0."""
    backup(cluster, "lab-report")
    nodes_named_as_windows_reports_them(cluster)
    assert labctl.cluster_state(cluster.root)["groups"]["HPPC Group"]["owner"] == "LAB-MAIN"
    run = play(cluster, "restore_central_report.yml", **CONFIRM)
    assert run.rc == 0, run.stdout[-4000:]
    assert names(steps(cluster, "lab-main")) == ["trcdbins -activate"]
    assert names(steps(cluster, "lab-backup")) == []


def test_restore_central_report_without_an_active_node_is_refused_before_any_service_stops(cluster, tmp_path):
    """Review 20b B9: no node of the two active (the group offline) skipped the activation instead of failing."""
    backup(cluster, "lab-report")
    offline = cluster.task("oscc.admin.failover_cluster", {"state": "offline"}, tmp_path)[1]
    assert offline["changed"], offline
    begin = time.time()
    run = play(cluster, "restore_central_report.yml", **CONFIRM)
    message = failures(run)
    assert run.rc != 0 and message.startswith("restore_report_data_sync=none needs trcdbins -activate"), message
    assert "\n" not in message and "nothing was changed" in message, message
    assert replication_changes(cluster, begin, files=False) == []
    assert all(t < begin for h in LAB_HOST for _name, t in steps(cluster, h)), "a change before the refusal"
    assert set(service_states(cluster, "lab-report").values()) == {"running"}


def test_restore_central_report_without_a_backup_chain_stops_no_service(cluster):
    """Review 20b B5: the report server's OSCC and AutoPA were stopped, then the restore found no chain."""
    begin = time.time()
    run = play(cluster, "restore_central_report.yml", **CONFIRM)
    assert run.rc != 0 and "no verified backup chain" in failures(run), run.stdout[-3000:]
    assert replication_changes(cluster, begin, files=False) == []
    assert all(t < begin for h in LAB_HOST for _name, t in steps(cluster, h)), "a change before the refusal"
    assert set(service_states(cluster, "lab-report").values()) == {"running"}


@pytest.mark.parametrize("name", ["restore_standby.yml", "restore_central_report.yml"])
def test_check_mode_decides_and_plans_but_changes_nothing(backed_up, name):
    """The cluster read, the node decided and the restore planned in check mode too; nothing changes."""
    begin = time.time()
    run = backed_up.playbook(os.path.join(PLAYBOOKS, name), limit=LIMIT, check=True, extra=CONFIRM)
    assert run.rc == 0, failures(run) or run.stdout[-3000:]
    # win_service is asked in check mode (it only says what it would do): the services must still run
    asked = [(h, n) for h in LAB_HOST for n, t in steps(backed_up, h) if t >= begin]
    changed = [(h, n) for h, n in asked if not n.startswith(("stopped ", "started "))]
    assert changed == [] and all(set(service_states(backed_up, h).values()) == {"running"} for h in LAB_HOST), changed
    assert [c for c in replication_changes(backed_up, begin) if c[1] != "win_service"] == []
    state = labctl.cluster_state(backed_up.root)
    assert (state["groups"]["HPPC Group"]["owner"], state["groups"]["HPPC Group"]["state"]) == ("lab-main", "Online")
    assert {node["state"] for node in state["nodes"].values()} == {"Up"}


def test_replication_info_counts_rows_read_only_in_its_one_round_trip(cluster, tmp_path):
    args = {"row_counts": ["agents", "stats_calls", "nosuch"]}
    _run, (counted, refused) = cluster.tasks([("oscc.admin.replication_info", args),
                                              ("oscc.admin.replication_info", {"row_counts": ["agents;drop"]})],
                                             tmp_path)
    assert counted["remote_operations"] == 1 and not counted["changed"]
    assert counted["row_counts"] == {"agents": 2, "stats_calls": 0, "nosuch": None}
    assert list(counted["row_count_errors"]) == ["nosuch"] and "206" in counted["row_count_errors"]["nosuch"]
    assert refused["failed"] and refused["msg"].startswith("row_counts: 'agents;drop'")
