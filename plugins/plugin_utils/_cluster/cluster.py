# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The warm-standby cluster (manual chapter 8) through the FailoverClusters cmdlets: the probe's operations, what
# they answered read into one state, the OSCC role of a node (the one guarded assumption, docs/cluster.md), the
# plan of cmdlets a wanted state needs, and the forced-quorum guard of §8.7. No I/O.
from __future__ import annotations

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import node
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import cmdlet, first, objects, services_read

MODULE = "FailoverClusters"
CLUSTER_SERVICE = "ClusSvc"
OSCC_SERVICES = ("OpenScape Contact Center", "OpenScape Contact Center AutoPA")
HPPC_GROUP = "HPPC Group"
# Node states (MSCS clusnode-state) in which the node is a member that counts.
MEMBER = ("Up", "Paused")


def _cluster(name, **parameters):
    return cmdlet(name, module=MODULE, **parameters)


def services_op(computer=None):
    """The cluster service and the OSCC services; of another computer (its service control manager) when named."""
    names = [CLUSTER_SERVICE, *OSCC_SERVICES] if computer is None else list(OSCC_SERVICES)
    extra = {"ComputerName": computer} if computer else {}
    return services_read(names, **extra)


def cluster_reads(batch: Batch, group: str) -> Batch:
    """The cluster's own reads; they fail together when the local cluster service does not run, so they come last."""
    batch.add("cluster", _cluster("Get-Cluster", select=["Name", "FixQuorum"]))
    node_properties = ["Name", "State", "DrainStatus", "NodeWeight", "DynamicWeight"]
    batch.add("nodes", _cluster("Get-ClusterNode", select=node_properties))
    batch.add("group", _cluster("Get-ClusterGroup", Name=group, select=["Name", "OwnerNode", "State"]))
    batch.add("quorum", _cluster("Get-ClusterQuorum", select=["QuorumResource", "QuorumType"]))
    return batch


def probe_ops(group: str, peer: str | None = None, peer_addresses=(), node_reads: bool = False) -> Batch:
    """One batch: the computer's name, its services, the peer's reachability and services (forced quorum only),
    with node_reads this node's network and patch level (node.py), then the cluster (and with node_reads its
    networks). Each read of the peer tolerates no answer (a non-terminating error, silenced)."""
    batch = Batch().add("computer", computer_op())
    batch.add("services", services_op())
    for address in peer_addresses:
        batch.add(("ping", address), cmdlet("Test-Connection", ComputerName=address, Count=1,
                                            ErrorAction="SilentlyContinue", select=["Address", "StatusCode"]))
    if peer:
        batch.add("peer_services", services_op(peer))
        # What the peer's name resolves to and this node's own addresses: a peer that is this node is refused.
        batch.add("peer_resolved", cmdlet("Resolve-DnsName", Name=peer, Type="A", ErrorAction="SilentlyContinue",
                                          select=["IPAddress"]))
        batch.add("own_addresses", cmdlet("Get-NetIPAddress", AddressFamily="IPv4", select=["IPAddress"]))
    if node_reads:
        node.host_reads(batch)
    cluster_reads(batch, group)
    return node.cluster_reads(batch) if node_reads else batch


def computer_op():
    """The computer's NetBIOS name and its domain (a fully qualified name given must be in it)."""
    return cmdlet("Get-CimInstance", ClassName="Win32_ComputerSystem", select=["Name", "Domain"])


def _status(rows) -> dict:
    return {str(r.get("Name")): str(r.get("Status")) for r in rows or []}


def oscc_role(node: str, group: dict | None, oscc_status: dict) -> str:
    """How OSCC stands on a node: active, warm_standby or stopped. ASSUMED (docs/cluster.md): no public document says
    how OSCC V12 shows Warm Standby; the node that owns the HPPC Group while the group is online is the active one,
    and a node whose OpenScape Contact Center service runs without that is in Warm Standby."""
    running = oscc_status.get(OSCC_SERVICES[0]) == "Running"
    if not running:
        return "stopped"
    if group and group.get("state") == "Online" and same_node(group.get("owner"), node):
        return "active"
    return "warm_standby"


def same_node(one, other, domain=None) -> bool:
    """Computer names compare as Windows reports them, short or fully qualified (in `domain` when known)."""
    return node.same_name(one, other, domain)


def read_probe(batch: Batch, done: dict, group: str) -> dict:
    """The probe's answers as one state. cluster_error: why the cluster could not be read (its service stopped);
    with the node's reads also node_info (node.read_node) and node_error (why one of them failed)."""
    results = batch.results(done)
    failed = batch.failed(done)
    if failed is not None and failed.step in node.CLUSTER_STEPS:
        failed = None  # the cluster's own reads all ran; only its networks are missing (node_info says so)
    state = _read_cluster(batch, results, failed, group)
    if "os" in batch.names:
        state["node_info"] = node.read_node(results, state["node"])
        in_host_reads = failed is not None and failed.step in node.HOST_STEPS
        state["node_error"] = failed.line() if in_host_reads else None
    return state


def _read_cluster(batch: Batch, results: dict, failed, group: str) -> dict:
    computer = first(results, "computer") or {}
    services = _status(objects(results, "services"))
    state = {"node": str(computer.get("Name") or ""), "domain": computer.get("Domain") or None,
             "cluster_service": services.get(CLUSTER_SERVICE, "Absent"),
             "oscc_services": {s: services.get(s, "Absent") for s in OSCC_SERVICES},
             "cluster_error": None, "cluster": None, "nodes": {}, "group": None, "quorum": None}
    pings = {name[1]: bool(objects(results, name)) for name in batch.names
             if isinstance(name, tuple) and name[0] == "ping" and name in results}
    if pings:
        state["peer_reachable"] = pings
    if "peer_services" in results:
        state["peer_services"] = _status(objects(results, "peer_services"))
    for name in ("peer_resolved", "own_addresses"):
        if name in results:
            state[name] = [str(r.get("IPAddress")) for r in objects(results, name) or [] if r.get("IPAddress")]
    if failed is not None and failed.step in ("cluster", "nodes", "group", "quorum"):
        state["cluster_error"] = f"{group}: {failed.line()}" if failed.step == "group" else failed.line()
        if failed.step != "group":
            return state
    elif failed is not None:
        state["cluster_error"] = failed.line()
        return state
    cluster = first(results, "cluster") or {}
    state["cluster"] = {"name": cluster.get("Name"), "forced_quorum": str(cluster.get("FixQuorum")) == "1"}
    state["nodes"] = {str(n.get("Name")): {"state": str(n.get("State")), "drain": str(n.get("DrainStatus")),
                                           "vote": n.get("DynamicWeight")} for n in objects(results, "nodes") or []}
    found = first(results, "group")
    if found:
        state["group"] = {"name": str(found.get("Name")), "owner": str(found.get("OwnerNode")),
                          "state": str(found.get("State"))}
    quorum = first(results, "quorum") or {}
    state["quorum"] = {"type": quorum.get("QuorumType"), "resource": quorum.get("QuorumResource")}
    if state["node"] and state["cluster_error"] is None:
        state["oscc_role"] = oscc_role(state["node"], state["group"], state["oscc_services"])
    return state


def node_named(state: dict, name: str) -> str | None:
    """The cluster's spelling of a node's name, or None when the cluster has no such node."""
    return next((n for n in state["nodes"] if same_node(n, name, state.get("domain"))), None)


def plan(state: dict, args: dict) -> tuple[list, list]:
    """(changes in words, cmdlet operations) that bring the group and the node where args want them; a problem is
    raised as ValueError in one line naming the option."""
    changes, ops = [], []
    group = state["group"]
    name = args["group"]
    if args.get("owner"):
        owner = node_named(state, args["owner"])
        if owner is None:
            raise ValueError(f"owner: {args['owner']!r} is not a node of the cluster ({', '.join(state['nodes'])})")
        if not same_node(group["owner"], owner):
            if state["nodes"][owner]["state"] != "Up":
                raise ValueError(f"owner: {owner} is {state['nodes'][owner]['state']}; the group moves to an Up node "
                                 "only")
            changes.append(f"{name} moved from {group['owner']} to {owner}")
            ops.append(_cluster("Move-ClusterGroup", Name=name, Node=owner))
    if args.get("state") == "online" and group["state"] != "Online":
        changes.append(f"{name} brought online")
        ops.append(_cluster("Start-ClusterGroup", Name=name))
    if args.get("state") == "offline" and group["state"] != "Offline":
        changes.append(f"{name} taken offline")
        ops.append(_cluster("Stop-ClusterGroup", Name=name))
    if args.get("node_state"):
        node = node_named(state, args.get("node") or state["node"])
        if node is None:
            raise ValueError(f"node: {args.get('node') or state['node']!r} is not a node of the cluster "
                             f"({', '.join(state['nodes'])})")
        current = state["nodes"][node]["state"]
        if args["node_state"] == "paused" and current != "Paused":
            if current != "Up":
                raise ValueError(f"node_state: {node} is {current}; only an Up node can be paused")
            others_up = [n for n, v in state["nodes"].items() if n != node and v["state"] == "Up"]
            if not others_up:
                shown = ", ".join(f"{n} {v['state']}" for n, v in state["nodes"].items())
                raise ValueError(f"node_state: {node} is the last Up node; pausing it leaves no node to take its "
                                 f"groups ({shown})")
            changes.append(f"{node} paused, its groups drained")
            ops.append(_cluster("Suspend-ClusterNode", Name=node, Drain=True, Wait=True))
        if args["node_state"] == "resumed" and current == "Paused":
            changes.append(f"{node} resumed")
            ops.append(_cluster("Resume-ClusterNode", Name=node))
    return changes, ops


def drain_problem(state: dict, node: str) -> str | None:
    """Why a pause did not drain `node`, or None: its DrainStatus is not Completed (a group that no other node can
    take ends the drain Failed) or the group is still owned by it."""
    found = node_named(state, node)
    drain = state["nodes"][found]["drain"] if found else "unknown"
    group = state.get("group") or {}
    still_here = same_node(group.get("owner"), node)
    if drain == "Completed" and not still_here:
        return None
    where = f"{group.get('name')} is still on {node} ({group.get('state')})" if still_here else \
        f"{group.get('name')} is on {group.get('owner')}"
    return (f"node_state: {node} is paused but its drain ended {drain}: {where}; move the group to an Up node or "
            f"resume {node}")


def peer_problem(state: dict, peer: str, addresses) -> str | None:
    """Why forcing quorum here could start OSCC twice (manual §8.7 WICHTIG), or None. Any sign of life refuses unless
    the peer's service control manager shows every OSCC service stopped: a ping answered on any address, or the
    service control manager answering at all (it reaches the peer by name, whatever the pings say). The peer
    counts as unreachable only with no answer on every address and none from its service control manager."""
    reachable = [a for a, answered in state.get("peer_reachable", {}).items() if answered]
    services = state.get("peer_services") or {}
    answered = reachable + (["its service control manager"] if services else [])
    if not answered:
        return None
    if services and all(services.get(s) == "Stopped" for s in OSCC_SERVICES):
        return None
    shown = ", ".join(f"{s}: {services.get(s, 'unknown')}" for s in OSCC_SERVICES)
    return (f"quorum: refused: {peer} answers on {', '.join(answered)} and its OSCC services are not verifiably "
            f"stopped ({shown}); isolate it from the network or stop its services first (manual §8.7)")


def force_problem(state: dict, peer: str, addresses, this_host: str) -> str | None:
    """Why forcing quorum on this host is refused before any change, or None: this host is not a node of the
    cluster; `peer` is this node (by name, inventory name, or an address it resolves to) or, when the cluster
    answers, not one of its other nodes; the peer may be running OSCC (peer_problem)."""
    node = state["node"]
    if state["cluster_service"] == "Absent":
        return f"quorum: {node or this_host} is not a node of a cluster: it has no cluster service ({CLUSTER_SERVICE})"
    if state["nodes"] and node_named(state, node) is None:
        return f"quorum: {node} is not a node of the cluster ({', '.join(state['nodes'])})"
    own = set(state.get("own_addresses") or [])
    resolved = sorted(own & set(state.get("peer_resolved") or []))
    if same_node(peer, node) or str(peer).lower() == str(this_host).lower() or resolved:
        how = f" (it resolves to {', '.join(resolved)})" if resolved else ""
        return f"peer: {peer!r} is this node {node}{how}; name the other node of the cluster"
    mine = [a for a in addresses if a in own]
    if mine:
        return f"peer_addresses: {', '.join(mine)} is an address of this node {node}, not of {peer}"
    if state["nodes"] and node_named(state, peer) is None:
        return f"peer: {peer!r} is not a node of the cluster ({', '.join(state['nodes'])})"
    return peer_problem(state, peer, addresses)


def force_plan(state: dict) -> tuple[list, list]:
    """(changes, operations) to start the local node with -FixQuorum: nothing when it already runs forced; the cluster
    service stopped first when it still runs (§8.7 steps 1-3). A cluster with its quorum is not forced."""
    node = state["node"]
    if state["cluster_error"] is None and state["cluster"]:
        if state["cluster"]["forced_quorum"]:
            return [], []
        raise ValueError(f"quorum: the cluster {state['cluster']['name']} has its quorum on {node}; there is "
                         "nothing to force")
    changes, ops = [], []
    if state["cluster_service"] == "Running":
        changes.append(f"cluster service stopped on {node}")
        ops.append(cmdlet("Stop-Service", Name=CLUSTER_SERVICE, Force=True))
    changes.append(f"cluster service started on {node} with forced quorum")
    ops.append(_cluster("Start-ClusterNode", Name=node, FixQuorum=True))
    return changes, ops


def sync_target(state: dict, nodes, chosen=None) -> dict:
    """Manual §8.2: the node that was down is synchronised from the one that served. The group's owner is the node
    that served (an offline group keeps its last owner), so the target is the other of the two nodes (inventory
    names); a chosen target must be that node. Returns node (the target), source and problem (one line, or None)."""
    verdict = {"node": None, "source": None, "problem": None}
    group = state.get("group") or {}
    if state.get("cluster_error") or not group.get("owner"):
        reason = state.get("cluster_error") or "the group has no owner"
        verdict["problem"] = (f"replication_ha_sync_node: the cluster does not say which node served ({reason}); "
                              "§8.2 synchronises the node that was down, so nothing was changed")
        return verdict
    owner = group["owner"]
    source = next((n for n in nodes if same_node(n, owner)), None)
    if source is None:
        verdict["problem"] = (f"replication_ha_sync_node: {group.get('name')} is owned by {owner}, which is neither "
                              f"of the nodes {', '.join(nodes)}; nothing was changed")
        return verdict
    target = next(n for n in nodes if n != source)
    verdict.update(node=target, source=source)
    if chosen and not same_node(chosen, target) and not same_node(chosen, source):
        verdict["problem"] = f"replication_ha_sync_node: {chosen} is neither of the nodes {', '.join(nodes)}"
    elif chosen and not same_node(chosen, target):
        verdict["problem"] = (f"replication_ha_sync_node: {chosen} owns {group.get('name')} ({group.get('state')}), "
                              f"so it is the node that served; §8.2 synchronises the node that was down, {target}, "
                              f"from it. Give replication_ha_sync_node={target} or leave it out; nothing was changed")
    return verdict
