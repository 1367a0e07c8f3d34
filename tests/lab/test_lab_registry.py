"""The lab's SNMP stand-ins (lab_registry.py, osccsnmpreg.py) behave as the cmdlets and the tool they stand for."""
import importlib.util
import os
import subprocess

import labctl
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
UTILS = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "module_utils")
COMMUNITIES = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\SNMP\\Parameters\\ValidCommunities"


def load(name):
    spec = importlib.util.spec_from_file_location(f"registry_test_{name}", os.path.join(UTILS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", str(tmp_path))
    cmdlets, registry = load("lab_cmdlets"), load("lab_registry")
    registry.register(cmdlets)

    class State:
        data = {"services": {}}
    return cmdlets.Session(State())


def run(session, name, **parameters):
    return session.run({"op": "cmdlet", "name": name, "parameters": parameters, **(
        {"module": "ServerManager"} if "WindowsFeature" in name else {})})


def test_installing_the_feature_lays_down_a_fresh_installation(session):
    assert run(session, "Get-WindowsFeature", Name="SNMP-Service")["objects"][0]["InstallState"] == "Available"
    assert run(session, "Install-WindowsFeature", Name="SNMP-Service")["ok"]
    assert session.data["services"]["SNMP"]["state"] == "running"
    managers = run(session, "Get-ItemProperty", Path=COMMUNITIES.replace("ValidCommunities", "PermittedManagers"))
    assert managers["objects"][0]["1"] == "localhost"
    assert run(session, "Get-ItemProperty", Path=COMMUNITIES)["objects"] == []  # no values: no object


def test_values_are_added_replaced_only_with_force_and_removed(session):
    run(session, "Install-WindowsFeature", Name="SNMP-Service")
    assert run(session, "New-ItemProperty", Path=COMMUNITIES, Name="ops", Value=4, PropertyType="DWord")["ok"]
    again = run(session, "New-ItemProperty", Path=COMMUNITIES, Name="OPS", Value=8, PropertyType="DWord")
    assert again == {"op": "cmdlet", "ok": False, "error": "The property already exists."}
    assert run(session, "New-ItemProperty", Path=COMMUNITIES, Name="OPS", Value=8, PropertyType="DWord",
               Force=True)["ok"]
    assert {k: v for k, v in run(session, "Get-ItemProperty", Path=COMMUNITIES)["objects"][0].items()
            if not k.startswith("PS")} == {"OPS": 8}
    assert run(session, "Remove-ItemProperty", Path=COMMUNITIES, Name="ops")["ok"]
    missing = run(session, "Remove-ItemProperty", Path=COMMUNITIES, Name="ops")
    assert not missing["ok"] and missing["error"].startswith("Property ops does not exist")


def test_wildcards_read_each_agent_key_and_skip_those_without_the_value(session):
    run(session, "Install-WindowsFeature", Name="SNMP-Service")
    rows = run(session, "Get-ItemProperty", Path="HKLM:\\SOFTWARE\\*\\*\\CurrentVersion", Name="Pathname",
               ErrorAction="SilentlyContinue")["objects"]
    assert sorted(r["Pathname"].rsplit("\\", 1)[-1] for r in rows) == ["inetmib1.dll", "lmmib2.dll"]
    absent = run(session, "Get-ItemProperty", Path="HKLM:\\SOFTWARE\\Nobody\\CurrentVersion")
    assert absent["error"] == "Cannot find path 'HKLM:\\SOFTWARE\\Nobody\\CurrentVersion' because it does not exist."


def test_the_registration_tool_adds_the_oscc_agent_once_and_needs_the_service(tmp_path):
    labctl.init_host(str(tmp_path), "main", "ol_main", platform="windows")
    tool = labctl.to_here(labctl.host_paths(str(tmp_path), "main")["base"],
                          labctl.OSCC_DIR + "\\osccregistersnmpextension.exe")
    assert subprocess.run([tool], capture_output=True).returncode == 1
    labctl.snmp_installed(str(tmp_path), "main", managers=["nms"])
    for _twice in range(2):
        assert subprocess.run([tool], capture_output=True).returncode == 0
    keys = labctl.snmp_registry(str(tmp_path), "main")
    agents = keys["SYSTEM\\CurrentControlSet\\Services\\SNMP\\Parameters\\ExtensionAgents"]
    assert len(agents) == 3 and agents["3"]["value"] in keys
    assert keys[agents["3"]["value"]]["Pathname"]["value"].endswith("\\osccsnmp.dll")


def test_remove_item_property_takes_wildcards_and_backtick_escapes(session):
    run(session, "Install-WindowsFeature", Name="SNMP-Service")
    for name in ("*", "ops", "noc"):
        run(session, "New-ItemProperty", Path=COMMUNITIES, Name=name, Value=4, PropertyType="DWord")
    assert run(session, "Remove-ItemProperty", Path=COMMUNITIES, Name="`*")["ok"]
    left = run(session, "Get-ItemProperty", Path=COMMUNITIES)["objects"][0]
    assert sorted(k for k in left if not k.startswith("PS")) == ["noc", "ops"]
    assert run(session, "Remove-ItemProperty", Path=COMMUNITIES, Name="*")["ok"]
    assert run(session, "Get-ItemProperty", Path=COMMUNITIES)["objects"] == []


def test_paths_it_does_not_keep_are_answered_by_the_stand_in_before_it(session):
    # The uninstall entries, asked as the node read asks them: both views in one -Path list (lab_cmdlets answers).
    both = [r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*",
            r"HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*"]
    assert run(session, "Get-ItemProperty", Path=both, ErrorAction="SilentlyContinue")["ok"]
    absent = run(session, "Get-ItemProperty", Path=r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Linkage")
    assert absent["error"].startswith("Cannot find path")
