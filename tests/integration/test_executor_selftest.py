"""playbooks/executor_selftest.yml in the lab: every row ok on a simulated Windows server and on a POSIX host, the
scratch folder gone afterwards; a test executor with one operation altered shows as a failed row and fails the host."""
import os
import re

from playbook_lab import ROOT

PLAYBOOK = os.path.join(ROOT, "playbooks", "executor_selftest.yml")
EVERY_HOST = {"oscc_selftest_hosts": "all"}  # lab-linux is in none of the default groups; -l picks the host


def selftest_result(run, host):
    return run.result("Run every executor operation in a scratch folder and compare each answer with the contract",
                      host)


def test_every_row_is_ok_and_nothing_is_left_behind(lab, tmp_path):
    run = lab.playbook(PLAYBOOK, extra=EVERY_HOST)
    assert run.rc == 0, run.stdout[-4000:]
    result = selftest_result(run, lab.inventory_host)
    rows = result["rows"]
    assert rows and [row for row in rows if not row["ok"]] == []
    operations = {row["operation"].split(":")[0] for row in rows}
    assert {"run", "prompted", "write", "read", "lock", "unlock", "unzip", "cmdlet", "check mode"} <= operations
    cmdlet = next(row for row in rows if row["operation"].startswith("cmdlet"))
    assert ("not applicable" in cmdlet["got"]) == (lab.platform == "posix")
    assert result["table"][0].endswith(f"{len(rows)} of {len(rows)} rows ok")
    scratch = result["scratch"]
    assert re.search(r"oscc-selftest-[0-9a-f]{12}$", scratch)
    here = lab.here(scratch) if lab.platform == "windows" else scratch
    assert os.path.isdir(os.path.dirname(here)) and not os.path.exists(here)
    if lab.platform == "windows":
        assert scratch.startswith("C:\\Windows\\TEMP\\") and os.listdir(os.path.dirname(here)) == []


def test_check_mode_writes_nothing_and_shows_the_check_mode_rows(windows_lab):
    run = windows_lab.playbook(PLAYBOOK, check=True, extra=EVERY_HOST)
    assert run.rc == 0, run.stdout[-4000:]
    rows = selftest_result(run, "lab-main")["rows"]
    assert [row["operation"] for row in rows] == ["check mode: a read answered (the temporary folder)",
                                                   "check mode: a write"]
    assert all(row["ok"] for row in rows)
    assert os.listdir(windows_lab.here("C:\\Windows\\TEMP")) == []


def test_a_broken_operation_in_a_test_executor_is_a_failed_row(windows_lab, tmp_path):
    with open(os.path.join(ROOT, "plugins", "plugin_utils", "_host", "executor_posix.py")) as handle:
        source = handle.read()
    honest = '    return dict(zip(("sha256", "size"), _sha256(op["path"])), exists=True)\n'
    assert honest in source
    broken = tmp_path / "executor_broken_hash.py"
    broken.write_text(source.replace(honest, '    return {"exists": True, "sha256": "0" * 64, "size": 0}\n'))
    windows_lab.env["OSCC_LAB_EXECUTOR"] = str(broken)
    run = windows_lab.playbook(PLAYBOOK, extra=EVERY_HOST)
    assert run.rc != 0
    result = selftest_result(run, "lab-main")
    failed = [row["operation"] for row in result["rows"] if not row["ok"]]
    # Exactly the rows that read a hash: every other operation still answers as the contract says.
    assert failed == ["hash", "move: the destination holds the file", "unzip: an entry's file",
                      "run: stdout into a file, hashed as it streams"]
    assert "executor checks failed" in result["msg"]
    assert "executor checks failed" in run.result("Fail the host when a row is not ok")["msg"]
    assert run.stats("lab-main")["failures"] == 1
    assert not os.path.exists(windows_lab.here(result["scratch"]))
