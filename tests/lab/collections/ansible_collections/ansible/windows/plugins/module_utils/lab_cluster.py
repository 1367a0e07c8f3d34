# Lab test equipment: the failover cluster that lab-main and lab-backup form (manual chapter 8), kept in the lab-wide
# <root>/cluster.json under its lock (cluster.json.lock), and the FailoverClusters cmdlets oscc.admin runs on it:
# Get-Cluster, Get-ClusterNode, Get-ClusterGroup, Get-ClusterQuorum, Start-/Stop-/Move-ClusterGroup,
# Suspend-/Resume-ClusterNode, Start-/Stop-ClusterNode; Get-Service with -Name and -ComputerName, Stop-Service of
# ClusSvc and of the host's own services; Get-CimInstance Win32_ComputerSystem (the computer's name). Parameters as the
# cmdlets document them (docs/cluster.md); states as strings, as the executor gives enums. Quorum: two nodes and a file
# share witness, one vote each; a node that cannot count two votes stops its cluster service, its groups go offline and
# its OSCC services stop (§8.7); -FixQuorum starts a node without the majority until a reboot (labctl.reboot_node,
# win_reboot) or until the votes are back. The HPPC Group's OSCC services follow its owner: online on a node starts them
# there; a node that loses the group keeps them running (warm standby). Lock order: a host's windows.json (held by the
# stand-in), then cluster.json; another host's services change only after both are released (flush). A node's network
# (§8.8 step 3): Get-NetAdapter, Get-NetIPInterface, Get-NetIPAddress, Get-ItemProperty of Tcpip\Linkage (Bind),
# Win32_OperatingSystem, Get-ClusterNetwork and Get-ClusterNetworkInterface. Standard library only.
from __future__ import annotations

import fcntl
import json
import os
import tempfile

OSCC_SERVICES = ("OpenScape Contact Center", "OpenScape Contact Center AutoPA")
HPPC_GROUP = "HPPC Group"
MODULE = "failoverclusters"
NO_MODULE = ("The specified module 'FailoverClusters' was not loaded because no valid module file was found in any "
             "module directory.")
# What a cluster cmdlet says when the local cluster service does not run (sim: the real text names the RPC error).
NO_CLUSTER = "sim: Cluster service on node {node} is not running: the cluster cannot be reached"
NO_SCM = "Cannot open Service Control Manager on computer '{name}'. This operation might require other privileges."
GROUP = {"Name", "InputObject", "Cluster"}
WAIT = {"Wait"}
# Start-ClusterNode's -ForceQuorum and its aliases (PSD22): -fq, -FixQuorum.
FORCE = ("forcequorum", "fixquorum", "fq")
# Windows Server releases by the version Win32_OperatingSystem gives (cluster_and_system_ops.md §4).
WINDOWS_2012_R2 = {"caption": "Microsoft Windows Server 2012 R2 Standard", "version": "6.3.9600"}
WINDOWS_2016 = {"caption": "Microsoft Windows Server 2016 Standard", "version": "10.0.14393"}
TCPIP_LINKAGE = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Linkage"
# The parameters the NetAdapter and NetTCPIP cmdlets document (2012 R2 and later), besides the CIM common ones.
CIM = {"CimSession", "ThrottleLimit", "AsJob"}
NET_ADAPTER = CIM | {"Name", "InterfaceDescription", "InterfaceIndex", "IncludeHidden", "Physical"}
NET_IP_INTERFACE = CIM | {"InterfaceAlias", "InterfaceIndex", "AddressFamily", "Forwarding", "ClampMss", "Advertising",
                          "NlMtuBytes", "InterfaceMetric", "NeighborUnreachabilityDetection", "AutomaticMetric",
                          "ConnectionState", "Dhcp", "PolicyStore", "IncludeAllCompartments"}
NET_IP_ADDRESS = CIM | {"IPAddress", "InterfaceIndex", "InterfaceAlias", "AddressFamily", "Type", "PrefixLength",
                        "PrefixOrigin", "SuffixOrigin", "AddressState", "ValidLifetime", "PreferredLifetime",
                        "SkipAsSource", "AssociatedIPInterface", "PolicyStore", "IncludeAllCompartments"}
PENDING: list = []  # (lab host, {service: state}) to write once the caller's own state is saved


def _root():
    return os.path.dirname(os.environ["OSCC_LAB_HOST_DIR"])


def _here():
    return os.path.basename(os.environ["OSCC_LAB_HOST_DIR"])


def path(root=None):
    return os.path.join(root or _root(), "cluster.json")


def _dns(root):
    with open(os.path.join(root, "dns.json")) as handle:
        return json.load(handle)


def _save(file_path, data):
    descriptor, tmp = tempfile.mkstemp(prefix="cluster.", suffix=".tmp", dir=os.path.dirname(file_path))
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle, indent=1)
    os.replace(tmp, file_path)


class Cluster:
    """cluster.json read under its lock; save() writes it and lets the lock go."""

    def __init__(self, root=None):
        self.root = root or _root()
        self.file = path(self.root)
        self._lock = open(self.file + ".lock", "a")  # noqa: SIM115 - held until save or close
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        with open(self.file) as handle:
            self.data = json.load(handle)

    def save(self):
        _save(self.file, self.data)
        self.close()

    def close(self):
        self._lock.close()

    def node(self, name):
        found = next((n for n in self.data["nodes"] if n.lower() == str(name).lower()), None)
        if found is None:
            raise LookupError(f"The node '{name}' does not exist in the cluster.")
        return found

    def node_of(self, host):
        return next((n for n, v in self.data["nodes"].items() if v["host"] == host), None)

    def isolated(self, name):
        """A node the network does not reach (labctl.set_reachable): it sees neither its peer nor the witness."""
        table = _dns(self.root)
        address = next((a for a, h in table["hosts"].items() if h == self.data["nodes"][name]["host"]), None)
        return address in table["unreachable"]

    def votes(self, name):
        """The votes a running node counts: its own, the witness's, those of running nodes it reaches."""
        if self.isolated(name):
            return 1
        others = [n for n, v in self.data["nodes"].items()
                  if n != name and v["clussvc"] == "Running" and not self.isolated(n)]
        return 1 + (1 if self.data["witness_online"] else 0) + len(others)

    def settle(self, services):
        """Quorum judged for every running node, then each group placed; services(host, {name: state}) applies
        what the OSCC services do."""
        for node in self.data["nodes"].values():
            if node["clussvc"] != "Running":
                continue
            majority = self.votes(self.node_of(node["host"])) >= 2
            if node["forced"] and majority:
                node["forced"] = False  # the votes are back: the cluster leaves the forced state by itself
            if not majority and not node["forced"]:
                node.update(clussvc="Stopped", state="Down")
                services(node["host"], {s: "stopped" for s in OSCC_SERVICES})  # §8.7: the cluster and OSCC stop
        up = [n for n, v in sorted(self.data["nodes"].items()) if v["state"] == "Up"]
        for group in self.data["groups"].values():
            owner = self.data["nodes"][group["owner"]]["state"]
            if owner == "Up" and group["state"] != "Online" and group["persistent"] == "Online":
                self.online(group, services)  # the cluster formed again: its groups come back where they were
            if owner in ("Up", "Paused"):
                continue
            if not up:
                group["state"] = "Offline"
                continue
            group["owner"] = up[0]  # the failover to a node that runs
            if group["persistent"] == "Online":
                self.online(group, services)

    def online(self, group, services):
        group.update(state="Online", persistent="Online")
        if group["name"] == HPPC_GROUP:  # the OSCC services follow the owner
            services(self.data["nodes"][group["owner"]]["host"], {s: "running" for s in OSCC_SERVICES})

    def group_row(self, group):
        return {"Name": group["name"], "OwnerNode": group["owner"], "State": group["state"],
                "Cluster": self.data["name"], "IsCoreGroup": group["name"] == "Cluster Group"}

    def node_row(self, name):
        node = self.data["nodes"][name]
        weight = 1 if node["state"] in ("Up", "Paused") else 0
        return {"Name": name, "State": node["state"], "Id": str(node["id"]), "DrainStatus": node["drain"],
                "NodeWeight": 1, "DynamicWeight": weight, "Cluster": self.data["name"]}


def register(cmdlets):
    """The FailoverClusters cmdlets and the few others the cluster modules run, in lab_cmdlets' table (once)."""
    if "Get-ClusterNode" in cmdlets.TABLE:
        return
    cmdlets.MODULES[MODULE] = ("failover_clustering", NO_MODULE)
    define, Failure, NotFound = cmdlets.define, cmdlets.Failure, cmdlets.NotFound
    source = "module:FailoverClusters"

    def services(session):
        """What the OSCC services do: on this host in the stand-in's state, on another host after it is saved."""
        def apply(host, states):
            if host == _here():
                for name, state in states.items():
                    if name in session.data.get("services", {}):
                        session.data["services"][name]["state"] = state
            else:
                PENDING.append((host, dict(states)))
        return apply

    def open_cluster(session, needs_service=True):
        """The cluster, settled; with needs_service the local cluster service must run, as the cmdlets need it."""
        if not os.path.exists(path()):
            raise Failure("sim: this computer is not a node of a cluster")
        cluster = Cluster()
        cluster.settle(services(session))
        local = cluster.node_of(_here())
        if needs_service and (local is None or cluster.data["nodes"][local]["clussvc"] != "Running"):
            cluster.save()
            raise Failure(NO_CLUSTER.format(node=local or _here()))
        return cluster, local

    def answer(cluster, rows):
        cluster.save()
        return rows

    def group_of(cluster, p):
        name = str(p.get("Name", ""))
        group = next((g for g in cluster.data["groups"].values() if g["name"].lower() == name.lower()), None)
        if group is None:
            cluster.save()
            raise NotFound(f"An error occurred opening cluster group '{name}'. The group name could not be found.")
        return group

    def named_node(cluster, p, local):
        try:
            return cluster.node(p.get("Name") or local)
        except LookupError as exc:
            cluster.save()
            raise NotFound(str(exc)) from None

    @define("Get-Cluster", source, {"Name", "Domain"})
    def get_cluster(session, p):
        cluster, _local = open_cluster(session)
        forced = any(v["forced"] for v in cluster.data["nodes"].values())
        return answer(cluster, [{"Name": cluster.data["name"], "FixQuorum": 1 if forced else 0,
                                 "PreventQuorum": 0, "Domain": "lab.invalid"}])

    @define("Get-ClusterNode", source, {"Name", "InputObject", "Cluster"})
    def get_cluster_node(session, p):
        cluster, _local = open_cluster(session)
        names = [cluster.node(p["Name"])] if p.get("Name") else sorted(cluster.data["nodes"])
        return answer(cluster, [cluster.node_row(n) for n in names])

    @define("Get-ClusterGroup", source, GROUP)
    def get_cluster_group(session, p):
        cluster, _local = open_cluster(session)
        groups = [group_of(cluster, p)] if p.get("Name") else list(cluster.data["groups"].values())
        return answer(cluster, [cluster.group_row(g) for g in groups])

    @define("Get-ClusterQuorum", source, {"Cluster", "InputObject"})
    def get_cluster_quorum(session, p):
        cluster, _local = open_cluster(session)
        return answer(cluster, [{"Cluster": cluster.data["name"], "QuorumResource": "File Share Witness",
                                 "QuorumType": cluster.data["quorum_type"]}])

    @define("Start-ClusterGroup", source, GROUP | WAIT | {"IgnoreLocked", "ChooseBestNode"})
    def start_cluster_group(session, p):
        cluster, _local = open_cluster(session)
        group = group_of(cluster, p)
        if cluster.data["nodes"][group["owner"]]["state"] != "Up":
            cluster.save()
            raise Failure(f"sim: the group '{group['name']}' cannot come online on node '{group['owner']}'")
        cluster.online(group, services(session))
        return answer(cluster, [cluster.group_row(group)])

    @define("Stop-ClusterGroup", source, GROUP | WAIT | {"IgnoreLocked"})
    def stop_cluster_group(session, p):
        cluster, _local = open_cluster(session)
        group = group_of(cluster, p)
        group.update(state="Offline", persistent="Offline")  # the OSCC services stay: the node is warm standby
        return answer(cluster, [cluster.group_row(group)])

    @define("Move-ClusterGroup", source, GROUP | WAIT | {"Node", "IgnoreLocked"})
    def move_cluster_group(session, p):
        cluster, _local = open_cluster(session)
        group = group_of(cluster, p)
        others = [n for n in sorted(cluster.data["nodes"]) if n != group["owner"]]
        try:
            target = cluster.node(p["Node"]) if p.get("Node") else others[0]
        except LookupError as exc:
            cluster.save()
            raise Failure(str(exc)) from None
        if cluster.data["nodes"][target]["state"] != "Up":
            cluster.save()
            raise Failure(f"sim: the node '{target}' is not up: the group cannot move there")
        was_online = group["state"] == "Online"
        group["owner"] = target
        if was_online:  # the failover: offline on the old owner (its services stay, warm standby), online here
            cluster.online(group, services(session))
        return answer(cluster, [cluster.group_row(group)])

    @define("Suspend-ClusterNode", source, {"Name", "InputObject", "Cluster", "Drain", "ForceDrain", "Wait",
                                            "TargetNode"}, should_process=True)
    def suspend_cluster_node(session, p):
        cluster, local = open_cluster(session)
        name = named_node(cluster, p, local)
        node = cluster.data["nodes"][name]
        if node["state"] != "Up" and node["state"] != "Paused":
            cluster.save()
            raise Failure(f"sim: the node '{name}' is {node['state']}: it cannot be paused")
        if p.get("Drain"):
            others = [n for n, v in cluster.data["nodes"].items() if n != name and v["state"] == "Up"]
            for group in cluster.data["groups"].values():
                if group["owner"] == name and others:
                    was_online = group["state"] == "Online"
                    group["owner"] = others[0]
                    if was_online:
                        cluster.online(group, services(session))
            # Without -Wait the drain only starts (PSD22); the lab's drain ends at once either way. A group no
            # other node can take stays where it is and the drain ends Failed (DrainStatus, MSCS); the node is
            # paused all the same (assumed: docs/cluster.md).
            stuck = any(g["owner"] == name for g in cluster.data["groups"].values())
            node["drain"] = "Failed" if stuck else "Completed"
        node["state"] = "Paused"
        return answer(cluster, [cluster.node_row(name)])

    @define("Resume-ClusterNode", source, {"Name", "InputObject", "Cluster", "Failback"})
    def resume_cluster_node(session, p):
        cluster, local = open_cluster(session)
        name = named_node(cluster, p, local)
        node = cluster.data["nodes"][name]
        if node["state"] == "Paused":
            node.update(state="Up", drain="NotInitiated")
        return answer(cluster, [cluster.node_row(name)])

    @define("Stop-ClusterNode", source, {"Name", "InputObject", "Cluster", "Wait"}, should_process=True)
    def stop_cluster_node(session, p):
        cluster, local = open_cluster(session)
        name = named_node(cluster, p, local)
        cluster.data["nodes"][name].update(clussvc="Stopped", state="Down", forced=False)
        cluster.settle(services(session))
        return answer(cluster, [cluster.node_row(name)])

    @define("Start-ClusterNode", source, {"Name", "InputObject", "Cluster", "ForceQuorum", "FixQuorum", "fq",
                                          "PreventQuorum", "IgnorePersistentState", "Wait"})
    def start_cluster_node(session, p):
        # The local node's own service: the cmdlet starts ClusSvc, which needs no running cluster.
        cluster, local = open_cluster(session, needs_service=False)
        name = named_node(cluster, p, local)
        if cluster.data["nodes"][name]["host"] != _here():
            cluster.save()
            raise Failure("lab stand-in: Start-ClusterNode is simulated for the local node only")
        node = cluster.data["nodes"][name]
        if node["clussvc"] == "Running":
            cluster.save()
            raise Failure(f"sim: the cluster service on node '{name}' is already running")
        forced = any(k.lower() in FORCE and v for k, v in p.items())
        node.update(clussvc="Running", state="Up", forced=forced)
        if not forced and cluster.votes(name) < 2:
            node.update(state="Joining")
        cluster.settle(services(session))
        return answer(cluster, [dict(cluster.node_row(name), State="Joining")])

    @define("Stop-Service", "core", {"Name", "DisplayName", "InputObject", "Force", "NoWait", "PassThru", "Include",
                                     "Exclude"}, should_process=True)
    def stop_service(session, p):
        if str(p.get("Name", "")).lower() != "clussvc":
            return stop_services(session, p)
        cluster, local = open_cluster(session, needs_service=False)
        if local is not None:
            cluster.data["nodes"][local].update(clussvc="Stopped", state="Down", forced=False)
            cluster.settle(services(session))
        return answer(cluster, [])


    def stop_services(session, p):
        """Stop-Service -Name of the host's own services (windows.json): each Stopped when it returns, as the cmdlet
        waits; an unknown one is an error; with -PassThru their rows."""
        wanted = p.get("Name") if isinstance(p.get("Name"), list) else [p.get("Name")]
        services = session.data.get("services", {})
        rows = []
        for name in wanted:
            found = next((n for n in services if n.lower() == str(name).lower()), None)
            if found is None:
                raise NotFound(f"Cannot find any service with service name '{name}'.")
            services[found]["state"] = "stopped"
            rows.append({"Name": found, "DisplayName": found, "Status": "Stopped"})
        return rows if p.get("PassThru") else []

    def first(name, function, parameters):
        """A cmdlet answered here before lab_cmdlets' own simulation of it (which stays for other calls)."""
        cmdlets.TABLE.setdefault(name, []).insert(0, cmdlets.Cmdlet(function, "core", parameters, False, 0, None))

    plain_get_service, plain_get_cim = (cmdlets.TABLE[n][0].function for n in ("Get-Service", "Get-CimInstance"))
    get_service_parameters = set(cmdlets.TABLE["Get-Service"][0].parameters)
    get_cim_parameters = set(cmdlets.TABLE["Get-CimInstance"][0].parameters)

    def get_service(session, p):
        """-Name (a name or a list; one not installed is a non-terminating error) and -ComputerName (another lab
        host's services, when the network reaches it). Without them lab_cmdlets' listing."""
        if not set(p) - {"ErrorAction"}:
            return plain_get_service(session, p) + ([clussvc_row(_here())] if clussvc_row(_here()) else [])
        if set(p) - {"Name", "ComputerName", "ErrorAction"}:
            raise Failure("lab stand-in: Get-Service is simulated with -Name and -ComputerName only")
        host, services = _here(), session.data.get("services", {})
        if p.get("ComputerName") and str(p["ComputerName"]).lower() not in (".", "localhost"):
            host = host_named(p["ComputerName"])
            if host is None or not reachable(host) or not reachable(_here()):
                raise NotFound(NO_SCM.format(name=p["ComputerName"]))
            if host != _here():
                with open(os.path.join(_root(), host, "windows.json")) as handle:
                    services = json.load(handle).get("services", {})  # written atomically: read without its lock
        rows = service_rows(services, host)
        wanted = p.get("Name")
        if wanted is None:
            return rows
        found = []
        for name in wanted if isinstance(wanted, list) else [wanted]:
            row = next((r for r in rows if r["Name"].lower() == str(name).lower()), None)
            if row is None:
                if str(p.get("ErrorAction", "")).lower() in ("silentlycontinue", "ignore"):
                    continue
                raise NotFound(f"Cannot find any service with service name '{name}'.")
            found.append(row)
        return found

    def get_cim_instance(session, p):
        """Win32_ComputerSystem's Name (the computer's name; windows.json's computer_name when a test renamed the
        host), Win32_OperatingSystem's Caption and Version (windows.json's network.os); other classes as
        lab_cmdlets simulates them."""
        if str(p.get("ClassName", "")).lower() == "win32_computersystem":
            name = session.data.get("computer_name") or computer_name(_root(), _here())
            return [{"Name": name, "Domain": "lab.invalid"}]
        if str(p.get("ClassName", "")).lower() == "win32_operatingsystem":
            system = (session.data.get("network") or {}).get("os") or WINDOWS_2016
            return [{"Caption": system["caption"], "Version": system["version"]}]
        return plain_get_cim(session, p)

    first("Get-Service", get_service, get_service_parameters)
    first("Get-CimInstance", get_cim_instance, get_cim_parameters)
    register_network(cmdlets, define, Failure, first)


def register_network(cmdlets, define, Failure, first):
    """A node's network as §8.8 step 3 checks it: its adapters (Get-NetAdapter), their IPv4 interfaces and addresses
    (NetTCPIP), the registry's Tcpip\\Linkage\\Bind (2012 R2's binding order), the cluster networks and this
    node's interfaces in them. From windows.json's "network" (labctl.init_cluster) and cluster.json's "networks"."""
    plain_get_item_property = cmdlets.TABLE["Get-ItemProperty"][0].function
    get_item_property_parameters = set(cmdlets.TABLE["Get-ItemProperty"][0].parameters)

    def network(session):
        return session.data.get("network") or {}

    @define("Get-NetAdapter", "module:NetAdapter", NET_ADAPTER)
    def get_net_adapter(session, p):
        """Present adapters; with -IncludeHidden also the hidden ones (none in the lab)."""
        return [{"Name": a["name"], "InterfaceGuid": a["guid"], "InterfaceIndex": a["index"], "Status": "Up",
                 "InterfaceDescription": a.get("description", "Lab Network Adapter")}
                for a in network(session).get("adapters", [])]

    @define("Get-NetIPInterface", "module:NetTCPIP", NET_IP_INTERFACE)
    def get_net_ip_interface(session, p):
        """One row per adapter and the loopback pseudo-interface (IPv4 only in the lab)."""
        if str(p.get("AddressFamily", "IPv4")).lower() not in ("ipv4", "2"):
            return []
        rows = [{"InterfaceAlias": a["name"], "InterfaceIndex": a["index"], "InterfaceMetric": a["metric"],
                 "AutomaticMetric": "Disabled", "AddressFamily": "IPv4", "ConnectionState": "Connected"}
                for a in network(session).get("adapters", [])]
        return rows + [{"InterfaceAlias": "Loopback Pseudo-Interface 1", "InterfaceIndex": 1, "InterfaceMetric": 75,
                        "AutomaticMetric": "Enabled", "AddressFamily": "IPv4", "ConnectionState": "Connected"}]

    @define("Get-NetIPAddress", "module:NetTCPIP", NET_IP_ADDRESS)
    def get_net_ip_address(session, p):
        if str(p.get("AddressFamily", "IPv4")).lower() not in ("ipv4", "2"):
            return []
        rows = [{"IPAddress": a["address"], "InterfaceAlias": a["name"], "InterfaceIndex": a["index"],
                 "PrefixLength": 24, "AddressFamily": "IPv4"} for a in network(session).get("adapters", [])]
        return rows + [{"IPAddress": "127.0.0.1", "InterfaceAlias": "Loopback Pseudo-Interface 1", "InterfaceIndex": 1,
                        "PrefixLength": 8, "AddressFamily": "IPv4"}]

    def get_item_property(session, p):
        """Tcpip\\Linkage's Bind (REG_MULTI_SZ); other keys as lab_cmdlets simulates them."""
        if str(p.get("Path", "")).lower() == TCPIP_LINKAGE.lower():
            if "tcpip_bind" not in network(session):
                raise cmdlets.NotFound(f"Cannot find path '{TCPIP_LINKAGE}' because it does not exist.")
            return [{"Bind": list(network(session)["tcpip_bind"]), "PSPath": TCPIP_LINKAGE}]
        return plain_get_item_property(session, p)

    first("Get-ItemProperty", get_item_property, get_item_property_parameters)

    @define("Get-ClusterNetwork", "module:FailoverClusters", {"Name", "InputObject", "Cluster"})
    def get_cluster_network(session, p):
        cluster = Cluster()
        try:
            local = cluster.node_of(_here())
            if local is None or cluster.data["nodes"][local]["clussvc"] != "Running":
                raise Failure(NO_CLUSTER.format(node=local or _here()))
            return [dict(n) for n in cluster.data.get("networks", [])]
        finally:
            cluster.close()

    @define("Get-ClusterNetworkInterface", "module:FailoverClusters", {"Name", "Node", "Network", "InputObject",
                                                                       "Cluster"})
    def get_cluster_network_interface(session, p):
        """The interfaces of a node (-Node) in the cluster networks: an adapter whose address lies in a network."""
        cluster = Cluster()
        try:
            local = cluster.node_of(_here())
            if local is None or cluster.data["nodes"][local]["clussvc"] != "Running":
                raise Failure(NO_CLUSTER.format(node=local or _here()))
            names = [cluster.node(p["Node"])] if p.get("Node") else sorted(cluster.data["nodes"])
            rows = []
            for name in names:
                host = cluster.data["nodes"][name]["host"]
                with open(os.path.join(_root(), host, "windows.json")) as handle:
                    adapters = (json.load(handle).get("network") or {}).get("adapters", [])
                for adapter in adapters:
                    found = next((n for n in cluster.data.get("networks", [])
                                  if adapter["address"].rsplit(".", 1)[0] == n["Address"].rsplit(".", 1)[0]), None)
                    if found:
                        rows.append({"Name": f"{name} - {adapter['name']}", "Node": name, "Network": found["Name"],
                                     "Address": adapter["address"], "State": "Up"})
            return rows
        except LookupError as exc:
            raise Failure(str(exc)) from None
        finally:
            cluster.close()


def computer_name(root, host):
    """The computer's name as Win32_ComputerSystem gives it (upper case), from the lab's names."""
    table = _dns(root)
    address = next((a for a, h in table["hosts"].items() if h == host), None)
    name = (table["reverse"].get(address) or f"lab-{host}").split(".")[0]
    return name.upper()


def clussvc_row(host):
    """ClusSvc as Get-Service shows it on a lab host: from cluster.json on a node, absent elsewhere."""
    if not os.environ.get("OSCC_LAB_HOST_DIR") or not os.path.exists(path()):  # no simulated host, or no cluster
        return None
    with open(path()) as handle:
        data = json.load(handle)
    node = next((v for v in data["nodes"].values() if v["host"] == host), None)
    if node is None:
        return None
    return {"Name": "ClusSvc", "DisplayName": "Cluster Service", "Status": node["clussvc"]}


def service_rows(services, host):
    """Get-Service's rows of a host: its services (windows.json) and ClusSvc on a cluster node."""
    rows = [{"Name": name, "DisplayName": name, "Status": "Running" if s.get("state") == "running" else "Stopped"}
            for name, s in sorted(services.items())]
    clussvc = clussvc_row(host)
    return rows + ([clussvc] if clussvc else [])


def reachable(host):
    table = _dns(_root())
    address = next((a for a, h in table["hosts"].items() if h == host), None)
    return address is not None and address not in table["unreachable"]


def host_named(name):
    """The lab host a computer name (short or fully qualified, any case) names, or None."""
    table = _dns(_root())
    address = next((a for n, a in table["forward"].items() if n.lower() == str(name).lower()), None)
    return table["hosts"].get(address) if address else None


def flush(lab_host):
    """Another host's OSCC services changed by a cluster cmdlet, once the caller's state is saved."""
    while PENDING:
        host, states = PENDING.pop(0)

        def change(data, states=states):
            for name, state in states.items():
                if name in data.get("services", {}):
                    data["services"][name]["state"] = state
        lab_host.update_json(os.path.join(_root(), host, "windows.json"), change)
