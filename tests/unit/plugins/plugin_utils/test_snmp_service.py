"""The Windows SNMP service of an OSCC server planned from one read batch (manual §6.4, §6.4.1, §6.4.2)."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import CmdletError
from ansible_collections.oscc.admin.plugins.plugin_utils._snmp import service

ARGS = {"communities": ["ops-ro"], "permitted_managers": ["nms01.example.com", "10.20.0.15"],
        "extension_agent": True, "oscc_dir": "C:\\Program Files\\OpenScape Contact Center", "capfm_messages": None,
        "capfm_config": None, "capfm_source": None, "timeout": 120}
REGISTRY = "Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\"
PROVIDER = {"PSPath": REGISTRY + "SYSTEM\\x", "PSParentPath": REGISTRY + "SYSTEM", "PSChildName": "x",
            "PSDrive": "HKLM", "PSProvider": "Microsoft.PowerShell.Core\\Registry"}
OSCC_KEY = "SOFTWARE\\Vendor\\OSCCAgent\\CurrentVersion"


def args(**changed):
    return {**ARGS, **changed}


def answered(reads, installed=True, communities=None, managers=None, agents=None, agent_keys=None, tool=True,
             capfm=None, capfm_source=None):
    """The read batch's result as the executor gives it: one result per operation, in order."""
    cmdlet_rows = {"feature": [{"Name": "SNMP-Service", "InstallState": "Installed" if installed else "Available"}],
                   "communities": [{**PROVIDER, **communities}] if communities else [],
                   "managers": [{**PROVIDER, **managers}] if managers else [],
                   "agents": [{**PROVIDER, **agents}] if agents else [],
                   "agent_keys": agent_keys or []}
    results = []
    for name in reads.names:
        if name in cmdlet_rows:
            results.append({"op": "cmdlet", "ok": True, "objects": cmdlet_rows[name]})
        elif name == "tool":
            results.append({"op": "stat", "ok": True, "exists": tool, "dir": False, "link": False})
        else:
            results.append({"op": "read", "ok": True, **({"capfm": capfm, "capfm_source": capfm_source}[name])})
    return {"results": results, "cleanup": []}


def planned(given, **state):
    reads = service.read_ops(given)
    current = service.current_from(reads, answered(reads, **state))
    return current, service.plan(given, current)


REGISTERED = {"agents": {"1": "SOFTWARE\\Microsoft\\MIBII\\CurrentVersion", "3": OSCC_KEY},
              "agent_keys": [{"PSPath": REGISTRY + "SOFTWARE\\Microsoft\\MIBII\\CurrentVersion",
                              "Pathname": "%SystemRoot%\\System32\\inetmib1.dll"},
                             {"PSPath": REGISTRY + OSCC_KEY, "Pathname": "D:\\OSCC\\OSCCSNMP.DLL"}]}


@pytest.mark.parametrize("community", ["public", "private", "PUBLIC", " Private ", "public\t", "  public"])
def test_public_and_private_are_refused_in_any_case_with_spaces_around(community):
    problem = service.options_problem(args(communities=["ops-ro", community]))
    assert problem.startswith("communities[1] is ") and "forbids (§6.4)" in problem


@pytest.mark.parametrize("given, expected", [
    ({"communities": []}, "communities must name at least one community"),
    ({"communities": [" ops"]}, "communities[0] must be a name without control characters or spaces around it"),
    ({"communities": ["ops\nro"]}, "communities[0] must be a name without control characters"),
    ({"communities": ["Ops", "ops"]}, "communities: names that differ only in case are one registry value"),
    ({"permitted_managers": []}, "permitted_managers must list the hosts allowed to ask"),
    ({"permitted_managers": ["nms 01"]}, "permitted_managers[0] must be a host name"),
    ({"capfm_messages": "noc"}, "capfm_messages needs capfm_config"),
])
def test_options_that_must_not_reach_the_service_are_named(given, expected):
    assert service.options_problem(args(**given)).startswith(expected)


def test_private_communities_are_not_named_in_the_refusal():
    assert "ops-secret" not in service.options_problem(args(communities=["ops-secret", "public"]))


def test_a_server_as_the_inventory_says_needs_nothing():
    current, (changes, ops, outcome) = planned(
        args(), communities={"ops-ro": 4}, managers={"1": "nms01.example.com", "2": "10.20.0.15"}, **REGISTERED)
    assert current["agent"] is True
    assert (changes, ops, outcome["restart_needed"]) == ({}, [], False)


def test_communities_become_exactly_the_inventorys_read_only_and_are_only_counted():
    _current, (changes, ops, _outcome) = planned(
        args(communities=["ops-ro", "noc-ro"]), communities={"public": 4, "ops-ro": 8, "legacy": 4},
        managers={"1": "nms01.example.com", "2": "10.20.0.15"}, **REGISTERED)
    assert changes == {"communities": {"removed": 2, "added": 1, "made_read_only": 1,
                                       "public_or_private_removed": ["public"]}}
    assert [(op["name"], op["parameters"]["Name"], op["parameters"].get("Value")) for op in ops] == [
        ("Remove-ItemProperty", "public", None), ("Remove-ItemProperty", "legacy", None),
        ("New-ItemProperty", "noc-ro", 4), ("New-ItemProperty", "ops-ro", 4)]
    assert all(op["parameters"]["Path"] == service.COMMUNITIES for op in ops)
    assert "noc-ro" not in str(changes)


def test_managers_become_exactly_the_inventorys_list_numbered_as_windows_keeps_it():
    _current, (changes, ops, outcome) = planned(
        args(permitted_managers=["nms01.example.com", "10.20.0.15", "NMS01.example.com"]),
        communities={"ops-ro": 4}, managers={"1": "localhost", "2": "nms01.example.com", "7": "10.9.9.9"},
        **REGISTERED)
    assert changes["permitted_managers"] == {"before": ["localhost", "nms01.example.com", "10.9.9.9"],
                                             "after": ["nms01.example.com", "10.20.0.15"]}
    assert [(op["name"], op["parameters"]["Name"], op["parameters"].get("Value")) for op in ops] == [
        ("Remove-ItemProperty", "7", None),
        ("New-ItemProperty", "1", "nms01.example.com"), ("New-ItemProperty", "2", "10.20.0.15")]
    assert outcome["diff"]["after"] == {"permitted_managers": ["nms01.example.com", "10.20.0.15"]}


def test_a_fresh_installation_is_planned_from_its_defaults_and_registers_the_agent():
    current, (changes, ops, outcome) = planned(args(), installed=False)
    assert current["managers"] == {"1": "localhost"} and current["agent"] is False
    assert ops[0]["name"] == "Install-WindowsFeature" and ops[0]["parameters"]["Name"] == "SNMP-Service"
    assert changes["feature"] == {"before": "Available", "after": "Installed"}
    assert changes["permitted_managers"]["before"] == ["localhost"]
    assert ops[-1] == {"op": "run", "argv": ["C:\\Program Files\\OpenScape Contact Center\\"
                                             "osccregistersnmpextension.exe"],
                       "cwd": "C:\\Program Files\\OpenScape Contact Center", "timeout": 120, "ok_rc": [0]}
    assert outcome["restart_needed"] is True


def test_an_agent_entry_pointing_elsewhere_is_not_the_oscc_agent():
    state = {"agents": {"1": OSCC_KEY}, "agent_keys": [{"PSPath": REGISTRY + OSCC_KEY, "Pathname": "other.dll"}]}
    current, (changes, _ops, _outcome) = planned(args(), communities={"ops-ro": 4},
                                                 managers={"1": "nms01.example.com", "2": "10.20.0.15"}, **state)
    assert current["agent"] is False and changes["extension_agent"]["after"] == "registered"


def test_without_the_tool_a_missing_agent_is_named():
    current, _plan = planned(args(), tool=False)
    assert service.source_problem(args(), current).endswith("is not there to register it (manual §6.4.1); "
                                                            "check oscc_dir")


def test_the_central_report_server_has_no_agent_step():
    reads = service.read_ops(args(extension_agent=False))
    assert "agents" not in reads.names and "tool" not in reads.names


def test_the_capfm_file_chosen_is_written_over_the_installed_one_with_a_backup():
    capfm_args = args(capfm_messages="noc", capfm_config="C:\\CAP\\capfm_procenter.ini", capfm_source="E:\\Install")
    reads = service.read_ops(capfm_args)
    assert reads.ops[reads.index("capfm_source")]["path"] == "E:\\Install\\capfm_procenter_service.ini"
    _current, (changes, ops, outcome) = planned(
        capfm_args, communities={"ops-ro": 4}, managers={"1": "nms01.example.com", "2": "10.20.0.15"},
        capfm={"exists": True, "content": "all", "sha256": "a" * 64},
        capfm_source={"exists": True, "content": "noc", "sha256": "b" * 64}, **REGISTERED)
    assert changes == {"capfm": {"before": "other", "after": "capfm_procenter_service.ini"}}
    assert ops == [{"op": "write", "path": "C:\\CAP\\capfm_procenter.ini", "content": "noc", "encoding": "latin-1",
                    "expected_sha256": "a" * 64, "backup": True}]
    assert (outcome["diff"]["before"]["capfm"], outcome["diff"]["after"]["capfm"]) == ("all", "noc")


def test_a_failed_read_is_one_line_naming_it():
    reads = service.read_ops(args())
    done = {"results": [{"op": "cmdlet", "ok": False, "error": "The term 'Get-WindowsFeature' is not\nrecognized"}],
            "cleanup": [], "failed_at": 0}
    with pytest.raises(CmdletError, match=r"^Get-WindowsFeature failed: The term 'Get-WindowsFeature' is not "
                                          r"recognized$"):
        service.current_from(reads, done)


def test_a_stray_community_named_with_wildcards_is_removed_literally():
    _current, (_changes, ops, _outcome) = planned(
        args(), communities={"*": 4, "ops-ro": 4, "a[1]?`": 8},
        managers={"1": "nms01.example.com", "2": "10.20.0.15"}, **REGISTERED)
    assert [op["parameters"]["Name"] for op in ops] == ["`*", "a`[1`]`?``"]
