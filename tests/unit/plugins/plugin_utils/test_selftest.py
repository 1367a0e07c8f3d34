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
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import EXECUTORS


def windows_plan():
    return selftest.Plan("windows", ntpath, "C:\\Windows\\TEMP", "0123abcd", 60, "C:\\Windows")


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
    argv = windows_plan().program("echo", *selftest.ARGS)
    assert argv[0] == "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" and "-File" in argv
    assert any("&" in a for a in argv) and "%TEMP%" in argv and any('"' in a for a in argv)


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
