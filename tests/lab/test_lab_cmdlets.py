"""The lab's cmdlet simulation (lab_cmdlets.py): what the Windows-only plugins and the Informix probe meet."""
import importlib.util
import os

import labctl
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def stand_in(name):
    """A module of the lab's ansible.windows stand-in (the real collection comes first on the test's path)."""
    path = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "module_utils",
                        f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


lab_cmdlets, lab_host = stand_in("lab_cmdlets"), stand_in("lab_host")
UNINSTALL = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*"


class State:
    def __init__(self, data):
        self.data = data


def run(data, *ops):
    session = lab_cmdlets.Session(State(data))
    return [session.run({"op": "cmdlet", **op}) for op in ops]


def test_get_itemproperty_gives_the_uninstall_entries_oscc_version_reads():
    data = {"installed_software": [dict(labctl.OSCC_SOFTWARE), {"DisplayName": "Informix", "DisplayVersion": "14.10"}]}
    got, = run(data, {"name": "Get-ItemProperty", "parameters": {"Path": UNINSTALL},
                      "select": ["DisplayName", "DisplayVersion"]})
    assert got == {"op": "cmdlet", "ok": True, "objects": [
        {"DisplayName": "OpenScape Contact Center Enterprise V12 Server", "DisplayVersion": "12.0.1.4"},
        {"DisplayName": "Informix", "DisplayVersion": "14.10"}]}
    found = sorted(f"{o['DisplayName']} {o['DisplayVersion']}" for o in got["objects"]
                   if o["DisplayName"].lower().startswith("openscape contact center"))
    assert "; ".join(found) == lab_host.oscc_version(data, "OpenScape Contact Center*")


def test_get_itemproperty_of_the_32_bit_view_is_empty_and_other_paths_are_not_simulated():
    wow = UNINSTALL.replace("SOFTWARE\\", "SOFTWARE\\WOW6432Node\\")
    empty, other = run({"installed_software": [dict(labctl.OSCC_SOFTWARE)]},
                       {"name": "Get-ItemProperty", "parameters": {"Path": wow}},
                       {"name": "Get-ItemProperty", "parameters": {"Path": "HKLM:\\SOFTWARE\\Other"}})
    assert empty == {"op": "cmdlet", "ok": True, "objects": []}
    assert not other["ok"] and "lab stand-in" in other["error"]


def test_a_parameter_the_cmdlet_lacks_is_refused_as_powershell_does():
    got, = run({}, {"name": "Get-ItemProperty", "parameters": {"Path": UNINSTALL, "Confirm": False}})
    assert got == {"op": "cmdlet", "ok": False,
                   "error": "A parameter cannot be found that matches parameter name 'Confirm'."}


def test_missing_shells_give_the_hosts_own_errors():
    snapin = "Microsoft.Exchange.Management.PowerShell.SnapIn"
    iis, exchange, online, unknown = run({}, {"name": "Get-WebConfiguration", "module": "WebAdministration"},
                                         {"name": "Get-Mailbox", "snapin": snapin},
                                         {"name": "Connect-ExchangeOnline", "module": "ExchangeOnlineManagement"},
                                         {"name": "Get-Mailbox"})
    assert iis["error"] == "The term 'Import-Module WebAdministration' failed: IIS is not installed"
    assert exchange["error"] == "the Exchange Management Shell is not on this host"
    assert online["error"].startswith("the ExchangeOnlineManagement module is not installed on this host")
    assert unknown["error"].startswith("The term 'Get-Mailbox' is not recognized as the name of a cmdlet")


def test_exchange_online_needs_the_app_and_its_certificate_and_a_connection():
    tenant = {"exchange_online": labctl.exchange_online_tenant()}
    good = {"Organization": labctl.OFFICE365["organization"], "AppId": labctl.OFFICE365["app_id"],
            "CertificateThumbprint": labctl.OFFICE365["certificate_thumbprint"].lower()}
    before, wrong, right, after = run(
        tenant, {"name": "Get-CASMailbox", "parameters": {"Identity": "oscc@lab.invalid"}},
        {"name": "Connect-ExchangeOnline", "module": "ExchangeOnlineManagement", "parameters": {**good, "AppId": "x"}},
        {"name": "Connect-ExchangeOnline", "module": "ExchangeOnlineManagement", "parameters": good},
        {"name": "Get-CASMailbox", "parameters": {"Identity": "oscc@lab.invalid"}, "select": ["ImapEnabled"]})
    assert "is not recognized" in before["error"] and wrong["error"].startswith("AADSTS700016")
    assert right["ok"] and after["objects"] == [{"ImapEnabled": False}]


@pytest.mark.parametrize("literal, value",
                         [("'a'", "a"), ('"it\'s"', "it's"), ("concat('a', \"'\", 'b\"c')", "a'b\"c")])
def test_iis_filters_read_xpath_literals(literal, value):
    assert lab_cmdlets.xpath_value(literal) == value


def test_not_found_is_quiet_only_with_silently_continue():
    org = {"exchange": labctl.exchange_organisation("15.0")}
    snapin = "Microsoft.Exchange.Management.PowerShell.SnapIn"
    loud, quiet = run(org, {"name": "Get-Mailbox", "snapin": snapin, "parameters": {"Identity": "nobody@lab.invalid"}},
                      {"name": "Get-Mailbox", "snapin": snapin,
                       "parameters": {"Identity": "nobody@lab.invalid", "ErrorAction": "SilentlyContinue"}})
    assert not loud["ok"] and "couldn't be found" in loud["error"]
    assert quiet == {"op": "cmdlet", "ok": True, "objects": []}


class Module:
    """What win_powershell's run_with_cmdlets uses of AnsibleModule."""

    params = {"sensitive_parameters": None}

    def fail_json(self, **result):
        raise AssertionError(result["msg"])


@pytest.fixture
def stand_in_module(tmp_path, monkeypatch):
    """win_powershell.py with the lab's own module_utils (the real collection comes first on the test's path)."""
    import json
    import sys

    monkeypatch.setenv("OSCC_LAB_REPO", os.path.dirname(os.path.dirname(HERE)))
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", str(tmp_path))
    (tmp_path / "drives" / "C").mkdir(parents=True)
    windows_state = {"installed_software": [dict(labctl.OSCC_SOFTWARE)], "calls": []}
    (tmp_path / "windows.json").write_text(json.dumps(windows_state))
    prefix = "ansible_collections.ansible.windows.plugins.module_utils."
    monkeypatch.setitem(sys.modules, prefix + "lab_cmdlets", lab_cmdlets)
    monkeypatch.setitem(sys.modules, prefix + "lab_host", lab_host)
    monkeypatch.setitem(sys.modules, prefix + "lab_network", stand_in("lab_network"))
    monkeypatch.setitem(sys.modules, prefix + "lab_cluster", stand_in("lab_cluster"))
    monkeypatch.setitem(sys.modules, prefix + "lab_registry", stand_in("lab_registry"))
    path = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "modules",
                        "win_powershell.py")
    spec = importlib.util.spec_from_file_location("lab_win_powershell", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def test_a_batch_with_cmdlets_keeps_the_executor_order_stops_at_the_first_failure_and_always_cleans_up(stand_in_module):
    uninstall = {"op": "cmdlet", "name": "Get-ItemProperty", "parameters": {"Path": UNINSTALL},
                 "select": ["DisplayName"]}
    batch = {"ops": [{"op": "stat", "path": "C:\\"}, {"op": "env", "names": ["PATH"]}, uninstall,
                     {"op": "cmdlet", "name": "Get-ItemProperty", "parameters": {"Nope": 1}},
                     {"op": "stat", "path": "C:\\never"}],
             "cleanup": [{"op": "cmdlet", "name": "Get-Module", "parameters": {"ListAvailable": True}},
                         {"op": "stat", "path": "C:\\"}, {"op": "cmdlet", "name": "Not a name"}]}
    done = stand_in_module.run_with_cmdlets(Module(), lab_host.State(), batch)
    assert [r["op"] for r in done["results"]] == ["stat", "env", "cmdlet", "cmdlet"] and done["failed_at"] == 3
    assert done["results"][0]["exists"] and done["results"][0]["dir"] and done["results"][1]["values"]["PATH"]
    assert done["results"][2]["objects"] == [{"DisplayName": labctl.OSCC_SOFTWARE["DisplayName"]}]
    assert done["results"][3]["error"] == "A parameter cannot be found that matches parameter name 'Nope'."
    assert [(r["op"], r["ok"]) for r in done["cleanup"]] == [("cmdlet", True), ("stat", True), ("cmdlet", False)]


def test_a_posix_failure_inside_a_batch_with_cmdlets_stops_it_too(stand_in_module):
    batch = {"ops": [{"op": "remove", "path": "C:\\", "root": "C:\\b"}, {"op": "cmdlet", "name": "Get-Module"}]}
    done = stand_in_module.run_with_cmdlets(Module(), lab_host.State(), batch)
    assert [r["op"] for r in done["results"]] == ["remove"] and done["failed_at"] == 0 and done["cleanup"] == []


def test_a_halt_inside_a_batch_with_cmdlets_stops_it(stand_in_module, tmp_path):
    (tmp_path / "drives" / "C" / "held.lock").write_text('{"token": "t", "host": "elsewhere", "pid": 1}')
    batch = {"ops": [{"op": "lock", "path": "C:\\held.lock", "record": {"token": "u"}},
                     {"op": "cmdlet", "name": "Get-Module"}]}
    done = stand_in_module.run_with_cmdlets(Module(), lab_host.State(), batch)
    assert [r["op"] for r in done["results"]] == ["lock"] and done["results"][0]["halt"] and done["failed_at"] == 0


def run_module(stand_in_module, script, batch, check_mode):
    """The stand-in's whole answer to one win_powershell task, as Ansible would call it."""
    import json

    from module_args import patch_module_args

    arguments = {"script": script, "parameters": {"Batch": json.dumps(batch)}, "_ansible_check_mode": check_mode}
    with patch_module_args(arguments), pytest.raises(SystemExit):
        stand_in_module.main()


@pytest.fixture
def answer(capsys):
    import json

    return lambda: json.loads(capsys.readouterr().out)


def test_in_check_mode_a_script_without_supports_should_process_is_skipped_as_the_real_module_does(
        stand_in_module, answer, tmp_path):
    """Issue 18 item 1: win_powershell.ps1 exits before running such a script: changed, this msg, no output."""
    script = "# oscc.admin host executor v1\n[CmdletBinding()] param([string]$Batch)\n"
    run_module(stand_in_module, script, {"ops": [{"op": "mkdir", "path": "C:\\made"}], "cleanup": []}, True)
    skipped = answer()
    assert skipped["changed"] is True and skipped["msg"] == "skipped, running in check mode"
    assert skipped["output"] == [] and "skipped" not in skipped and not (tmp_path / "drives" / "C" / "made").exists()


@pytest.mark.parametrize("binding", ["[CmdletBinding(SupportsShouldProcess)]",
                                     "[cmdletbinding(DefaultParameterSetName='x', SupportsShouldProcess = $true)]"])
def test_in_check_mode_a_script_with_supports_should_process_runs_with_what_if(stand_in_module, answer, tmp_path,
                                                                             binding):
    import json

    script = f"# oscc.admin host executor v1\n{binding} param([string]$Batch)\n"
    batch = {"ops": [{"op": "stat", "path": "C:\\"}, {"op": "mkdir", "path": "C:\\made"}], "cleanup": []}
    run_module(stand_in_module, script, batch, True)
    done = json.loads(answer()["output"][-1])
    assert done["results"][0]["ok"] and done["failed_at"] == 1
    assert done["results"][1]["error"] == "mkdir is refused under what-if (check mode): it may write"
    assert not (tmp_path / "drives" / "C" / "made").exists()
    run_module(stand_in_module, script, batch, False)  # without check mode the same batch writes
    assert json.loads(answer()["output"][-1])["failed_at"] is None and (tmp_path / "drives" / "C" / "made").is_dir()


def test_under_what_if_a_simulated_cmdlet_runs_only_when_it_reads(stand_in_module):
    ops = [{"op": "cmdlet", "name": "Get-Module"}, {"op": "cmdlet", "name": "Set-ItemProperty"}]
    done = stand_in_module.run_with_cmdlets(Module(), lab_host.State(), {"ops": ops, "what_if": True})
    assert done["results"][0]["ok"] and done["failed_at"] == 1
    assert done["results"][1]["error"] == "cmdlet is refused under what-if (check mode): it may write"
    probe = stand_in_module.run_with_cmdlets(Module(), lab_host.State(), {"ops": ops, "what_if": True,
                                                                          "read_only": True})
    assert [("refused under what-if" in (r.get("error") or "")) for r in probe["results"]] == [False, False]


@pytest.mark.parametrize("op", [
    {"op": "write", "path": "\\Windows\\x", "content": "x"},
    {"op": "write", "path": "/tmp/oscc-lab-escape", "content": "x"},
    {"op": "mkdir", "path": "D:..\\x"},
    {"op": "copy", "src": "C:\\a", "dest": "relative\\b"},
])
def test_a_path_that_names_no_drive_or_share_never_reaches_this_machine(stand_in_module, op):
    """Issue 19: the lab mapped only drive and share paths and handed any other path to this machine as it was."""
    with pytest.raises(AssertionError, match="is not a drive or share path; the lab maps only those"):
        stand_in_module.run_posix(Module(), [op], False, {})
    assert not os.path.exists("/tmp/oscc-lab-escape")


@pytest.mark.parametrize("path", ["C:\\x", "\\\\nas\\share\\x", "\\\\?\\D:\\x", "\\\\.\\UNC\\nas\\share"])
def test_drive_and_share_paths_are_host_paths(path):
    assert lab_host.is_host_path(path)
