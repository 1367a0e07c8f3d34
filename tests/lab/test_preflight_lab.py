"""The lab's side of the replication preflight (manual §7.1, §7.3): system environment variables, names and
addresses, reachability, clocks as w32tm shows them, trcdbins -activate and its diagnostic files."""
import importlib.util
import os
import re
import subprocess

import labctl
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
UTILS = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "module_utils")


def stand_in(name):
    spec = importlib.util.spec_from_file_location(f"preflight_{name}", os.path.join(UTILS, f"{name}.py"))
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


lab_cmdlets, lab_network = stand_in("lab_cmdlets"), stand_in("lab_network")
lab_network.register(lab_cmdlets)


class State:
    def __init__(self, data):
        self.data = data


@pytest.fixture
def estate(tmp_path, monkeypatch):
    root = str(tmp_path / "lab")
    for host in ("main", "backup", "report"):
        labctl.init_host(root, host, f"ol_{host}", platform="windows")
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", os.path.join(root, "main"))
    return root


def cmdlet(root, name, **parameters):
    session = lab_cmdlets.Session(State(labctl.windows_state(root, "main")))
    return session.run({"op": "cmdlet", "name": name, "parameters": parameters})


def program(root, host, spelled, *argv, cwd=None):
    path = labctl.to_here(labctl.host_paths(root, host)["base"], spelled)
    done = subprocess.run([path, *argv], capture_output=True, cwd=cwd, check=False)
    return done.returncode, done.stdout.decode()


def test_init_host_sets_the_system_variables_as_the_host_spells_them(estate):
    state = labctl.windows_state(estate, "main")
    assert state["machine_environment"] == {"INFORMIXDIR": "C:\\Program Files\\Informix", "INFORMIXSERVER": "ol_main",
                                            "ONCONFIG": "ONCONFIG.ol_main"}
    assert state["clock_offset_seconds"] == 0.0
    assert not os.path.exists(labctl.hosts_equiv(estate, "main"))
    assert os.path.isdir(os.path.dirname(labctl.hosts_equiv(estate, "main")))


def test_the_env_operation_with_scope_machine_answers_from_the_state_case_insensitively(estate):
    labctl.set_machine_environment(estate, "main", "ONCONFIG", None)
    request = {"op": "env", "names": ["informixdir", "INFORMIXSERVER", "ONCONFIG"], "scope": "machine"}
    got = lab_network.machine_env(labctl.windows_state(estate, "main"), request)
    assert got["ok"] and got["values"] == {"informixdir": "C:\\Program Files\\Informix", "INFORMIXSERVER": "ol_main",
                                           "ONCONFIG": None}


def test_dns_answers_forward_and_reverse_for_short_and_fully_qualified_names(estate):
    assert labctl.dns(estate)["forward"]["lab-report.lab.invalid"] == "127.0.1.3"
    short = cmdlet(estate, "Resolve-DnsName", Name="lab-report", Type="A")
    fq = cmdlet(estate, "Resolve-DnsName", Name="LAB-REPORT.lab.invalid", Type="A")
    ptr = cmdlet(estate, "Resolve-DnsName", Name="127.0.1.3", Type="PTR")
    assert short["objects"][0]["IPAddress"] == fq["objects"][0]["IPAddress"] == "127.0.1.3"
    assert ptr["objects"] == [{"Name": "3.1.0.127.in-addr.arpa", "Type": "PTR", "TTL": 3600, "Section": "Answer",
                               "NameHost": "lab-report.lab.invalid"}]


def test_a_broken_entry_answers_as_dns_does(estate):
    labctl.set_dns_forward(estate, "lab-backup", "127.0.1.9")
    labctl.set_dns_reverse(estate, "127.0.1.3", None)
    labctl.set_dns_forward(estate, "lab-report.lab.invalid", None)
    assert cmdlet(estate, "Resolve-DnsName", Name="lab-backup", Type="A")["objects"][0]["IPAddress"] == "127.0.1.9"
    assert cmdlet(estate, "Resolve-DnsName", Name="127.0.1.3", Type="PTR") == {
        "op": "cmdlet", "ok": False, "error": "3.1.0.127.in-addr.arpa : DNS name does not exist"}
    assert cmdlet(estate, "Resolve-DnsName", Name="lab-report.lab.invalid", Type="A")["error"] == \
        "lab-report.lab.invalid : DNS name does not exist"
    silent = cmdlet(estate, "Resolve-DnsName", Name="nowhere", Type="A", ErrorAction="SilentlyContinue")
    assert silent == {"op": "cmdlet", "ok": True, "objects": []}


def test_resolve_dnsname_takes_only_its_documented_parameters(estate):
    assert cmdlet(estate, "Resolve-DnsName", Name="lab-main", Type="A", DnsOnly=True)["ok"]
    refused = cmdlet(estate, "Resolve-DnsName", Name="lab-main", Reverse=True)
    assert refused["error"] == "A parameter cannot be found that matches parameter name 'Reverse'."
    imported = lab_cmdlets.Session(State({})).run({"op": "cmdlet", "module": "DnsClient", "name": "Resolve-DnsName",
                                                   "parameters": {"Name": "lab-main", "Type": "A"}})
    assert imported["ok"]


def test_test_connection_replies_until_a_host_is_made_unreachable(estate):
    ok = cmdlet(estate, "Test-Connection", ComputerName="lab-report", Count=1)
    assert ok["ok"] and [o["IPV4Address"] for o in ok["objects"]] == ["127.0.1.3"]
    labctl.set_reachable(estate, "report", False)
    down = cmdlet(estate, "Test-Connection", ComputerName="lab-report", Count=1)
    assert not down["ok"] and "failed" in down["error"]
    unknown = cmdlet(estate, "Test-Connection", ComputerName="lab-nowhere", Count=1)
    assert "No such host is known" in unknown["error"]
    quiet = cmdlet(estate, "Test-Connection", ComputerName="lab-report", Count=1, Quiet=True)
    assert quiet == {"op": "cmdlet", "ok": True, "objects": [{}]}  # a boolean has no properties to select
    labctl.set_reachable(estate, "report", True)
    assert cmdlet(estate, "Test-Connection", ComputerName="lab-report", Count=2)["ok"]
    assert "Ping" in cmdlet(estate, "Test-Connection", ComputerName="x", Ping=True)["error"]


SAMPLE = re.compile(r"^\d\d:\d\d:\d\d, ([+-]\d+[.,]\d{7})s$")


def stripchart(root, host, name, samples=3):
    return program(root, host, labctl.SYSTEM32 + "\\w32tm.exe", "/stripchart", f"/computer:{name}", "/dataonly",
                   f"/samples:{samples}")


def test_w32tm_stripchart_prints_the_remote_clock_minus_the_local_one(estate):
    labctl.set_clock_offset(estate, "report", 1.5)
    labctl.set_clock_offset(estate, "main", -0.25)
    rc, out = stripchart(estate, "main", "lab-report")
    lines = out.splitlines()
    assert rc == 0 and lines[0] == "Tracking lab-report [127.0.1.3:123]." and lines[1] == "Collecting 3 samples."
    assert re.fullmatch(r"The current time is \d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M\.", lines[2])
    values = [float(SAMPLE.match(line).group(1)) for line in lines[3:]]
    assert len(values) == 3 and all(abs(v - 1.75) < 0.01 for v in values)
    rc, out = stripchart(estate, "report", "lab-main.lab.invalid", samples=2)
    assert [round(float(SAMPLE.match(line).group(1)), 2) for line in out.splitlines()[3:]] == [-1.75, -1.75]


def test_w32tm_writes_the_locale_decimal_separator_and_errors_for_an_unreachable_host(estate):
    labctl._update_windows(estate, "main", lambda s: s.update(locale="de-DE"))
    _rc, out = stripchart(estate, "main", "lab-backup", samples=1)
    assert re.fullmatch(r"\d\d:\d\d:\d\d, \+00,00\d{5}s", out.splitlines()[3])
    labctl.set_reachable(estate, "backup", False)
    rc, out = stripchart(estate, "main", "lab-backup", samples=2)
    assert rc == 0 and [line.split(", ", 1)[1] for line in out.splitlines()[3:]] == ["error: 0x800705B4"] * 2
    rc, out = stripchart(estate, "main", "lab-nowhere")
    assert rc != 0 and "0x80072AF9" in out
    assert program(estate, "main", labctl.SYSTEM32 + "\\w32tm.exe", "/query", "/status")[0] == 87


def test_trcdbins_activate_writes_its_diagnostic_files_where_it_was_started(estate, tmp_path):
    tool = labctl.OSCC_DIR + "\\trcdbins.exe"
    first, second = tmp_path / "ok", tmp_path / "failed"
    first.mkdir()
    second.mkdir()
    assert program(estate, "report", tool, "-activate", cwd=first)[0] == 0
    assert sorted(os.listdir(first)) == ["trcdbins.000", "trcdbins.001", "trcdbins.002"]
    labctl.set_trcdbins_fail(estate, "report")
    assert program(estate, "report", tool, "-activate", cwd=second)[0] == 1
    assert "FAILED" in (second / "trcdbins.002").read_text()
    rc, out = program(estate, "report", tool, "-pause", cwd=second)
    assert rc == 2 and out.startswith("sim:")
