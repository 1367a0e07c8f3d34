"""The maintenance planner (_informix/maintenance_plan.py): whose turn it is, the stop's order, the guard before a
power-off and the check after the reboot."""
import ntpath

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import maintenance_plan as plan

OSCC = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]
IDS = "IBM Informix Database Server - ol_main"


class FakeInformix:
    """Only what the planner asks of _informix.host.Informix: an Informix program's request."""

    def program_op(self, name, *args, timeout=300, **extra):
        return {"op": "run", "argv": [ntpath.join("C:\\Informix\\bin", name + ".exe"), *args], "timeout": timeout,
                **extra}


def cluster_state(owner="lab-main", group_state="Online", node="LAB-MAIN", nodes=("lab-main", "lab-backup"),
                  error=None):
    return {"node": node, "cluster_error": error, "group": {"owner": owner, "state": group_state},
            "nodes": {n: {"state": "Up"} for n in nodes}}


def test_the_informix_service_is_the_one_the_host_has_or_the_one_given():
    assert plan.informix_service([{"Name": IDS, "Status": "Running"}], "ol_main") == IDS
    assert plan.informix_service([{"Name": "Informix IDS - ol_main", "Status": "Stopped"}], "ol_main") == \
        "Informix IDS - ol_main"
    assert plan.informix_service([], "ol_main", given="Mine") == "Mine"
    with pytest.raises(ValueError, match="^informix_service: the host has none of"):
        plan.informix_service([], "ol_main")
    both = [{"Name": IDS, "Status": "Running"}, {"Name": "Informix IDS - ol_main", "Status": "Running"}]
    with pytest.raises(ValueError, match="has both of"):
        plan.informix_service(both, "ol_main")


def test_the_node_role_from_the_cluster_and_refusals_in_one_line():
    assert plan.cluster_role(None) == "none"
    assert plan.cluster_role(cluster_state()) == "active"
    assert plan.cluster_role(cluster_state(owner="lab-backup")) == "standby"
    assert plan.cluster_role(cluster_state(group_state="Offline")) == "standby"
    with pytest.raises(ValueError, match="^cluster: LAB-REPORT is not a node of the cluster"):
        plan.cluster_role(cluster_state(node="LAB-REPORT"))
    with pytest.raises(ValueError, match="^cluster: this server is not a working node"):
        plan.cluster_role(cluster_state(error="no cluster service"))


@pytest.mark.parametrize("role, maintenance_pass, include_active, waits", [
    ("none", "standby", False, None),
    ("standby", "standby", False, None),
    ("active", "standby", True, "the active node waits"),
    ("active", "active", False, "the active node is left running"),
    ("active", "active", True, None),
    ("standby", "active", True, "not the active node"),
])
def test_standby_first_the_active_node_only_when_asked(role, maintenance_pass, include_active, waits):
    found = plan.node_turn(role, maintenance_pass, include_active)
    assert (found is None) if waits is None else found.startswith(waits)


def test_the_active_node_goes_only_with_the_other_node_in_warm_standby():
    state = cluster_state()
    running = {s: "Running" for s in OSCC}
    assert plan.peer_problem(state, "lab-backup", running) is None
    assert "not in Warm Standby (OpenScape Contact Center not running)" in \
        plan.peer_problem(state, "lab-backup", {OSCC[0]: "Stopped", OSCC[1]: "Running"})
    state["nodes"]["lab-backup"]["state"] = "Down"
    assert plan.peer_problem(state, "lab-backup", running).startswith("cluster: the other node lab-backup is Down")
    assert plan.peer_of(cluster_state()) == "lab-backup"


def test_oscc_services_stop_before_informix_and_its_service_last():
    batch = plan.stop_ops(FakeInformix(), OSCC, IDS, server_up=True, timeout=60)
    assert batch.names == ["stop_oscc", "oscc_after", "informix_down", "offline", "stop_informix"]
    stop = batch.ops[0]
    assert stop["name"] == "Stop-Service" and stop["parameters"]["Name"] == OSCC
    assert stop["parameters"]["ErrorAction"] == "Stop"  # a service that does not stop halts the batch
    assert batch.ops[2]["argv"][1:] == ["-ky"]
    assert batch.ops[3]["ok_rc"] == [255]  # the Informix service is stopped only once onstat - says Off-Line
    assert batch.ops[4]["parameters"]["Name"] == [IDS]
    already = plan.stop_ops(FakeInformix(), [], IDS, server_up=False, timeout=60)
    assert already.names == ["offline", "stop_informix"]


def test_the_shutdown_follows_the_off_line_check_in_the_same_round_trip():
    batch = plan.guard_ops(FakeInformix(), OSCC, IDS, shutdown=True)
    assert batch.names == ["guard", "services", "shutdown"]
    assert batch.ops[0]["ok_rc"] == [255]
    assert batch.ops[2]["argv"][:2] == [plan.SHUTDOWN_EXE, "/s"]
    assert plan.guard_ops(FakeInformix(), OSCC, IDS, shutdown=False).names == ["guard", "services"]


def test_no_power_off_while_informix_or_a_service_runs():
    stopped = {OSCC[0]: "Stopped", OSCC[1]: "Absent", IDS: "Stopped"}
    assert plan.guard_problem(255, stopped, IDS) is None
    assert plan.guard_problem(5, stopped, IDS) == f"Informix is On-Line (service '{IDS}'): no shutdown or reboot"
    assert plan.guard_problem(255, dict(stopped, **{IDS: "Running"}), IDS) == \
        f"still running: {IDS}; no shutdown or reboot"


def test_after_the_reboot_informix_on_line_and_every_service_running():
    running = {IDS: "Running", OSCC[0]: "Running"}
    assert plan.verify_problems(5, running) == []
    assert plan.verify_problems(1, dict(running, **{OSCC[0]: "Stopped"})) == \
        ["Informix is Quiescent, not On-Line", f"{OSCC[0]} is Stopped"]


def test_the_plan_in_words_in_order():
    words = plan.plan_words(OSCC, IDS, True, "reboot")
    assert words[0] == f"stop service '{OSCC[0]}' and wait until Stopped"
    assert words[2].startswith("take Informix off-line")
    assert words[-2:] == ["check Informix off-line and every service stopped, right before the power-off",
                          "reboot Windows"]
    assert plan.plan_words([], IDS, False, "none")[-1].startswith("check Informix off-line")


def test_a_cluster_node_is_refused_as_a_plain_server_in_one_line():
    assert plan.cluster_member_problem("Absent", []) is None
    assert plan.cluster_member_problem("Stopped", None) is None  # the feature installed, no cluster
    listed = plan.cluster_member_problem("Running", [{"Name": "lab-main"}, {"Name": "lab-backup"}])
    assert listed.startswith("cluster: this server is a node of a failover cluster (nodes: lab-backup, lab-main)")
    assert "maintenance_cluster" in listed and listed.endswith("nothing was stopped") and "\n" not in listed
    # the cluster service alone says it is a node, even when the node list could not be read
    alone = plan.cluster_member_problem("Running", [])
    assert alone.startswith("cluster: this server is a node of a failover cluster (ClusSvc Running)")
    read = plan.membership_read()
    assert read["name"] == "Get-ClusterNode" and read["module"] == "FailoverClusters"


def test_a_paused_node_is_named_with_how_to_resume_it():
    note = plan.paused_note("lab-backup")
    assert note.startswith("node lab-backup stays paused in the cluster")
    assert "node_state=resumed" in note and "Resume-ClusterNode lab-backup" in note
    state = cluster_state(node="lab-backup")
    assert plan.already_paused(state) is None
    state["nodes"]["lab-backup"]["state"] = "Paused"
    assert plan.already_paused(state).startswith("node lab-backup was already paused when this run began")
    assert plan.already_paused(None) is None


def test_the_lock_is_taken_first_and_released_only_once_informix_is_on_line():
    lock = {"op": "lock", "path": "C:\\ifx\\etc\\.oscc-ol_main.lock"}
    batch = plan.stop_ops(FakeInformix(), OSCC, IDS, server_up=True, timeout=60, lock=lock)
    assert batch.names[0] == "lock" and batch.ops[0] is lock  # before any service stops
    unlock = {"op": "unlock", "path": lock["path"], "token": "t"}
    verify = plan.verify_ops(FakeInformix(), OSCC, [IDS], unlock)
    assert verify.names == ["services", "onstat", "unlock"]
    assert verify.ops[1]["ok_rc"] == [5]  # the batch halts before the unlock while Informix is not On-Line
    plain = plan.verify_ops(FakeInformix(), OSCC, [IDS])
    assert plain.names == ["services", "onstat"] and "ok_rc" not in plain.ops[1]
    assert plan.lock_ttl(300, 1800) == 300 + 1800 + 300 + 900
