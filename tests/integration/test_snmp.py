"""Role snmp on the lab's simulated main server (manual §6.4): the Windows SNMP service's registry and feature as the
stand-ins keep them, and the controller's SNMP v2c query answered by a real net-snmp snmpd on loopback."""
import os

import labctl
import pytest
import snmpd
import yaml
from playbook_lab import ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "snmp.yml")
HOST = "lab-main"
COMMUNITY = "oscc-lab-monitor"  # inventories/lab's community
PARAMETERS = "SYSTEM\\CurrentControlSet\\Services\\SNMP\\Parameters"
CAPFM_SOURCE = "D:\\OSCC-DVD\\Utilities\\Install"
CAPFM_CONFIG = "C:\\Program Files\\OpenScape CAP\\Fault Management\\capfm_procenter.ini"
ALL_MESSAGES = "[Filter]\r\nMessages=all\r\n"
NOC_MESSAGES = "[Filter]\r\nMessages=noc\r\n"

pytestmark = pytest.mark.skipif(not snmpd.available(), reason="snmpd and snmp are installed by scripts/setup")


@pytest.fixture
def agent(tmp_path):
    peer = snmpd.Snmpd(COMMUNITY, tmp_path / "lab" / "snmp").start()
    yield peer
    peer.stop()


@pytest.fixture
def lab(tmp_path):
    lab = Lab(tmp_path / "lab", HOST)
    for name, content in (("capfm_procenter.ini", ALL_MESSAGES), ("capfm_procenter_service.ini", NOC_MESSAGES)):
        write(lab, CAPFM_SOURCE + "\\" + name, content)
    write(lab, CAPFM_CONFIG, ALL_MESSAGES)  # as the OSCC installation leaves it (§6.4.2)
    return lab


def write(lab, host_path, content):
    here = lab.here(host_path)
    os.makedirs(os.path.dirname(here), exist_ok=True)
    with open(here, "w", newline="") as handle:
        handle.write(content)


def values(lab, key):
    return {name: entry["value"] for name, entry in labctl.snmp_registry(lab.root, lab.host)[PARAMETERS + key].items()}


def play(lab, agent, check=False, **extra):
    return lab.playbook(PLAYBOOK, limit=HOST, check=check, extra={
        "oscc_lab_snmp_port": agent.port if agent else 161, "snmp_capfm_messages": "noc",
        "snmp_capfm_config": CAPFM_CONFIG, "snmp_capfm_source": CAPFM_SOURCE, **extra})


@pytest.mark.parametrize("community", ["public", "  Private ", "PUBLIC"])
def test_public_and_private_are_refused_before_any_call(lab, community):
    run = play(lab, None, snmp_communities=["ops-ro", community])
    assert run.rc != 0
    failed = run.result("SNMP service installed, communities and managers exactly the inventory's, agent and CAP "
                        "FM (§6.4)")
    assert failed["failed"] and "forbids (§6.4)" in failed["msg"] and "\n" not in failed["msg"]
    assert "ops-ro" not in run.stdout  # the other community is a credential: never shown
    assert [c for c in lab.windows_calls() if c["module"] == "win_powershell"] == []


def test_an_empty_manager_list_is_refused(lab):
    run = play(lab, None, snmp_permitted_managers=[])
    assert run.rc != 0 and "an empty list would let every host ask" in run.stdout
    assert lab.windows_calls() == []


def test_the_lab_ends_with_only_the_listed_managers_and_a_second_run_changes_nothing(lab, agent):
    labctl.snmp_installed(lab.root, lab.host, communities={"public": 4, "ops-rw": 8},
                          managers=["localhost", "10.9.9.9", "nms01.lab.invalid", "stray.lab.invalid"])
    run = play(lab, agent)
    assert run.rc == 0, run.stdout[-3000:]
    assert values(lab, "\\PermittedManagers") == {"1": "nms01.lab.invalid", "2": "127.0.0.1"}
    assert values(lab, "\\ValidCommunities") == {COMMUNITY: 4}
    changes = run.result("agent and CAP FM (§6.4)")["changes"]
    assert changes["communities"] == {"removed": 2, "added": 1, "made_read_only": 0,
                                      "public_or_private_removed": ["public"]}
    assert changes["extension_agent"] == {"before": "missing", "after": "registered"}
    assert COMMUNITY not in run.stdout and "ops-rw" not in run.stdout
    # §6.4.1: the agent registered by the manual's tool, and the service restarted to load it.
    agents = values(lab, "\\ExtensionAgents")
    registry = labctl.snmp_registry(lab.root, lab.host)
    assert any(registry.get(key, {}).get("Pathname", {}).get("value", "").endswith("\\osccsnmp.dll")
               for key in agents.values())
    assert labctl.windows_state(lab.root, lab.host)["services"]["SNMP"]["state"] == "running"
    # §6.4.2: the NOC subset is the configuration CAP FM reads; the file it replaced is kept.
    with open(lab.here(CAPFM_CONFIG), newline="") as handle:
        assert handle.read() == NOC_MESSAGES
    assert len([n for n in os.listdir(os.path.dirname(lab.here(CAPFM_CONFIG)))
                if n.startswith("capfm_procenter.ini") and n != "capfm_procenter.ini"]) == 1
    # The verification path: the controller's SNMP query answered by the loopback snmpd.
    query = run.result("asked from the controller (§6.4)")
    assert query["sys_descr"].startswith("Linux") and query["sys_uptime"] >= 0
    again = play(lab, agent)
    assert again.rc == 0 and again.stats()["changed"] == 0, again.stdout[-3000:]


def test_a_fresh_server_gets_the_service_and_check_mode_changes_nothing(lab, agent):
    planned = play(lab, agent, check=True)
    assert planned.rc == 0, planned.stdout[-3000:]
    assert planned.result("agent and CAP FM (§6.4)")["changes"]["feature"] == {"before": "Available",
                                                                               "after": "Installed"}
    assert labctl.snmp_registry(lab.root, lab.host) == {}
    assert "SNMP" not in labctl.windows_state(lab.root, lab.host)["services"]
    run = play(lab, agent)
    assert run.rc == 0, run.stdout[-3000:]
    assert labctl.windows_state(lab.root, lab.host)["features"]["SNMP-Service"] == "Installed"
    # The fresh installation's localhost is not the inventory's: it goes.
    assert values(lab, "\\PermittedManagers") == {"1": "nms01.lab.invalid", "2": "127.0.0.1"}


def test_a_wrong_community_fails_the_query_in_one_line(lab, agent, tmp_path):
    tasks = [{"name": name, "oscc.admin.snmp_query": {"host": "127.0.0.1", "port": agent.port, "community": community,
                                                      "timeout": 1, "retries": 0},
              "delegate_to": "localhost", "ignore_errors": True}
             for name, community in (("right", COMMUNITY), ("wrong", "wrong-community"))]
    path = tmp_path / "query.yml"
    path.write_text(yaml.safe_dump([{"name": "query", "hosts": HOST, "gather_facts": False, "tasks": tasks}]))
    run = lab.playbook(str(path), limit=HOST)
    right, wrong = run.result("right"), run.result("wrong")
    assert not right.get("failed") and right["sys_descr"].startswith("Linux"), right
    assert right["oid_values"]["1.3.6.1.2.1.1.3.0"] == str(right["sys_uptime"])
    assert wrong["failed"] and wrong["msg"].startswith(f"no SNMP v2c answer from 127.0.0.1:{agent.port} within 1 s")
    assert "\n" not in wrong["msg"] and "wrong-community" not in run.stdout


def test_check_mode_with_diff_shows_the_managers_and_changes_nothing(lab, agent):
    labctl.snmp_installed(lab.root, lab.host, communities={"ops-secret": 4}, managers=["localhost", "10.9.9.9"])
    before = labctl.snmp_registry(lab.root, lab.host)
    run = lab.playbook(PLAYBOOK, "--diff", limit=HOST, check=True, extra={"oscc_lab_snmp_port": agent.port})
    assert run.rc == 0, run.stdout[-3000:]
    result = run.result("agent and CAP FM (§6.4)")
    assert result["changed"] and result["diff"]["before"]["permitted_managers"] == ["localhost", "10.9.9.9"]
    assert result["diff"]["after"]["permitted_managers"] == ["nms01.lab.invalid", "127.0.0.1"]
    assert labctl.snmp_registry(lab.root, lab.host) == before
    assert "ops-secret" not in run.stdout and COMMUNITY not in run.stdout
