# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: A cluster node as manual §8.8 checks a new one: its name, addresses, network order, TCP/IP binding order
# (interface metrics on Windows Server 2016 and later, the registry's Tcpip\Linkage\Bind on 2012 R2) and the OSCC
# patch level. The reads it adds to the cluster probe's batch, what they answered read into one dict, and the
# comparison with what the inventory and the backup say. No I/O.
from __future__ import annotations

import ipaddress

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import cmdlet, first, objects
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import model

TCPIP_LINKAGE = r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Linkage"
# Manual §8.8 step 3: the network order and, differently, the TCP/IP binding order of the three adapters.
NETWORK_ORDER = ("Private Cluster", "Customer", "Switch")
BINDING_ORDER = ("Customer", "Private Cluster", "Switch")
# Windows' NetBIOS computer name (Win32_ComputerSystem.Name) keeps the first 15 characters of the host name.
NETBIOS_LENGTH = 15
# The reads before the cluster's (they need no cluster service) and after it (they need it).
HOST_STEPS = ("os", "adapters", "interfaces", "addresses", "bind", "installed")
CLUSTER_STEPS = ("networks", "network_interfaces")


def host_reads(batch: Batch) -> Batch:
    """The node's own reads: Windows release, adapters, IPv4 interfaces and addresses, Bind, uninstall entries. Bind
    is read on every release (one round trip: the release is known only from the answer) and may be absent."""
    batch.add("os", cmdlet("Get-CimInstance", ClassName="Win32_OperatingSystem", select=["Caption", "Version"]))
    batch.add("adapters", cmdlet("Get-NetAdapter", module="NetAdapter",
                                 select=["Name", "InterfaceGuid", "InterfaceIndex", "Status"]))
    batch.add("interfaces", cmdlet("Get-NetIPInterface", module="NetTCPIP", AddressFamily="IPv4",
                                   select=["InterfaceAlias", "InterfaceIndex", "InterfaceMetric"]))
    batch.add("addresses", cmdlet("Get-NetIPAddress", module="NetTCPIP", AddressFamily="IPv4",
                                  select=["IPAddress", "InterfaceAlias"]))
    batch.add("bind", cmdlet("Get-ItemProperty", Path=TCPIP_LINKAGE, Name="Bind", ErrorAction="SilentlyContinue",
                             select=["Bind"]))
    batch.add("installed", cmdlet("Get-ItemProperty", Path=model.UNINSTALL_KEYS, ErrorAction="SilentlyContinue",
                                  select=["DisplayName", "DisplayVersion"]))
    return batch


def cluster_reads(batch: Batch) -> Batch:
    """The cluster networks and every node's interfaces in them (filtered to this node when read)."""
    batch.add("networks", cmdlet("Get-ClusterNetwork", module="FailoverClusters", select=["Name", "Metric", "Role"]))
    batch.add("network_interfaces", cmdlet("Get-ClusterNetworkInterface", module="FailoverClusters",
                                           select=["Name", "Node", "Network", "Address"]))
    return batch


def binding_source(version: str | None) -> str | None:
    """interface_metric on Windows Server 2016 and later (version 10.0), registry_bind on 2012 R2 and before (6.x):
    the binding order is gone from 2016 on (cluster_and_system_ops.md §4, decision 6)."""
    try:
        major = int(str(version).split(".", 1)[0])
    except ValueError:
        return None
    return "interface_metric" if major >= 10 else "registry_bind"


def _device_guid(entry: str) -> str:
    return str(entry).rsplit("\\", 1)[-1].strip().upper()


def binding_order(source: str | None, adapters: list, interfaces: list, bind: list) -> list:
    """The present adapters' names in TCP/IP binding order: by interface metric (then index), or in Bind's order
    with the adapters Bind still lists but no longer present left out (ghost adapters)."""
    present = {str(a.get("InterfaceGuid") or "").upper(): str(a.get("Name")) for a in adapters}
    indexes = {str(a.get("InterfaceIndex")): str(a.get("Name")) for a in adapters}
    if source == "interface_metric":
        rows = [i for i in interfaces if str(i.get("InterfaceIndex")) in indexes]
        rows.sort(key=lambda i: (int(i.get("InterfaceMetric") or 0), int(i.get("InterfaceIndex") or 0)))
        return [indexes[str(i.get("InterfaceIndex"))] for i in rows]
    if source == "registry_bind":
        return [present[_device_guid(e)] for e in bind if _device_guid(e) in present]
    return []


def read_node(results: dict, node: str) -> dict:
    """What the node reads answered: name, addresses (per adapter too), network order (the cluster networks this
    node has an interface in, lowest metric first, with the adapter holding each interface's address), binding order
    and its source, OSCC patch level (the uninstall entries, the one guarded reading of docs/backup.md)."""
    system = first(results, "os") or {}
    adapters = objects(results, "adapters") or []
    addresses = [a for a in objects(results, "addresses") or [] if not str(a.get("IPAddress")).startswith("127.0.0.")]
    adapter_names = {str(a.get("Name")) for a in adapters}
    by_adapter = {}
    for row in addresses:
        if str(row.get("InterfaceAlias")) in adapter_names:
            by_adapter.setdefault(str(row.get("InterfaceAlias")), []).append(str(row.get("IPAddress")))
    bind = (first(results, "bind") or {}).get("Bind") or []
    source = binding_source(system.get("Version"))
    computer = first(results, "computer") or {}
    info = {"name": node, "domain": computer.get("Domain") or None,
            "os": {"caption": system.get("Caption"), "version": system.get("Version")},
            "addresses": sorted(a for found in by_adapter.values() for a in found), "adapter_addresses": by_adapter,
            "binding_source": source,
            "binding_order": binding_order(source, adapters, objects(results, "interfaces") or [], bind),
            "patch_level": model.oscc_version(results.get("installed")), "network_order": None,
            "network_adapters": None}
    networks = objects(results, "networks")
    interfaces = objects(results, "network_interfaces")
    if networks is not None and interfaces is not None:
        owner = {a: name for name, found in by_adapter.items() for a in found}
        mine = {str(i.get("Network")): owner.get(str(i.get("Address"))) for i in interfaces
                if same_name(i.get("Node"), node)}
        ordered = sorted((n for n in networks if str(n.get("Name")) in mine), key=lambda n: int(n.get("Metric") or 0))
        info["network_order"] = [str(n.get("Name")) for n in ordered]
        info["network_adapters"] = mine
    return info


def netbios_name(name) -> str:
    """A host name as Windows reports it in Win32_ComputerSystem.Name: its first label, upper case, 15 characters."""
    return str(name).split(".", 1)[0].upper()[:NETBIOS_LENGTH]


def same_name(one, other, domain=None) -> bool:
    """Computer names compare as Windows reports them (NetBIOS: first label, any case, 15 characters); a fully
    qualified name must also carry the computer's domain when that is known."""
    if not one or not other:
        return False
    if netbios_name(one) != netbios_name(other):
        return False
    for given in (str(one), str(other)):
        if domain and "." in given and given.split(".", 1)[1].rstrip(".").lower() != str(domain).lower():
            return False
    return True


def in_order(found: list, wanted) -> bool:
    """The wanted names appear in `found` in this order, every one of them (other adapters may stand between)."""
    return [n for n in found if n in wanted] == list(wanted)


def bound_first(found: list, wanted) -> bool:
    """The wanted adapters lead the binding list in this order; other adapters only after them (§8.8 step 3: the
    Customer adapter at the top)."""
    return list(found[:len(wanted)]) == list(wanted)


def is_address(value) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


def _address_problem(info: dict, address: str, resolved) -> str | None:
    """The inventory's address (or the addresses its DNS name resolves to) must all be the node's."""
    known = ", ".join(info["addresses"]) or "none"
    if is_address(address):
        if address in info["addresses"]:
            return None
        return f"address: {address} is not an address of the node ({known}; §8.8: same IP address)"
    if not resolved:
        return (f"address: {address} does not resolve to an IPv4 address; give the node's address "
                "(failover_cluster_address)")
    foreign = [a for a in resolved if a not in info["addresses"]]
    if not foreign:
        return None
    return (f"address: {address} resolves to {', '.join(foreign)}, not an address of the node ({known}; "
            "§8.8: same IP address)")


def problems(info: dict, name: str, address: str, patch_level: str | None, network_order=NETWORK_ORDER,
             binding=BINDING_ORDER, resolved=None) -> list:
    """Why the node is not the one manual §8.8 may bring in: each a line naming what differs. resolved: the
    addresses a DNS name given as address resolves to (the caller resolves it)."""
    found = []
    if not same_name(info["name"], name, info.get("domain")):
        found.append(f"name: the node is {info['name']!r}, the inventory says {name!r} (§8.8: same name)")
    address_problem = _address_problem(info, address, resolved)
    if address_problem:
        found.append(address_problem)
    if info["network_order"] is None:
        found.append("network_order: the cluster networks could not be read (is the node in the cluster?)")
    elif not in_order(info["network_order"], network_order):
        found.append(f"network_order: {' -> '.join(info['network_order'])}, not {' -> '.join(network_order)} "
                     "(§8.8 step 3)")
    else:
        wrong = [n for n in network_order if info["network_adapters"].get(n) != n]
        if wrong:
            shown = ", ".join(f"the {n} network is on adapter {info['network_adapters'].get(n)!r}" for n in wrong)
            found.append(f"network_order: {shown} (§8.8 step 3: each connection bound to its adapter)")
    if not bound_first(info["binding_order"], binding):
        ahead = [n for n in info["binding_order"][:len(binding)] if n not in binding]
        shown = f"; {', '.join(ahead)} bound ahead of them" if ahead else ""
        found.append(f"binding_order: {' -> '.join(info['binding_order']) or 'none'} ({info['binding_source']}), not "
                     f"{' -> '.join(binding)} first{shown} (§8.8 step 3)")
    if patch_level is None or info["patch_level"] != patch_level:
        found.append(f"patch_level: the node has {info['patch_level']!r}, the backup {patch_level!r} (§8.8 step 4)")
    return found
