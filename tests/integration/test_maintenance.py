"""maintenance_shutdown.yml (manual §6.1 and the notes of §6) against the lab: what each server did is read from the
calls it recorded, in order - the OSCC services stopped before Informix, Informix off-line before the reboot, no
reboot while Informix runs, everything back afterwards, and on the warm-standby pair no failover."""
import json
import os
import time

import labctl
import pytest
import yaml
from labwatch import wait_until
from playbook_lab import LOCATION, ROOT, Lab, replication_estate

PLAYBOOK = os.path.join(ROOT, "playbooks", "maintenance_shutdown.yml")
OSCC = ("OpenScape Contact Center", "OpenScape Contact Center AutoPA")
CONFIRM = {"maintenance_confirm": True, "maintenance_timeout": 6}


def informix_service(server):
    return f"IBM Informix Database Server - {server}"


def steps(lab, host):
    """What the host did that stops, powers off or restarts, in order: (kind, name)."""
    found = []
    for call in labctl.windows_state(lab.root, host)["calls"]:
        if call["module"] == "win_reboot":
            found.append(("reboot", call["args"]["informix_mode_at_reboot"]))
        for op in ((call["args"] or {}).get("batch") or {}).get("ops", []):
            argv = list(op.get("argv") or [])
            argv[:1] = [os.path.basename(a.replace("\\", "/")) for a in argv[:1]]  # the program, not its path
            if op["op"] == "cmdlet" and op["name"] in ("Stop-Service", "Suspend-ClusterNode", "Resume-ClusterNode",
                                                        "Move-ClusterGroup"):
                names = (op.get("parameters") or {}).get("Name")
                found += [(op["name"], n) for n in (names if isinstance(names, list) else [names])]
            if argv[:2] == ["onmode.exe", "-ky"] or argv[:1] == ["shutdown.exe"]:
                found.append((argv[0], " ".join(argv[1:2])))
    return found


def services(lab, host):
    return {n: s["state"] for n, s in labctl.windows_state(lab.root, host)["services"].items()}




def failures(run):
    return [str(r.get("msg")) for play in run.json["plays"] for t in play["tasks"]
            for r in t["hosts"].values() if r.get("failed")]


@pytest.fixture
def main(tmp_path):
    return Lab(tmp_path / "lab", "lab-main")


def test_oscc_before_informix_before_the_reboot_and_everything_back(main):
    run = main.playbook(PLAYBOOK, extra=CONFIRM)
    assert run.rc == 0, failures(run) or run.stdout[-3000:]
    assert steps(main, "main") == [("Stop-Service", OSCC[0]), ("Stop-Service", OSCC[1]), ("onmode.exe", "-ky"),
                                   ("Stop-Service", informix_service("ol_main")), ("reboot", "Off-Line")]
    assert main.mode_rc() == 5
    assert set(services(main, "main").values()) == {"running"}
    checked = run.result("Check Informix On-Line and the services running after the restart")["checked"]
    assert checked == {"informix_mode": "On-Line",
                       "services": {informix_service("ol_main"): "Running", OSCC[0]: "Running", OSCC[1]: "Running"}}
    stop = run.result("Stop OSCC, then Informix (§6.1)")
    assert stop["remote_operations"] == 3 and stop["safe_to_power_off"]
    # a second run does it all again, in the same order, and ends with the server back
    again = main.playbook(PLAYBOOK, extra=CONFIRM)
    assert again.rc == 0, failures(again)
    assert [s for s in steps(main, "main") if s[0] == "reboot"] == [("reboot", "Off-Line")] * 2
    assert main.mode_rc() == 5


def test_informix_that_does_not_stop_stops_the_run_before_any_reboot(main):
    main.faults(onmode_ky_ignored=1)
    run = main.playbook(PLAYBOOK, extra=CONFIRM)
    assert run.rc != 0
    (message,) = failures(run)
    assert message.startswith(f"Informix service '{informix_service('ol_main')}' (ol_main) did not stop within 6 s")
    assert "\n" not in message
    assert not [s for s in steps(main, "main") if s[0] in ("reboot", "shutdown.exe")]
    assert main.mode_rc() == 5  # still up: nothing powered off under it
    assert services(main, "main")[OSCC[0]] == "stopped"
    # the next run, the fault used up, goes through and brings everything back
    again = main.playbook(PLAYBOOK, extra=CONFIRM)
    assert again.rc == 0, failures(again)
    assert [s for s in steps(main, "main") if s[0] == "reboot"] == [("reboot", "Off-Line")]
    assert set(services(main, "main").values()) == {"running"}


def test_check_mode_says_what_would_happen_and_changes_nothing(main):
    run = main.playbook(PLAYBOOK, "--diff", check=True)
    assert run.rc == 0, failures(run)
    stop = run.result("Stop OSCC, then Informix (§6.1)")
    assert stop["changed"] and stop["plan"][0] == f"stop service '{OSCC[0]}' and wait until Stopped"
    assert stop["plan"][-1] == "reboot Windows"
    assert stop["diff"]["after"]["informix"] == "Off-Line"
    assert steps(main, "main") == []
    assert main.mode_rc() == 5 and set(services(main, "main").values()) == {"running"}


def test_shutdown_powers_off_only_after_informix_stopped(main):
    run = main.playbook(PLAYBOOK, extra=dict(CONFIRM, maintenance_action="shutdown"))
    assert run.rc == 0, failures(run)
    assert steps(main, "main")[-2:] == [("Stop-Service", informix_service("ol_main")), ("shutdown.exe", "/s")]
    with open(os.path.join(main.paths["base"], "powered_off.json")) as handle:
        assert json.load(handle)["informix_mode"] == "Off-Line"


def test_refusals_in_one_line(tmp_path):
    lab = replication_estate(tmp_path / "lab")
    Lab(lab.root, "lab-linux")
    run = lab.playbook(PLAYBOOK, limit="lab-linux", extra=dict(CONFIRM, maintenance_hosts="lab-linux"))
    assert run.rc != 0 and failures(run)[0].startswith("maintenance: lab-linux is in none of the groups")
    unconfirmed = lab.playbook(PLAYBOOK, limit="lab-main")
    assert unconfirmed.rc != 0 and failures(unconfirmed)[0].startswith("maintenance: set maintenance_confirm=true")
    labctl.init_cluster(lab.root)
    outside = lab.playbook(PLAYBOOK, limit="lab-report", extra=dict(CONFIRM, maintenance_cluster=True))
    assert outside.rc != 0 and failures(outside)[0].startswith("cluster: this server is not a working node")
    assert steps(lab, "report") == []


@pytest.fixture
def pair(tmp_path):
    lab = replication_estate(tmp_path / "lab")
    labctl.init_cluster(lab.root)
    return lab


def owner(lab):
    return labctl.cluster_state(lab.root)["groups"]["HPPC Group"]["owner"]


def test_warm_standby_node_by_node_without_a_failover(pair):
    assert owner(pair) == "lab-main"
    run = pair.playbook(PLAYBOOK, limit="lab-main,lab-backup", extra=dict(CONFIRM, maintenance_cluster=True))
    assert run.rc == 0, failures(run)
    assert run.result("Say why this server waits", "lab-main")["msg"].startswith("lab-main: the active node waits")
    assert steps(pair, "main") == []
    assert steps(pair, "backup") == [
        ("Suspend-ClusterNode", "lab-backup"), ("Stop-Service", OSCC[0]), ("Stop-Service", OSCC[1]),
        ("onmode.exe", "-ky"), ("Stop-Service", informix_service("ol_backup")), ("reboot", "Off-Line"),
        ("Resume-ClusterNode", "lab-backup")]
    state = labctl.cluster_state(pair.root)
    assert owner(pair) == "lab-main" and state["groups"]["HPPC Group"]["state"] == "Online"
    assert {n: v["state"] for n, v in state["nodes"].items()} == {"lab-main": "Up", "lab-backup": "Up"}
    assert set(services(pair, "backup").values()) == {"running"}  # Warm Standby again
    # check mode on the pair changes nothing either
    checked = pair.playbook(PLAYBOOK, limit="lab-main,lab-backup", check=True, extra={"maintenance_cluster": True})
    assert checked.rc == 0, failures(checked)
    assert len(steps(pair, "backup")) == 7 and owner(pair) == "lab-main"


def test_the_active_node_only_when_asked_after_the_standby_node(pair):
    extra = dict(CONFIRM, maintenance_cluster=True, maintenance_include_active=True)
    run = pair.playbook(PLAYBOOK, limit="lab-main,lab-backup", extra=extra)
    assert run.rc == 0, failures(run)
    backup_reboot = next(c["time"] for c in labctl.windows_state(pair.root, "backup")["calls"]
                         if c["module"] == "win_reboot")
    main_calls = labctl.windows_state(pair.root, "main")["calls"]
    assert all(c["time"] > backup_reboot for c in main_calls if c["module"] == "win_reboot")
    assert steps(pair, "main")[0] == ("Suspend-ClusterNode", "lab-main")  # a planned move, then the stop
    assert ("reboot", "Off-Line") in steps(pair, "main")
    assert owner(pair) == "lab-backup"  # handed over by the drain, not by a failover under a running server
    assert labctl.cluster_state(pair.root)["groups"]["HPPC Group"]["state"] == "Online"


def test_a_cluster_node_is_never_taken_as_a_plain_server(pair):
    """Review 21 finding 6: the doc's first command on the warm-standby pair, without maintenance_cluster."""
    run = pair.playbook(PLAYBOOK, limit="lab-main,lab-backup", extra=CONFIRM)
    assert run.rc != 0
    # serial 1: the standby node is refused first and the play ends there; the active node alone is refused too
    alone = pair.playbook(PLAYBOOK, limit="lab-main", extra=CONFIRM)
    assert alone.rc != 0
    for host, refused in (("lab-backup", run), ("lab-main", alone)):
        (message,) = failures(refused)
        assert message == refused.result("Stop OSCC, then Informix (§6.1)", host)["msg"]
        assert message.startswith("cluster: this server is a node of a failover cluster (nodes: lab-backup, "
                                  "lab-main) and cluster is false (maintenance_cluster in the role)"), message
        assert message.endswith("nothing was stopped") and "\n" not in message
    assert steps(pair, "main") == [] and steps(pair, "backup") == []
    state = labctl.cluster_state(pair.root)
    assert owner(pair) == "lab-main" and state["groups"]["HPPC Group"]["state"] == "Online"
    assert {n: v["state"] for n, v in state["nodes"].items()} == {"lab-main": "Up", "lab-backup": "Up"}
    assert set(services(pair, "main").values()) == set(services(pair, "backup").values()) == {"running"}


def manual_start(lab, host, service, mode="manual"):
    labctl._update_windows(lab.root, host, lambda state: state["services"][service].update(start_mode=mode))


def node_states(lab):
    return {n: v["state"] for n, v in labctl.cluster_state(lab.root)["nodes"].items()}


def test_a_failed_check_after_the_reboot_says_the_node_stays_paused_and_a_second_run_resumes_it(pair):
    """Review 21 finding 7: AutoPA set to start by hand on the standby node is not back after the reboot."""
    manual_start(pair, "backup", OSCC[1])
    extra = dict(CONFIRM, maintenance_cluster=True)
    run = pair.playbook(PLAYBOOK, limit="lab-main,lab-backup", extra=extra)
    assert run.rc != 0
    message = run.result("Say that the node stays paused and how to resume it", "lab-backup")["msg"]
    assert message.startswith(f"not back after the maintenance: {OSCC[1]} is Stopped; node LAB-BACKUP stays paused "
                              "in the cluster (no failover can reach it)"), message
    assert "oscc.admin.failover_cluster node_state=resumed (Resume-ClusterNode LAB-BACKUP)" in message
    assert "\n" not in message
    assert node_states(pair) == {"lab-main": "Up", "lab-backup": "Paused"} and owner(pair) == "lab-main"
    # the operator fixes the start mode and runs the job again: it finds the node paused, says so, and resumes it
    manual_start(pair, "backup", OSCC[1], "auto")
    again = pair.playbook(PLAYBOOK, limit="lab-main,lab-backup", extra=extra)
    assert again.rc == 0, failures(again)
    (warning,) = again.result("Stop OSCC, then Informix (§6.1)", "lab-backup")["warnings"]
    assert warning.startswith("node LAB-BACKUP was already paused when this run began")
    assert node_states(pair) == {"lab-main": "Up", "lab-backup": "Up"} and owner(pair) == "lab-main"
    assert set(services(pair, "backup").values()) == {"running"}


def test_a_stop_that_fails_after_the_pause_says_the_node_stays_paused(pair):
    labctl.set_faults(pair.root, "backup", "ol_backup", {"onmode_ky_ignored": 1})  # the standby node's Informix
    run = pair.playbook(PLAYBOOK, limit="lab-backup", extra=dict(CONFIRM, maintenance_cluster=True))
    assert run.rc != 0
    (message,) = failures(run)
    assert message.startswith("Informix service 'IBM Informix Database Server - ol_backup' (ol_backup) did not stop")
    assert message.endswith("or run the maintenance again, which resumes it at its end") and "\n" not in message
    assert node_states(pair)["lab-backup"] == "Paused"
    assert not [s for s in steps(pair, "backup") if s[0] == "reboot"]


def test_a_running_backup_refuses_the_stop_and_the_lock_is_held_until_informix_is_back(main, tmp_path):
    """Review 21 finding 17: the nightly backup and the maintenance job at once; then the lock across the stop."""
    main.faults(ontape_delay_seconds=12)
    play = os.path.join(str(tmp_path), "backup.yml")
    with open(play, "w") as handle:
        yaml.safe_dump([{"hosts": main.inventory_host, "gather_facts": False, "tasks": [
            {"oscc.admin.informix_backup": {**LOCATION, "destination": "{{ oscc_backup_destination }}"}}]}], handle)
    backup = main.playbook(play, background=True)
    wait_until(lambda: os.path.exists(main.lock_file()), 20, interval=0.1)
    refused = main.playbook(PLAYBOOK, extra=CONFIRM)
    backup_out, _ = backup.communicate(timeout=120)
    assert backup.returncode == 0, backup_out
    assert refused.rc != 0
    (message,) = failures(refused)
    assert message.startswith("maintenance refused: another backup is running on this server (from controller "), \
        message
    lock = "C:\\Program Files\\Informix\\etc\\.oscc-ol_main.lock"
    assert message.endswith(f"; lock {lock}; nothing was stopped or paused")
    assert "\n" not in message
    # the stop's batch asked for the lock first and halted there (steps() lists what a batch asked for): nothing ran
    assert set(services(main, "main").values()) == {"running"} and main.mode_rc() == 5
    assert not [s for s in steps(main, "main") if s[0] == "reboot"]
    # without a reboot the stop leaves the server's lock held for its lease, named maintenance
    main.faults(ontape_delay_seconds=0)
    held = main.playbook(PLAYBOOK, extra=dict(CONFIRM, maintenance_action="none"))
    assert held.rc == 0, failures(held)
    with open(main.lock_file()) as handle:
        record = json.load(handle)
    assert record["operation"] == "maintenance" and record["expires"] > time.time() + 1800
    os.remove(main.lock_file())  # the operator's restart by hand (the lab's reboot) with no check to release it
    # with a reboot, the check that reads Informix On-Line releases it
    run = main.playbook(PLAYBOOK, extra=CONFIRM)
    assert run.rc == 0, failures(run)
    assert run.result("Check Informix On-Line and the services running after the restart")["lock_released"] is True
    assert not os.path.exists(main.lock_file())
