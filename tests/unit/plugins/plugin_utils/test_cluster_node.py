"""A cluster node as manual §8.8 checks it (_cluster/node.py): the reads answered, the binding order from either
source, and the refusals, each naming what differs."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import cluster, node

ADAPTERS = [{"Name": "Private Cluster", "InterfaceGuid": "{aaaa}", "InterfaceIndex": 12},
            {"Name": "Customer", "InterfaceGuid": "{BBBB}", "InterfaceIndex": 13},
            {"Name": "Switch", "InterfaceGuid": "{cccc}", "InterfaceIndex": 14}]
INTERFACES = [{"InterfaceAlias": "Loopback Pseudo-Interface 1", "InterfaceIndex": 1, "InterfaceMetric": 5},
              {"InterfaceAlias": "Switch", "InterfaceIndex": 14, "InterfaceMetric": 30},
              {"InterfaceAlias": "Private Cluster", "InterfaceIndex": 12, "InterfaceMetric": 20},
              {"InterfaceAlias": "Customer", "InterfaceIndex": 13, "InterfaceMetric": 10}]
BIND = ["\\Device\\{bbbb}", "\\Device\\{DEAD}", "\\Device\\{AAAA}", "\\Device\\{CCCC}"]
ADDRESSES = [{"IPAddress": "10.1.1.1", "InterfaceAlias": "Customer"},
             {"IPAddress": "10.9.9.1", "InterfaceAlias": "Private Cluster"},
             {"IPAddress": "10.8.8.1", "InterfaceAlias": "Switch"},
             {"IPAddress": "127.0.0.1", "InterfaceAlias": "Loopback Pseudo-Interface 1"}]
NETWORKS = [{"Name": "Customer", "Metric": 2000}, {"Name": "Private Cluster", "Metric": 1000},
            {"Name": "Switch", "Metric": 3000}, {"Name": "Elsewhere", "Metric": 10}]
NET_INTERFACES = [{"Node": "OSCC2", "Network": n, "Address": a} for n, a in
                  (("Customer", "10.1.1.1"), ("Private Cluster", "10.9.9.1"), ("Switch", "10.8.8.1"))]
NET_INTERFACES += [{"Node": "OSCC1", "Network": "Elsewhere", "Address": "10.7.7.7"}]
PATCH = "OpenScape Contact Center Enterprise V12 Server 12.0.1.4"


def results(version="6.3.9600", **changed):
    found = {"os": [{"Caption": "Windows Server", "Version": version}], "adapters": ADAPTERS,
             "interfaces": INTERFACES, "addresses": ADDRESSES, "bind": [{"Bind": BIND}],
             "installed": [{"DisplayName": "OpenScape Contact Center Enterprise V12 Server",
                            "DisplayVersion": "12.0.1.4"}, {"DisplayName": "Other", "DisplayVersion": "1"}],
             "networks": NETWORKS, "network_interfaces": NET_INTERFACES}
    found.update(changed)
    return {k: {"ok": True, "objects": v} for k, v in found.items() if v is not None}


def test_the_node_read_from_the_registry_on_2012_r2_without_ghost_adapters():
    info = node.read_node(results(), "oscc2")
    assert info["binding_source"] == "registry_bind"
    assert info["binding_order"] == ["Customer", "Private Cluster", "Switch"]
    assert info["addresses"] == ["10.1.1.1", "10.8.8.1", "10.9.9.1"]
    assert info["network_order"] == ["Private Cluster", "Customer", "Switch"]
    assert info["network_adapters"]["Switch"] == "Switch" and info["patch_level"] == PATCH
    assert node.problems(info, "OSCC2.example.com", "10.1.1.1", PATCH) == []


def test_on_2016_the_interface_metric_decides_and_bind_is_ignored():
    wrong_bind = [{"Bind": list(reversed(BIND))}]
    info = node.read_node(results("10.0.17763", bind=wrong_bind), "OSCC2")
    assert info["binding_source"] == "interface_metric"
    assert info["binding_order"] == ["Customer", "Private Cluster", "Switch"]


def test_without_the_cluster_the_network_order_is_unknown_and_refused():
    info = node.read_node(results(networks=None, network_interfaces=None), "OSCC2")
    assert info["network_order"] is None
    assert [p.split(":")[0] for p in node.problems(info, "OSCC2", "10.1.1.1", PATCH)] == ["network_order"]


@pytest.mark.parametrize(("changed", "option"), [
    ({"interfaces": [dict(i, InterfaceMetric=1) if i["InterfaceAlias"] == "Switch" else i for i in INTERFACES]},
     "binding_order"),
    ({"networks": [dict(n, Metric=1) if n["Name"] == "Switch" else n for n in NETWORKS]}, "network_order"),
    ({"addresses": [dict(a, InterfaceAlias="Switch") if a["IPAddress"] == "10.9.9.1" else
                    dict(a, InterfaceAlias="Private Cluster") if a["IPAddress"] == "10.8.8.1" else a
                    for a in ADDRESSES]}, "network_order"),
    ({"installed": [{"DisplayName": "OpenScape Contact Center Enterprise V12 Server", "DisplayVersion": "12.0.1.5"}]},
     "patch_level"),
])
def test_each_difference_is_refused_naming_what_differs(changed, option):
    info = node.read_node(results("10.0.14393", **changed), "OSCC2")
    found = node.problems(info, "OSCC2", "10.1.1.1", PATCH)
    assert [p.split(":")[0] for p in found] == [option], found


def test_a_wrong_name_or_address_and_an_unknown_patch_level_are_refused():
    info = node.read_node(results(), "OSCC9")
    found = node.problems(info, "OSCC2", "10.1.1.2", None)
    assert [p.split(":")[0] for p in found] == ["name", "address", "network_order", "patch_level"]
    assert all("\n" not in p for p in found)


def test_the_probe_reads_the_node_before_the_cluster_and_its_networks_after():
    batch = cluster.probe_ops("HPPC Group", node_reads=True)
    names = [n for n in batch.names if isinstance(n, str)]
    assert names.index("installed") < names.index("cluster") < names.index("networks")
    assert "os" not in cluster.probe_ops("HPPC Group").names


def test_an_adapter_bound_ahead_of_customer_is_refused_naming_it():
    management = {"Name": "Management", "InterfaceGuid": "{dddd}", "InterfaceIndex": 40}
    bind = [{"Bind": ["\\Device\\{DDDD}", *BIND]}]
    info = node.read_node(results(adapters=[*ADAPTERS, management], bind=bind), "OSCC2")
    found = node.problems(info, "OSCC2", "10.1.1.1", PATCH)
    assert [p.split(":")[0] for p in found] == ["binding_order"], found
    assert "Management bound ahead of them" in found[0]
    last = [{"Bind": [*BIND, "\\Device\\{DDDD}"]}]
    behind = node.read_node(results(adapters=[*ADAPTERS, management], bind=last), "OSCC2")
    assert node.problems(behind, "OSCC2", "10.1.1.1", PATCH) == []


def test_a_long_name_compares_as_windows_reports_it_and_a_foreign_domain_does_not():
    renamed = [dict(i, Node="OSCC-BACKUP-SER") for i in NET_INTERFACES]
    computer = [{"Name": "OSCC-BACKUP-SER", "Domain": "contact.example.com"}]
    info = node.read_node(results(computer=computer, network_interfaces=renamed), "OSCC-BACKUP-SER")
    assert node.problems(info, "oscc-backup-server-01", "10.1.1.1", PATCH) == []
    assert node.problems(info, "oscc-backup-server-01.contact.example.com", "10.1.1.1", PATCH) == []
    other = node.problems(info, "oscc-backup-server-01.other.example.com", "10.1.1.1", PATCH)
    assert [p.split(":")[0] for p in other] == ["name"]
    assert not node.same_name("lab-backup.other.domain", "LAB-BACKUP", "lab.invalid")
    assert node.same_name("lab-backup.lab.invalid", "LAB-BACKUP", "lab.invalid")
    assert not node.same_name("oscc-backup-server", "OSCC-BACKUP")


def test_an_owner_in_another_domain_is_not_a_node_of_the_cluster():
    state = {"domain": "lab.invalid", "nodes": {"LAB-MAIN": {"state": "Up"}, "LAB-BACKUP": {"state": "Up"}}}
    assert cluster.node_named(state, "lab-backup.other.domain") is None
    assert cluster.node_named(state, "lab-backup.lab.invalid") == "LAB-BACKUP"


def test_a_dns_name_as_address_is_judged_by_what_it_resolves_to():
    info = node.read_node(results(), "OSCC2")
    assert node.problems(info, "OSCC2", "oscc2.example.com", PATCH, resolved=["10.1.1.1"]) == []
    moved = node.problems(info, "OSCC2", "oscc2.example.com", PATCH, resolved=["10.1.1.9"])
    assert [p.split(":")[0] for p in moved] == ["address"] and "resolves to 10.1.1.9" in moved[0]
    unknown = node.problems(info, "OSCC2", "oscc2.example.com", PATCH, resolved=[])
    assert "does not resolve" in unknown[0] and "failover_cluster_address" in unknown[0]


def test_the_filter_resolves_a_dns_name_on_the_controller(monkeypatch):
    from ansible_collections.oscc.admin.plugins.filter import cluster_node_problems as problems_filter
    asked = []

    def getaddrinfo(name, *_args):
        asked.append(name)
        return [(2, 1, 6, "", ("10.1.1.1", 0))]
    monkeypatch.setattr(problems_filter.socket, "getaddrinfo", getaddrinfo)
    info = node.read_node(results(), "OSCC2")
    assert problems_filter.cluster_node_problems(info, "OSCC2", "oscc2.example.com", PATCH) == []
    assert problems_filter.cluster_node_problems(info, "OSCC2", "10.1.1.1", PATCH) == []
    assert asked == ["oscc2.example.com"]
