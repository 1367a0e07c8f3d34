"""maintenance_shutdown.yml (manual §6.1 and the notes of §6) against the lab: what each server did is read from the
calls it recorded, in order - the OSCC services stopped before Informix, Informix off-line before the reboot, no
reboot while Informix runs, everything back afterwards, and on the warm-standby pair no failover."""
import json
import os

import labctl
import pytest
from playbook_lab import ROOT, Lab, replication_estate

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
