"""The restore procedures of manual §8.6 end to end on the lab's estate: lab-main and lab-backup one warm-standby
cluster (the HPPC Group online on lab-main), lab-report the central report server, all three in one simulated
Enterprise Replication domain. What each playbook did is read from the calls every simulated server recorded, in
order, and from the data and the cluster afterwards."""
import os

import labctl
import pytest
from playbook_lab import ROOT, batch_kind, replication_changes

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
