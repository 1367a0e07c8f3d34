"""replication_preflight's decisions from what one Windows host answers (manual §7.1, §7.3 steps 1-6): one read
batch, a write only when hosts.equiv must change, values passed literally, check mode and diff."""
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.playbook.task import Task

from ansible_collections.oscc.admin.plugins.action.replication_preflight import ActionModule
from ansible_collections.oscc.admin.plugins.plugin_utils._host import target as _target
from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import request_problems, result_problems

# Quoting hazards a Windows folder name may hold (a double quote it may not: the action refuses it).
INFORMIXDIR = "C:\\Informix & Co %INFORMIXDIR% 'x' $(x) Ünicode"
ARGS = {"local_name": "oscc1", "local_fqdn": "oscc1.contact.example.com", "informixdir": INFORMIXDIR,
        "informixserver": "ol_oscc1", "time_reference": "osccrep.contact.example.com",
        "partners": [{"name": "osccrep", "fqdn": "osccrep.contact.example.com", "address": "10.20.30.13",
                      "informixserver": "ol_osccrep"}]}
SAMPLES = "Tracking osccrep [10.20.30.13:123].\nCollecting 3 samples.\n03:10:04, -00,2500000s\n03:10:06, -00,2600000s\n"


class Host:
    """Answers each operation like a healthy server; `answers` overrides by op kind or cmdlet name."""

    def __init__(self, **answers):
        self.answers, self.batches = answers, []
        self.equiv = answers.pop("equiv", None)

    def answer(self, op):
        kind = op["op"]
        if kind == "env":
            result = {"values": {"INFORMIXDIR": INFORMIXDIR, "INFORMIXSERVER": "ol_oscc1",
                                 "ONCONFIG": "ONCONFIG.ol_oscc1"},
                      "computer_name": "OSCC1"}
        elif kind == "read":
            result = ({"exists": False} if self.equiv is None
                      else {"exists": True, "content": self.equiv, "sha256": "ab" * 32})
        elif kind == "write":
            result = {"changed": True, "backup_file": op["path"] + ".20260101.bak" if self.equiv else None}
        elif kind == "run" and op["argv"][0].endswith("w32tm.exe"):
            result = {"rc": 0, "output": self.answers.get("w32tm", SAMPLES), "timed_out": False}
        elif kind == "run":
            result = {"rc": 0, "output": "\n(count(*))\n\n 70\n", "timed_out": False}
        elif op["name"] == "Test-Connection":
            result = {"objects": [{"Address": "osccrep.contact.example.com", "IPV4Address": "10.20.30.13",
                                   "StatusCode": 0}]}
        elif op["parameters"]["Type"] == "PTR":
            result = {"objects": [{"Name": "13.30.20.10.in-addr.arpa", "NameHost": "osccrep.contact.example.com"}]}
        else:
            result = {"objects": [{"Name": op["parameters"]["Name"], "IPAddress": "10.20.30.13"}]}
        given = self.answers.get(op.get("name") or kind)
        if isinstance(given, str):
            result = {"ok": False, "error": given}
        result = {"op": kind, "ok": True, **result}
        assert result_problems(kind, result) == [], result
        return result

    def batch(self, ops, cleanup=(), read_only=False, secrets=None, check=True, stamp=None):
        assert [p for op in list(ops) + list(cleanup) for p in request_problems(op)] == []
        self.batches.append({"ops": list(ops), "cleanup": list(cleanup), "read_only": read_only})
        results = [self.answer(op) for op in ops]
        return {"results": results, "cleanup": [self.answer(op) for op in cleanup], "failed_at": None}


def run(monkeypatch, host, check_mode=False, diff=False, **args):
    task = MagicMock(Task)
    task.args, task.check_mode, task.diff, task.async_val = {**ARGS, **args}, check_mode, diff, 0
    task.action, task.delegate_to = "oscc.admin.replication_preflight", None
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = "powershell"
    plugin = ActionModule(task, connection, MagicMock(check_mode=check_mode), loader=MagicMock(), templar=MagicMock(),
                          shared_loader_obj=MagicMock())
    monkeypatch.setattr(_target.Target, "batch", lambda self, *a, **k: host.batch(*a, **k))
    try:
        return plugin.run(task_vars={})
    except AnsibleActionFail as exc:  # as ansible-core's task executor reports it
        return {"failed": True, "msg": str(exc)}


def by_step(result):
    found = {}
    for check in result["checks"]:
        found.setdefault(check["step"], []).append(check["status"])
    return found


def test_everything_is_read_in_one_batch_of_independent_probes_and_values_pass_literally(monkeypatch):
    host = Host(equiv="oscc1\r\noscc1.contact.example.com\r\nosccrep\r\nosccrep.contact.example.com\r\n")
    result = run(monkeypatch, host)
    assert not result.get("failed") and not result["changed"], result.get("msg")
    assert len(host.batches) == 1 and host.batches[0]["read_only"] and host.batches[0]["ops"] == []
    probes = host.batches[0]["cleanup"]
    assert [op["op"] for op in probes] == ["env", "read", "run", "cmdlet", "cmdlet", "cmdlet", "cmdlet", "run"]
    assert probes[0] == {"op": "env", "names": ["INFORMIXDIR", "INFORMIXSERVER", "ONCONFIG"], "scope": "machine"}
    assert probes[2]["argv"] == ["C:\\Windows\\System32\\w32tm.exe", "/stripchart",
                                 "/computer:osccrep.contact.example.com", "/dataonly", "/samples:3"]
    trust = probes[-1]
    assert trust["argv"] == [INFORMIXDIR + "\\bin\\dbaccess.exe", "sysmaster@ol_osccrep", "-"]
    assert trust["env"]["INFORMIXDIR"] == INFORMIXDIR and trust["stdin_text"] == "select count(*) from systables;\n"
    assert by_step(result) == {"7.1": ["ok"], "7.3 step 1": ["ok"], "7.3 step 2": ["ok"], "7.3 step 3": ["ok"] * 3,
                               "7.3 step 4": ["ok"], "7.3 step 5": ["ok"], "7.3 step 6": ["ok"]}
    assert result["clock_offset_seconds"] == 0.255  # the reference is behind: this host is ahead
    assert result["remote_operations"] == 0  # batches are faked here


def test_hosts_equiv_present_writes_in_a_second_batch_with_the_hash_it_read_and_a_backup(monkeypatch):
    host = Host(equiv="buildhost\r\n")
    result = run(monkeypatch, host, diff=True, hosts_equiv="present")
    assert result["changed"] and not result.get("failed")
    write, = host.batches[1]["ops"]
    assert write == {"op": "write", "path": "C:\\Windows\\System32\\drivers\\etc\\hosts.equiv",
                     "content": "buildhost\r\noscc1\r\noscc1.contact.example.com\r\n"
                                "osccrep\r\nosccrep.contact.example.com\r\n",
                     "encoding": "latin-1", "expected_sha256": "ab" * 32, "backup": True}
    assert result["diff"]["before"] == "buildhost\r\n" and result["diff"]["after"] == write["content"]
    assert result["hosts_equiv"]["backup_file"].endswith(".bak") and result["hosts_equiv"]["changed"]


def test_check_mode_plans_the_write_and_does_not_make_it(monkeypatch):
    host = Host()
    result = run(monkeypatch, host, check_mode=True, hosts_equiv="present")
    assert result["changed"] and len(host.batches) == 1
    assert by_step(result)["7.3 step 5"] == ["warning"]
    assert result["hosts_equiv"]["planned_lines"][0] == "oscc1" and result["hosts_equiv"]["lines"] == []


def test_a_failed_blocking_check_keeps_hosts_equiv_as_it_is(monkeypatch):
    host = Host(**{"Test-Connection": "Testing connection to computer 'osccrep' failed: "
                                      "Error due to lack of resources"})
    result = run(monkeypatch, host, hosts_equiv="present")
    assert result["failed"] and len(host.batches) == 1 and not result["changed"]
    assert "§7.3 step 2" in result["msg"] and "\n" not in result["msg"]
    hosts_equiv_detail = next(c["detail"] for c in result["checks"] if c["step"] == "7.3 step 5")
    assert "not written, as another check failed" in hosts_equiv_detail


def test_a_failing_probe_hides_none_of_the_others(monkeypatch):
    host = Host(**{"Resolve-DnsName": "osccrep : DNS name does not exist", "w32tm": "03:10:04, error: 0x800705B4\n"})
    result = run(monkeypatch, host)
    steps = by_step(result)
    assert steps["7.3 step 3"] == ["failed"] * 3 and steps["7.1"] == ["failed"] and steps["7.3 step 6"] == ["ok"]
    assert result["clock_offset_seconds"] is None


@pytest.mark.parametrize("change, message", [
    ({"partners": [dict(ARGS["partners"][0], address="osccrep")]}, "partners[0].address must be an IP address"),
    ({"local_fqdn": "oscc1.contact.example.com\nevil"}, "local_fqdn must be"),
    ({"hosts_equiv_path": "hosts.equiv"}, "hosts_equiv_path must be an absolute path"),
])
def test_bad_input_fails_in_one_line_before_anything_is_read(monkeypatch, change, message):
    host = Host()
    result = run(monkeypatch, host, **change)
    assert result["failed"] and result["msg"].startswith(message) and "\n" not in result["msg"]
    assert host.batches == []
