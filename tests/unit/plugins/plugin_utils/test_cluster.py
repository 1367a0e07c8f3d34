"""The cluster planner (_cluster/cluster.py): the probe's answers read, the OSCC role, the plans and the §8.7 guard."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import cluster

OSCC, AUTOPA = cluster.OSCC_SERVICES


def answers(batch, **by_name):
    """A batch's result document: each named read's objects, in order; a name given None fails there."""
    results, failed_at = [], None
    for index, name in enumerate(batch.names):
        key = name if isinstance(name, str) else "_".join(name)
        value = by_name.get(key, [])
        if value is None:
            results.append({"op": "cmdlet", "ok": False, "error": f"{key} failed here"})
            failed_at = index
            break
        results.append({"op": "cmdlet", "ok": True, "objects": value})
    return {"results": results, "cleanup": [], "failed_at": failed_at}


RUNNING = [{"Name": "ClusSvc", "Status": "Running"}, {"Name": OSCC, "Status": "Running"},
           {"Name": AUTOPA, "Status": "Running"}]
NODES = [{"Name": "lab-main", "State": "Up", "DrainStatus": "NotInitiated", "DynamicWeight": 1},
         {"Name": "lab-backup", "State": "Up", "DrainStatus": "NotInitiated", "DynamicWeight": 1}]


def probe(group_state="Online", owner="lab-main", nodes=None, services=None, fix=0, **extra):
    nodes, services = nodes or NODES, services or RUNNING
    batch = cluster.probe_ops("HPPC Group", **extra)
    done = answers(batch, computer=[{"Name": "LAB-MAIN"}], services=services,
                   cluster=[{"Name": "C1", "FixQuorum": fix}], nodes=nodes,
                   group=[{"Name": "HPPC Group", "OwnerNode": owner, "State": group_state}],
                   quorum=[{"QuorumType": "NodeAndFileShareMajority", "QuorumResource": "File Share Witness"}])
    return cluster.read_probe(batch, done, "HPPC Group")


def test_the_probe_reads_the_group_nodes_quorum_and_the_role():
    state = probe()
    assert state["group"] == {"name": "HPPC Group", "owner": "lab-main", "state": "Online"}
    assert state["nodes"]["lab-backup"]["state"] == "Up"
    assert state["cluster"] == {"name": "C1", "forced_quorum": False}
    assert state["quorum"]["type"] == "NodeAndFileShareMajority"
    assert (state["cluster_service"], state["oscc_role"]) == ("Running", "active")


def test_a_stopped_cluster_service_still_reports_the_services():
    batch = cluster.probe_ops("HPPC Group")
    stopped = [{"Name": "ClusSvc", "Status": "Stopped"}, {"Name": OSCC, "Status": "Stopped"}]
    state = cluster.read_probe(batch, answers(batch, computer=[{"Name": "N1"}], services=stopped, cluster=None),
                               "HPPC Group")
    assert state["cluster_service"] == "Stopped" and state["oscc_services"][AUTOPA] == "Absent"
    assert "Get-Cluster failed" in state["cluster_error"] and state["nodes"] == {}


@pytest.mark.parametrize("group_state, owner, service, role", [
    ("Online", "LAB-MAIN.lab.invalid", "Running", "active"),
    ("Offline", "lab-main", "Running", "warm_standby"),
    ("Online", "lab-backup", "Running", "warm_standby"),
    ("Online", "lab-main", "Stopped", "stopped"),
])
def test_the_oscc_role_is_judged_in_one_place(group_state, owner, service, role):
    group = {"owner": owner, "state": group_state}
    assert cluster.oscc_role("lab-main", group, {OSCC: service}) == role


def test_plans_change_only_what_differs():
    state = probe()
    assert cluster.plan(state, {"group": "HPPC Group", "state": "online"}) == ([], [])
    changes, ops = cluster.plan(state, {"group": "HPPC Group", "state": "offline"})
    assert changes == ["HPPC Group taken offline"] and ops[0]["name"] == "Stop-ClusterGroup"
    changes, ops = cluster.plan(state, {"group": "HPPC Group", "owner": "LAB-BACKUP", "state": "online"})
    assert [o["name"] for o in ops] == ["Move-ClusterGroup"] and ops[0]["parameters"]["Node"] == "lab-backup"
    changes, ops = cluster.plan(state, {"group": "HPPC Group", "node_state": "paused"})
    assert ops == [{"op": "cmdlet", "name": "Suspend-ClusterNode", "module": "FailoverClusters",
                    "parameters": {"Name": "lab-main", "Drain": True, "Wait": True}}]
    assert cluster.plan(state, {"group": "HPPC Group", "node_state": "resumed"}) == ([], [])


def test_plan_errors_name_the_option():
    down = [NODES[0], dict(NODES[1], State="Down")]
    with pytest.raises(ValueError, match=r"^owner: lab-backup is Down"):
        cluster.plan(probe(nodes=down), {"group": "HPPC Group", "owner": "lab-backup"})
    with pytest.raises(ValueError, match=r"^owner: 'x' is not a node"):
        cluster.plan(probe(), {"group": "HPPC Group", "owner": "x"})
    with pytest.raises(ValueError, match=r"^node_state: lab-backup is Down"):
        cluster.plan(probe(nodes=down), {"group": "HPPC Group", "node": "lab-backup", "node_state": "paused"})


def peer_state(pings, peer_services):
    batch = cluster.probe_ops("HPPC Group", "lab-backup", list(pings))
    by_name = {f"ping_{a}": ([{"Address": a, "StatusCode": 0}] if up else []) for a, up in pings.items()}
    done = answers(batch, computer=[{"Name": "LAB-MAIN"}], services=RUNNING, peer_services=peer_services,
                   cluster=None, **by_name)
    return cluster.read_probe(batch, done, "HPPC Group")


def test_forced_quorum_needs_the_peer_unreachable_or_its_services_stopped():
    both = {"127.0.1.2": False, "lab-backup": False}
    assert cluster.peer_problem(peer_state(both, []), "lab-backup", both) is None
    one_up = {"127.0.1.2": False, "lab-backup": True}
    problem = cluster.peer_problem(peer_state(one_up, [{"Name": OSCC, "Status": "Running"}]), "lab-backup", one_up)
    assert problem.startswith("quorum: refused: lab-backup answers on lab-backup")
    stopped = [{"Name": OSCC, "Status": "Stopped"}, {"Name": AUTOPA, "Status": "Stopped"}]
    assert cluster.peer_problem(peer_state(one_up, stopped), "lab-backup", one_up) is None
    # Reachable but its service control manager did not answer: not verified.
    assert cluster.peer_problem(peer_state(one_up, []), "lab-backup", one_up) is not None


def test_force_plan_stops_a_running_service_first_and_is_idempotent():
    state = peer_state({"a": False}, [])
    changes, ops = cluster.force_plan(state)
    assert [o["name"] for o in ops] == ["Stop-Service", "Start-ClusterNode"]
    assert ops[1]["parameters"] == {"Name": "LAB-MAIN", "FixQuorum": True}
    assert cluster.force_plan(probe(fix=1)) == ([], [])
    with pytest.raises(ValueError, match=r"^quorum: the cluster C1 has its quorum"):
        cluster.force_plan(probe())


def test_any_answer_of_the_peers_service_control_manager_with_oscc_running_refuses_whatever_the_pings_say():
    silent = {"10.99.99.99": False, "127.0.1.2": False}
    running = [{"Name": OSCC, "Status": "Running"}, {"Name": AUTOPA, "Status": "Running"}]
    problem = cluster.peer_problem(peer_state(silent, running), "lab-backup", silent)
    assert problem.startswith("quorum: refused: lab-backup answers on its service control manager"), problem
    assert f"{OSCC}: Running" in problem
    # Unreachable means no ping answered and no service control manager either.
    assert cluster.peer_problem(peer_state(silent, []), "lab-backup", silent) is None


def force_state(peer="lab-backup", resolved=None, own=None, services=None, nodes=None):
    batch = cluster.probe_ops("HPPC Group", peer, ["127.0.1.2"])
    done = answers(batch, computer=[{"Name": "LAB-MAIN"}], services=services or RUNNING, peer_services=[],
                   peer_resolved=[{"IPAddress": a} for a in resolved or ["127.0.1.2"]],
                   own_addresses=[{"IPAddress": a} for a in own or ["127.0.1.1", "127.0.0.1"]],
                   cluster=None if nodes is None else [{"Name": "C1", "FixQuorum": 1}], nodes=nodes,
                   group=[{"Name": "HPPC Group", "OwnerNode": "lab-main", "State": "Online"}])
    return cluster.read_probe(batch, done, "HPPC Group")


def test_forced_quorum_refuses_a_peer_that_is_this_node_by_any_name():
    state = force_state()
    assert cluster.force_problem(state, "lab-backup", ["127.0.1.2"], "lab-main") is None
    for peer in ("lab-main", "LAB-MAIN.lab.invalid"):
        problem = cluster.force_problem(force_state(peer), peer, ["127.0.1.2"], "lab-main")
        assert problem.startswith(f"peer: {peer!r} is this node LAB-MAIN"), problem
    alias = cluster.force_problem(force_state("oscc-alias", resolved=["127.0.1.1"]), "oscc-alias", [], "lab-main")
    assert alias.startswith("peer: 'oscc-alias' is this node LAB-MAIN (it resolves to 127.0.1.1)"), alias
    loopback = cluster.force_problem(force_state("localhost", resolved=["127.0.0.1"]), "localhost", [], "lab-main")
    assert loopback.startswith("peer: 'localhost' is this node"), loopback
    own_address = cluster.force_problem(force_state(), "lab-backup", ["127.0.1.1"], "lab-main")
    assert own_address.startswith("peer_addresses: 127.0.1.1 is an address of this node"), own_address


def test_forced_quorum_refuses_a_host_that_is_not_a_node_or_a_peer_that_is_not_one():
    no_clussvc = [{"Name": OSCC, "Status": "Stopped"}]
    problem = cluster.force_problem(force_state(services=no_clussvc), "lab-backup", ["127.0.1.2"], "lab-report")
    assert problem == "quorum: LAB-MAIN is not a node of a cluster: it has no cluster service (ClusSvc)"
    others = [dict(NODES[1]), dict(NODES[1], Name="lab-third")]
    problem = cluster.force_problem(force_state(nodes=others), "lab-backup", ["127.0.1.2"], "lab-main")
    assert problem == "quorum: LAB-MAIN is not a node of the cluster (lab-backup, lab-third)"
    problem = cluster.force_problem(force_state("lab-report", resolved=["127.0.1.3"], nodes=NODES), "lab-report",
                                    ["127.0.1.3"], "lab-main")
    assert problem == "peer: 'lab-report' is not a node of the cluster (lab-main, lab-backup)"


def test_pausing_the_last_up_node_is_refused_naming_it():
    backup_paused = [NODES[0], dict(NODES[1], State="Paused")]
    with pytest.raises(ValueError, match=r"^node_state: lab-main is the last Up node; pausing it leaves no node "
                                         r"to take its groups \(lab-main Up, lab-backup Paused\)$"):
        cluster.plan(probe(nodes=backup_paused), {"group": "HPPC Group", "node": "lab-main", "node_state": "paused"})


def test_a_drain_that_left_the_group_on_the_paused_node_is_a_problem():
    drained = [dict(NODES[0], State="Paused", DrainStatus="Completed"), NODES[1]]
    assert cluster.drain_problem(probe(owner="lab-backup", nodes=drained), "LAB-MAIN") is None
    failed = [dict(NODES[0], State="Paused", DrainStatus="Failed"), dict(NODES[1], State="Paused")]
    problem = cluster.drain_problem(probe(nodes=failed), "lab-main")
    assert problem == ("node_state: lab-main is paused but its drain ended Failed: HPPC Group is still on lab-main "
                       "(Online); move the group to an Up node or resume lab-main")
    # A drain reported Completed that still left the group here is no drain either.
    assert cluster.drain_problem(probe(nodes=drained), "lab-main").startswith("node_state: lab-main is paused but")


def _synced_cluster(owner, state="Online", error=None):
    return {"cluster_error": error, "group": None if error else {"name": "HPPC Group", "owner": owner, "state": state}}


@pytest.mark.parametrize("owner,state,target,source", [
    ("lab-main", "Online", "lab-backup", "lab-main"),
    # after a failover the backup served: the main server was down and is the one synchronised (§8.2)
    ("LAB-BACKUP", "Online", "lab-main", "lab-backup"),
    # an offline group keeps its last owner, the node that served last
    ("lab-backup.contact.example", "Offline", "lab-main", "lab-backup"),
])
def test_the_sync_target_is_the_node_that_does_not_own_the_group(owner, state, target, source):
    verdict = cluster.sync_target(_synced_cluster(owner, state), ["lab-main", "lab-backup"])
    assert verdict == {"node": target, "source": source, "problem": None}


def test_a_chosen_sync_target_that_owns_the_group_is_refused_naming_it():
    verdict = cluster.sync_target(_synced_cluster("lab-backup"), ["lab-main", "lab-backup"], "lab-backup")
    assert verdict["problem"].startswith("replication_ha_sync_node: lab-backup owns HPPC Group (Online)")
    assert "replication_ha_sync_node=lab-main" in verdict["problem"]
    agreeing = cluster.sync_target(_synced_cluster("lab-backup"), ["lab-main", "lab-backup"], "LAB-MAIN")
    assert agreeing == {"node": "lab-main", "source": "lab-backup", "problem": None}


@pytest.mark.parametrize("state,words", [
    (_synced_cluster(None, error="Get-ClusterGroup: the cluster service is not running"), "does not say which node"),
    (_synced_cluster("lab-report"), "lab-report, which is neither"),
])
def test_a_cluster_that_does_not_say_who_served_gives_no_sync_target(state, words):
    verdict = cluster.sync_target(state, ["lab-main", "lab-backup"], None)
    assert verdict["node"] is None and words in verdict["problem"]
    assert verdict["problem"].startswith("replication_ha_sync_node:")
