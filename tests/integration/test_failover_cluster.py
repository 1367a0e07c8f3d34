"""failover_cluster_info and failover_cluster against the lab's two-node cluster (manual chapter 8)."""
import labctl
import pytest
from playbook_lab import ESTATE, Lab

INFO = "oscc.admin.failover_cluster_info"
CLUSTER = "oscc.admin.failover_cluster"


@pytest.fixture
def nodes(tmp_path):
    """lab-main and lab-backup as the nodes of one cluster, the HPPC Group online on lab-main."""
    lab = Lab(tmp_path / "lab", "lab-main")
    labctl.init_host(lab.root, "backup", ESTATE["lab-backup"][1], platform="windows")
    labctl.init_cluster(lab.root)
    return lab


def services(lab, host):
    return {n: s["state"] for n, s in labctl.windows_state(lab.root, host)["services"].items() if "OpenScape" in n}


def cmdlets(lab, host):
    return [op["name"] for call in labctl.windows_state(lab.root, host)["calls"]
            for op in (call["args"].get("batch") or {}).get("ops", []) if op["op"] == "cmdlet"]


def test_info_reads_group_nodes_quorum_and_the_role_in_one_round_trip(nodes, tmp_path):
    _run, (main, backup) = nodes.tasks([(INFO, {}), (INFO, {}, {"host": "lab-backup"})], tmp_path)
    assert main["remote_operations"] == 1 and not main["changed"]
    cluster = main["cluster"]
    assert cluster["group"] == {"name": "HPPC Group", "owner": "lab-main", "state": "Online"}
    assert cluster["nodes"]["lab-backup"]["state"] == "Up"
    assert cluster["cluster_service"] == "Running"
    assert cluster["cluster"] == {"name": "LAB-CLUSTER", "forced_quorum": False}
    assert cluster["quorum"]["type"] == "NodeAndFileShareMajority"
    assert (cluster["node"], cluster["oscc_role"]) == ("LAB-MAIN", "active")
    assert backup["cluster"]["oscc_role"] == "warm_standby"


def test_group_offline_waits_for_warm_standby_and_is_idempotent(nodes, tmp_path):
    offline = (CLUSTER, {"state": "offline", "wait_for_warm_standby": True})
    _run, (check, first, second) = nodes.tasks([(CLUSTER, {"state": "offline"}, {"check": True}), offline, offline],
                                               tmp_path)
    assert check["changed"] and check["changes"] == ["HPPC Group taken offline"]
    # The probe, the change, then one reading later: the change's own reading does not satisfy the wait (F14).
    assert first["changed"] and first["remote_operations"] == 3, first
    assert first["warm_standby_judged_by"].startswith("assumption: the OpenScape Contact Center service runs")
    assert first["cluster"]["group"]["state"] == "Offline" and first["cluster"]["oscc_role"] == "warm_standby"
    assert not second["changed"] and second["remote_operations"] == 1
    assert cmdlets(nodes, "main").count("Stop-ClusterGroup") == 1  # check mode and the second run changed nothing


def test_move_fails_over_the_services_follow_the_owner(nodes, tmp_path):
    labctl.windows_state(nodes.root, "backup")
    labctl._update_windows(nodes.root, "backup", lambda s: [v.update(state="stopped") for n, v in
                                                            s["services"].items() if "OpenScape" in n])
    move = (CLUSTER, {"owner": "LAB-BACKUP"})
    _run, (first, second) = nodes.tasks([move, move], tmp_path)
    assert first["changed"] and first["cluster"]["group"]["owner"] == "lab-backup", first
    assert first["cluster"]["oscc_role"] == "warm_standby"
    assert set(services(nodes, "backup").values()) == {"running"}
    assert not second["changed"]


def test_pause_drains_and_resume(nodes, tmp_path):
    steps = [(CLUSTER, {"node": "lab-main", "node_state": "paused"}, {"diff": True}),
             (CLUSTER, {"node": "lab-main", "node_state": "paused"}),
             (CLUSTER, {"node": "lab-main", "node_state": "resumed"}),
             (CLUSTER, {"node": "lab-main", "node_state": "resumed"})]
    _run, (pause, again, resume, resumed) = nodes.tasks(steps, tmp_path)
    assert pause["changed"] and pause["cluster"]["nodes"]["lab-main"] == {"state": "Paused", "drain": "Completed",
                                                                          "vote": 1}
    assert pause["cluster"]["group"]["owner"] == "lab-backup"
    assert pause["diff"]["before"]["nodes"]["lab-main"] == "Up"
    assert not again["changed"]
    assert resume["changed"] and resume["cluster"]["nodes"]["lab-main"]["state"] == "Up"
    assert not resumed["changed"]


def test_bad_inputs_get_one_line_errors_naming_the_option(nodes, tmp_path):
    steps = [(CLUSTER, {"owner": "lab-nowhere"}), (CLUSTER, {"state": "sideways"}), (CLUSTER, {}),
             (CLUSTER, {"quorum": "forced", "peer": "lab-backup"})]
    _run, results = nodes.tasks(steps, tmp_path)
    assert all(r["failed"] and "\n" not in r["msg"] for r in results), results
    assert results[0]["msg"].startswith("owner:")
    assert "state" in results[1]["msg"]
    assert results[3]["msg"].startswith("confirm:")


def test_forced_quorum_is_refused_with_both_nodes_up(nodes, tmp_path):
    force = {"quorum": "forced", "peer": "lab-backup", "confirm": True}
    _run, (refused,) = nodes.tasks([(CLUSTER, force)], tmp_path)
    assert refused["failed"] and refused["msg"].startswith("quorum: refused: lab-backup answers on 127.0.1.2"), refused
    assert "Start-ClusterNode" not in cmdlets(nodes, "main")


def test_forced_quorum_once_with_the_other_node_isolated_and_a_reboot_drops_it(nodes, tmp_path):
    labctl.set_witness(nodes.root, False)
    labctl.set_reachable(nodes.root, "backup", False)
    state = labctl.cluster_state(nodes.root)  # both nodes short of votes: the cluster and OSCC stop (§8.7)
    assert {n["clussvc"] for n in state["nodes"].values()} == {"Stopped"}
    assert set(services(nodes, "main").values()) == {"stopped"}
    force = {"quorum": "forced", "peer": "lab-backup", "confirm": True}
    _run, (check, first, second, info) = nodes.tasks([(CLUSTER, force, {"check": True}), (CLUSTER, force),
                                                      (CLUSTER, force), (INFO, {})], tmp_path)
    assert check["changed"] and cmdlets(nodes, "main").count("Start-ClusterNode") == 1
    assert first["changed"] and first["cluster"]["cluster"]["forced_quorum"], first
    assert "reboot" in first["forced_quorum_note"] and first["warnings"]
    assert first["cluster"]["group"] == {"name": "HPPC Group", "owner": "lab-main", "state": "Online"}
    assert not second["changed"] and second["remote_operations"] == 1
    assert info["cluster"]["oscc_role"] == "active"
    labctl.reboot_node(nodes.root, "main")
    _run, (after,) = nodes.tasks([(INFO, {})], tmp_path, name="after-reboot")
    assert after["cluster"]["cluster_service"] == "Stopped" and after["cluster"]["cluster_error"]


def test_info_reads_the_node_as_section_8_8_checks_it_on_both_windows_releases(nodes, tmp_path):
    labctl.set_cluster_network_metric(nodes.root, "Switch", 500)
    details = {"node_details": True}
    _run, (main, backup) = nodes.tasks([(INFO, details), (INFO, details, {"host": "lab-backup"})], tmp_path)
    assert main["remote_operations"] == 1, main
    on_2016, on_2012 = main["cluster"]["node_info"], backup["cluster"]["node_info"]
    assert (on_2016["binding_source"], on_2012["binding_source"]) == ("interface_metric", "registry_bind")
    # Bind lists a removed adapter too: only present adapters count
    assert on_2016["binding_order"] == on_2012["binding_order"] == ["Customer", "Private Cluster", "Switch"]
    assert on_2012["addresses"] == ["10.254.0.2", "10.255.0.2", "127.0.1.2"]
    assert on_2012["adapter_addresses"]["Customer"] == ["127.0.1.2"]
    assert on_2012["network_order"] == ["Switch", "Private Cluster", "Customer"]
    assert on_2012["network_adapters"] == {"Private Cluster": "Private Cluster", "Customer": "Customer",
                                           "Switch": "Switch"}
    assert on_2012["patch_level"] == "OpenScape Contact Center Enterprise V12 Server 12.0.1.4"
    assert on_2012["name"] == "LAB-BACKUP" and backup["cluster"]["node_error"] is None


def test_pausing_the_last_up_node_is_refused_before_any_change(nodes, tmp_path):
    steps = [(CLUSTER, {"node": "lab-backup", "node_state": "paused"}),
             (CLUSTER, {"node": "lab-main", "node_state": "paused"})]
    _run, (backup, main) = nodes.tasks(steps, tmp_path)
    assert backup["changed"], backup
    assert main["failed"] and main["msg"].startswith("node_state: lab-main is the last Up node"), main
    assert cmdlets(nodes, "main").count("Suspend-ClusterNode") == 1
    state = labctl.cluster_state(nodes.root)
    assert state["nodes"]["lab-main"]["state"] == "Up"
    assert state["groups"]["HPPC Group"]["owner"] == "lab-main"


def backup_forced_alone(nodes, tmp_path):
    """Both nodes cut off, lab-backup forced alone (it runs the HPPC Group and OSCC), then the network back."""
    labctl.set_witness(nodes.root, False)
    labctl.set_reachable(nodes.root, "backup", False)
    labctl.cluster_state(nodes.root)
    labctl.set_reachable(nodes.root, "backup", True)
    labctl.set_reachable(nodes.root, "main", False)
    force = {"quorum": "forced", "peer": "lab-main", "confirm": True}
    _run, (forced,) = nodes.tasks([(CLUSTER, force, {"host": "lab-backup"})], tmp_path, name="force-backup")
    assert forced["changed"], forced
    labctl.set_reachable(nodes.root, "main", True)
    assert set(services(nodes, "backup").values()) == {"running"}
    assert set(services(nodes, "main").values()) == {"stopped"}


def test_forced_quorum_refuses_a_peer_running_oscc_even_when_the_given_address_does_not_answer(nodes, tmp_path):
    backup_forced_alone(nodes, tmp_path)
    force = {"quorum": "forced", "peer": "lab-backup", "confirm": True, "peer_addresses": ["10.99.99.99"]}
    _run, (refused,) = nodes.tasks([(CLUSTER, force)], tmp_path)
    assert refused["failed"] and refused["msg"].startswith("quorum: refused: lab-backup answers on"), refused
    assert "OpenScape Contact Center: Running" in refused["msg"]
    assert "Start-ClusterNode" not in cmdlets(nodes, "main") and "Stop-Service" not in cmdlets(nodes, "main")


def test_forced_quorum_refuses_a_peer_that_is_this_node(nodes, tmp_path):
    backup_forced_alone(nodes, tmp_path)
    steps = [(CLUSTER, {"quorum": "forced", "peer": name, "confirm": True}) for name in ("lab-main", "LAB-MAIN")]
    _run, results = nodes.tasks(steps, tmp_path)
    for name, refused in zip(("lab-main", "LAB-MAIN"), results):
        assert refused["failed"] and refused["msg"].startswith(f"peer: {name!r} is this node LAB-MAIN"), refused
    assert "Start-ClusterNode" not in cmdlets(nodes, "main")
