"""The executor selftest's plan (plugins/plugin_utils/_host/selftest.py): every operation of the contract exercised,
the table judged from real POSIX executor runs, and a tampered answer shown as a failed row."""
import copy
import json
import ntpath
import os
import posixpath
import subprocess
import sys

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract, selftest
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.scheduled_task import executor_source
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import EXECUTORS


def windows_plan():
    return selftest.Plan("windows", ntpath, "C:\\Windows\\TEMP", "0123abcd", 60, "C:\\Windows", executor_source())


def posix_plan(temp):
    return selftest.Plan("posix", posixpath, str(temp), "0123abcd", 60)


def sent_operations(plan):
    batches = (plan.work(), plan.what_if(), plan.locks_and_cleanup())
    return {selftest.env_op()["op"]} | {op["op"] for b in batches for op in b.ops + b.cleanup}


def test_every_operation_of_the_contract_is_exercised_on_windows():
    """A new operation in contract.OPERATIONS fails here until the selftest runs it and shows a row for it."""
    plan = windows_plan()
    assert set(contract.OPERATIONS) <= sent_operations(plan)
    assert set(contract.OPERATIONS) - {"env"} <= selftest.exercised(plan.rows({}))


def test_every_posix_operation_is_exercised_and_the_cmdlet_row_says_not_applicable(tmp_path):
    plan = posix_plan(tmp_path)
    assert set(contract.OPERATIONS) - set(contract.WINDOWS_ONLY) <= sent_operations(plan)
    cmdlet = [row for row in plan.rows({}) if row["operation"] == "cmdlet"]
    assert cmdlet == [{"operation": "cmdlet", "expected": selftest.NOT_APPLICABLE, "got": selftest.NOT_APPLICABLE,
                       "ok": True}]


def test_every_request_fits_the_contract_and_stays_in_the_scratch_folder():
    plan = windows_plan()
    for batch in (plan.work(), plan.what_if(), plan.locks_and_cleanup()):
        for op in batch.ops + batch.cleanup:
            assert contract.request_problems(op) == [], op
            for key in ("path", "dest", "src", "root", "archive"):
                if key in op:
                    assert op[key].startswith(plan.scratch + "\\") or op[key] in (plan.scratch, plan.temp), op


def test_the_argument_echo_keeps_the_characters_a_shell_reads():
    """Windows: powershell.exe -File runs the executor the batch wrote, on one JSON argument that holds every
    character of ARGS as it is (not \\u-escaped) and asks it to write them, one a line."""
    plan = windows_plan()
    argv = plan.argv_check()
    assert argv[0] == "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" and "-File" in argv
    assert argv[1:] == ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File",
                        plan.scratch + "\\executor.ps1", "-Batch", argv[-1]]
    argument = argv[-1]
    assert all(text in argument for text in ('"', "&", "%TEMP%", "$HOME", "  ", "Grüße", 'say \\"hi\\" twice'))
    assert json.loads(argument) == plan.argv_batch()
    (write,) = plan.argv_batch()["ops"]
    assert contract.request_problems(write) == [] and write["path"] == plan.scratch + "\\argv.txt"
    assert write["content"].splitlines() == selftest.ARGS
    wrote = {op["path"]: op["content"] for op in plan.work().ops + plan.work().cleanup if op["op"] == "write"}
    assert wrote[argv[6]] == executor_source() and wrote[argv[6]].startswith("# oscc.admin host executor")


def test_no_script_but_the_executor_runs_under_powershell_on_windows():
    plan = windows_plan()
    ran = [op["argv"] for op in plan.work().cleanup if op["op"] in ("run", "prompted")]
    under_powershell = [argv for argv in ran if argv[0].endswith("powershell.exe")]
    assert len(under_powershell) == 2 and all(argv[6] == plan.executor for argv in under_powershell)
    assert all(argv[0] == plan.cmd and argv[3].endswith(".cmd") for argv in ran if argv not in under_powershell)
    assert plan.executor in plan.files() and plan.argv_file in plan.files()


def execute(batch, what_if=False):
    """One batch through the POSIX executor in a process of its own, as the Target sends it."""
    request = {"ops": batch.ops, "cleanup": batch.cleanup, **({"what_if": True} if what_if else {})}
    proc = subprocess.run([sys.executable, EXECUTORS["posix"], json.dumps(request)], capture_output=True, check=True)
    return batch.results(json.loads(proc.stdout))


@pytest.fixture(scope="module")
def answered(tmp_path_factory):
    """The selftest's batches run against this machine's POSIX executor."""
    temp = tmp_path_factory.mktemp("temp")
    plan = posix_plan(temp)
    results = {}
    for batch, what_if in ((plan.work(), False), (plan.what_if(), True), (plan.locks_and_cleanup(), False)):
        results.update(execute(batch, what_if))
    return plan, results, temp


def test_every_row_is_ok_on_the_posix_executor_and_the_scratch_folder_is_gone(answered):
    plan, results, temp = answered
    rows = plan.rows(results)
    assert [row for row in rows if not row["ok"]] == []
    assert len(rows) > 30 and os.listdir(temp) == []
    text = selftest.table_text("lab", rows)
    marked = [line for line in text[1:] if not line.startswith(" ")]  # a "got" line under its row starts blank
    assert text[0] == f"lab: {len(rows)} of {len(rows)} rows ok" and all(line.startswith("ok ") for line in marked)


@pytest.mark.parametrize("name, change, operation", [
    ("hash", {"sha256": "0" * 64}, "hash"),
    ("run argv", {"output": "a\nb\n"}, "run: argv"),
    ("lock other run", {"acquired": True}, "lock: refused"),
    ("what-if write", {"ok": True, "changed": True}, "check mode: a write"),
    ("unzip", {"files": {}}, "unzip: written"),
    ("stat folder spelled again", {"identity": "0:1"}, "stat: one folder spelled two ways"),
    ("stat folder spelled again", {"identity": None}, "stat: one folder spelled two ways"),
])
def test_a_tampered_answer_is_a_failed_row(answered, name, change, operation):
    plan, results, _temp = answered
    tampered = copy.deepcopy(results)
    tampered[name].update(change)
    if change.get("ok"):  # a refused write turned into one that wrote
        tampered[name].pop("error")
    failed = [row for row in plan.rows(tampered) if not row["ok"]]
    assert [row["operation"] for row in failed] == [next(r["operation"] for r in plan.rows(results)
                                                         if r["operation"].startswith(operation))]
    assert failed[0]["got"] != failed[0]["expected"]


def test_a_result_outside_the_contract_or_missing_is_a_failed_row(answered):
    plan, results, _temp = answered
    tampered = copy.deepcopy(results)
    tampered["stat"]["colour"] = "blue"
    del tampered["copy"]
    failed = {row["operation"]: row["got"] for row in plan.rows(tampered) if not row["ok"]}
    assert failed == {"stat: a file": "outside the contract: stat result: unknown key 'colour'", "copy": "did not run"}


@pytest.fixture(scope="module")
def windows_answered(tmp_path_factory):
    """The Windows argument check's inner batch carried out by the POSIX executor (its paths in a folder here), as
    the outer executor would return the program's output and the file it wrote."""
    plan = windows_plan()
    here = tmp_path_factory.mktemp("scratch")
    inner = plan.argv_batch()
    inner["ops"][0]["path"] = str(here / "argv.txt")
    proc = subprocess.run([sys.executable, EXECUTORS["posix"], json.dumps(inner)], capture_output=True, check=True)
    assert json.loads(proc.stdout)["results"][0]["ok"]
    read = execute(Batch().add("argv written", {"op": "read", "path": inner["ops"][0]["path"], "encoding": "utf-8"}))
    return plan, {"run argv": {"op": "run", "ok": True, "rc": 0, "timed_out": False,
                               "output": proc.stdout.decode() + "\r\n"}, **read}


def argv_rows(plan, results):
    return [row for row in plan.rows(results) if row["operation"].startswith("run: a JSON batch")
            or row["operation"].startswith("run: the argument arrived")]


def test_the_windows_argument_check_passes_when_the_batch_ran_and_wrote_the_text(windows_answered):
    plan, results = windows_answered
    rows = argv_rows(plan, results)
    assert [row["ok"] for row in rows] == [True, True]
    assert "powershell.exe -File executor.ps1" in rows[0]["operation"]
    assert rows[1]["got"] == selftest.shown(selftest.ARGS)


@pytest.mark.parametrize("name, change, failed", [
    # %TEMP% expanded on the way (a shell read the command line): the file shows it
    ("argv written", {"content": selftest.ARGV_TEXT.replace("%TEMP%", "C:\\Windows\\TEMP")}, 1),
    # quotes stripped (the argument parsed by other rules): the executor could not read its batch
    ("run argv", {"output": '{"results":[],"cleanup":[],"failed_at":0,"error":"ArgumentException: Invalid JSON"}'}, 0),
    # a result outside the contract
    ("run argv", {"output": '{"results":[{"op":"write","ok":true,"changed":true,"colour":1}],"failed_at":null}'}, 0),
    ("run argv", {"output": "a & b\r\n"}, 0),
    ("run argv", {"rc": 1}, 0),
])
def test_a_mangled_argument_is_a_failed_windows_row(windows_answered, name, change, failed):
    plan, results = windows_answered
    tampered = copy.deepcopy(results)
    tampered[name].update(change)
    rows = argv_rows(plan, tampered)
    assert [row["ok"] for row in rows] == [index != failed for index in range(2)]
