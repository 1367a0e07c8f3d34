# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: A server taken down for maintenance (manual §6.1 and the notes of §6): which node of a warm-standby cluster
# may go now, the OSCC services stopped before the Informix service, the guard that no power-off meets a running
# Informix server, and the check that everything came back. Executor operations and judgements only; no I/O.
from __future__ import annotations

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import cmdlet, services_read
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx

# The Informix Windows service: the manual calls it "Informix IDS"; IDS 12.10 installs it under the second name
# (docs/maintenance.md). Whichever of these the host has, exactly one.
INFORMIX_SERVICE_NAMES = ("Informix IDS - {server}", "IBM Informix Database Server - {server}")
SHUTDOWN_EXE = "C:\\Windows\\System32\\shutdown.exe"
SHUTDOWN_DELAY = 10  # seconds: the executor's answer leaves the host before Windows goes down
SHUTDOWN_COMMENT = "oscc.admin maintenance: OSCC and Informix stopped first (manual 6.1)"
PASSES = ("standby", "active")
# A failover cluster's own service: running only on a node of a cluster (finding 6 of review 21).
CLUSTER_SERVICE = "ClusSvc"
# The server's lock (docs/backup.md, "lock") is held from the stop until Informix is read On-Line after the restart: a
# lease of both waits, the restart and the margin a backup's lease has.
LOCK_MARGIN_SECONDS = 900
LOCK_OPERATION = "maintenance"


def statuses(objects, names) -> dict:
    """Each named service's status as Get-Service gave it (names compare in any case), Absent when not listed."""
    found = {str(o.get("Name")).lower(): str(o.get("Status")) for o in objects or []}
    return {name: found.get(name.lower(), "Absent") for name in names}


def membership_read() -> dict:
    """Get-ClusterNode: the nodes of the cluster this host is a node of; it fails on a host that is none (so it comes
    last in its batch)."""
    return cmdlet("Get-ClusterNode", module="FailoverClusters", select=["Name", "State"])


def cluster_member_problem(clussvc_status: str, node_rows) -> str | None:
    """Why a server taken as one outside the cluster may not go: it is a node (its cluster service runs, or the
    cluster lists its nodes), and a reboot of it would fail the groups it owns over."""
    nodes = sorted(str(n.get("Name")) for n in node_rows or [] if n.get("Name"))
    if clussvc_status != "Running" and not nodes:
        return None
    listed = f"nodes: {', '.join(nodes)}" if nodes else f"{CLUSTER_SERVICE} {clussvc_status}"
    return (f"cluster: this server is a node of a failover cluster ({listed}) and cluster is false "
            "(maintenance_cluster in the role): its reboot would fail the HPPC Group over; set it true, so the "
            "standby node goes first, paused, and the active node only when asked; nothing was stopped")


def paused_note(node: str) -> str:
    """What a failure after the pause leaves, and how to end it: the node stays paused, so no failover can reach it."""
    return (f"node {node} stays paused in the cluster (no failover can reach it): once Informix and the OSCC services "
            f"run there, resume it with oscc.admin.failover_cluster node_state=resumed (Resume-ClusterNode {node}), "
            "or run the maintenance again, which resumes it at its end")


def already_paused(state: dict | None) -> str | None:
    """A warning when this node was found paused before the run paused it (a maintenance that did not finish)."""
    if not state:
        return None
    node = str(state.get("node") or "")
    found = {n.lower(): v for n, v in (state.get("nodes") or {}).items()}
    if (found.get(node.lower()) or {}).get("state") != "Paused":
        return None
    return (f"node {node} was already paused when this run began (a maintenance that did not finish?); "
            "this run goes on and resumes it after the verified reboot")


def lock_ttl(timeout: int, reboot_timeout: int) -> int:
    """The lease of the server's lock: the stop's wait, the restart, the check's wait, and a backup's margin."""
    return 2 * timeout + reboot_timeout + LOCK_MARGIN_SECONDS


def informix_service_names(server: str) -> list:
    """The names the Informix service of `server` may have on a host (INFORMIX_SERVICE_NAMES)."""
    return [n.format(server=server) for n in INFORMIX_SERVICE_NAMES]


def informix_service(listed, server: str, given: str | None = None) -> str:
    """The Informix service's name: the one given, else the one of INFORMIX_SERVICE_NAMES the host has."""
    if given:
        return given
    candidates = informix_service_names(server)
    present = [n for n, status in statuses(listed, candidates).items() if status != "Absent"]
    if len(present) != 1:
        raise ValueError(f"informix_service: the host has {'none' if not present else 'both'} of "
                         f"{', '.join(repr(c) for c in candidates)}; give the informix_service option")
    return present[0]


def cluster_role(state: dict | None) -> str:
    """none (not clustered), standby or active, from the cluster state _cluster/cluster.read_probe gives; a node the
    cluster does not list, or a cluster that cannot be read, is refused in one line."""
    if state is None:
        return "none"
    if state.get("cluster_error"):
        raise ValueError(f"cluster: this server is not a working node of the cluster ({state['cluster_error']})")
    if not any(n.lower() == str(state.get("node", "")).lower() for n in state.get("nodes") or {}):
        raise ValueError(f"cluster: {state.get('node') or 'this server'} is not a node of the cluster "
                         f"(nodes: {', '.join(sorted(state.get('nodes') or {})) or 'none'})")
    group = state.get("group") or {}
    owner = str(group.get("owner", "")).lower()
    return "active" if owner == str(state["node"]).lower() and group.get("state") == "Online" else "standby"


def peer_of(state: dict) -> str | None:
    """The other node of a two-node cluster."""
    others = [n for n in state.get("nodes") or {} if n.lower() != str(state.get("node", "")).lower()]
    return others[0] if len(others) == 1 else None


def node_turn(role: str, maintenance_pass: str, include_active: bool) -> str | None:
    """Why this server waits for another pass (None: its turn now). Standby nodes and servers outside the cluster
    go in the standby pass; the active node only in the active pass, and only when the operator asks."""
    if maintenance_pass not in PASSES:
        raise ValueError(f"maintenance_pass must be one of: {', '.join(PASSES)}; got {maintenance_pass!r}")
    if maintenance_pass == "standby" and role == "active":
        return "the active node waits for the active pass (include_active), after the standby node"
    if maintenance_pass == "active" and role != "active":
        return "not the active node: its maintenance ran in the standby pass"
    if role == "active" and not include_active:
        return "the active node is left running: include_active was not asked for"
    return None


def peer_problem(state: dict, peer: str | None, peer_services: dict) -> str | None:
    """Before the active node goes: the other node must be Up and in Warm Standby (its OSCC services running);
    the judgement is the assumed one of docs/cluster.md."""
    if not peer:
        return "cluster: the active node has no other node to leave OSCC to"
    node_state = (state.get("nodes") or {}).get(peer, {}).get("state")
    if node_state != "Up":
        return f"cluster: the other node {peer} is {node_state or 'unknown'}, not Up; the active node stays"
    down = [n for n, s in peer_services.items() if s != "Running"]
    if down:
        return (f"cluster: the other node {peer} is not in Warm Standby ({', '.join(down)} not running); "
                "the active node stays")
    return None


def stop_ops(informix, services: list, informix_name: str, server_up: bool, timeout: int,
             lock: dict | None = None) -> Batch:
    """One round trip: with lock, the server's lock taken first (the batch halts while a backup or restore holds it);
    the OSCC services stopped (Stop-Service waits for each until Stopped and fails the batch when
    one does not stop), read back; then Informix taken off-line (onmode -ky), its off-line checked (onstat - 255,
    else the batch halts here), the Informix service stopped and every service read."""
    batch = Batch()
    if lock:
        batch.add("lock", lock)
    if services:
        batch.add("stop_oscc", cmdlet("Stop-Service", Name=list(services), Force=True, PassThru=True,
                                      ErrorAction="Stop", select=["Name", "Status"]))
        batch.add("oscc_after", services_read(services))
    if server_up:
        batch.add("informix_down", informix.program_op("onmode", "-ky", timeout=timeout))
    return informix_stop(batch, informix, informix_name)


def informix_stop(batch: Batch, informix, informix_name: str) -> Batch:
    """Off-line checked (the batch halts while the server runs), then its Windows service stopped and read."""
    batch.add("offline", informix.program_op("onstat", "-", ok_rc=[ifx.OFFLINE_RC]))
    batch.add("stop_informix", cmdlet("Stop-Service", Name=[informix_name], Force=True, PassThru=True,
                                      ErrorAction="Stop", select=["Name", "Status"]))
    return batch


def guard_ops(informix, services: list, informix_name: str, shutdown: bool) -> Batch:
    """Right before the power-off: Informix off-line (onstat - 255, else the batch halts) and every service read;
    with shutdown, Windows told to shut down in the same round trip, only after the check passed."""
    batch = Batch().add("guard", informix.program_op("onstat", "-", ok_rc=[ifx.OFFLINE_RC]))
    batch.add("services", services_read([*services, informix_name]))
    if shutdown:
        batch.add("shutdown", {"op": "run", "argv": [SHUTDOWN_EXE, "/s", "/t", str(SHUTDOWN_DELAY),
                                                     "/c", SHUTDOWN_COMMENT], "timeout": 60, "ok_rc": [0]})
    return batch


def guard_problem(onstat_rc, service_status: dict, informix_name: str) -> str | None:
    """Why no power-off may follow: the server not off-line, or a service still running."""
    if onstat_rc != ifx.OFFLINE_RC:
        return (f"Informix is {ifx.MODE_BY_RC.get(onstat_rc, f'in mode rc {onstat_rc}')} (service {informix_name!r}): "
                "no shutdown or reboot")
    running = [n for n, s in service_status.items() if s not in ("Stopped", "Absent")]
    if running:
        return f"still running: {', '.join(running)}; no shutdown or reboot"
    return None


def verify_ops(informix, services: list, informix_names: list, unlock: dict | None = None) -> Batch:
    """After the reboot: Informix's mode and every service (the Informix service under each name it may have:
    informix_service chooses). With unlock, the maintenance's lock released once Informix is On-Line (onstat - 5,
    else the batch halts before it), so a backup may run again."""
    batch = Batch().add("services", services_read([*informix_names, *services]))
    if not unlock:
        return batch.add("onstat", informix.program_op("onstat", "-"))
    batch.add("onstat", informix.program_op("onstat", "-", ok_rc=[ifx.ONLINE_RC]))
    return batch.add("unlock", unlock)


def verify_problems(onstat_rc, service_status: dict) -> list[str]:
    """What is not back: Informix not On-Line, a service not running."""
    problems = []
    if onstat_rc != ifx.ONLINE_RC:
        problems.append(f"Informix is {ifx.MODE_BY_RC.get(onstat_rc, f'in mode rc {onstat_rc}')}, not On-Line")
    problems += [f"{name} is {status}" for name, status in service_status.items() if status != "Running"]
    return problems


def plan_words(services_running: list, informix_name: str, server_up: bool, power: str) -> list[str]:
    """What the stop does, in order, in words (check mode says this; a real run does it)."""
    words = [f"stop service {name!r} and wait until Stopped" for name in services_running]
    if server_up:
        words.append("take Informix off-line (onmode -ky) and wait for onstat - to say Off-Line")
    words.append(f"stop service {informix_name!r}")
    words.append("check Informix off-line and every service stopped, right before the power-off")
    if power in ("shutdown", "reboot"):
        words.append(f"{power} Windows")
    return words
