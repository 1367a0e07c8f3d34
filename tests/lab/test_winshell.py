"""The lab's powershell.exe stand-in (winshell.py) runs the collection's host executor on one JSON batch, as
powershell.exe -File executor.ps1 -Batch <json> does on a Windows server, and refuses every other script: no test
passes with a PowerShell script the collection writes."""
import json
import os
import subprocess

import labctl
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXECUTOR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "plugins", "plugin_utils", "_host", "executor.ps1")
SCRATCH = "C:\\Windows\\TEMP\\scratch"
FLAGS = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File"]
ECHO = "foreach ($argument in $args) { [Console]::Out.WriteLine($argument) }\r\n"  # the selftest's old script


@pytest.fixture
def host(tmp_path):
    base = str(tmp_path / "main")
    os.makedirs(labctl.to_here(base, SCRATCH))
    labctl.windows_shells(base)
    return base


def place(base, name, text):
    """A script written into the host's scratch folder; its path as the host spells it."""
    with open(labctl.to_here(base, f"{SCRATCH}\\{name}"), "w", encoding="utf-8") as handle:
        handle.write(text)
    return f"{SCRATCH}\\{name}"


def powershell(base, *argv):
    env = {k: v for k, v in os.environ.items() if k != "OSCC_LAB_EXECUTOR"}
    program = labctl.to_here(base, labctl.POWERSHELL)
    return subprocess.run([program, *argv], capture_output=True, text=True, check=False, env=env)


def test_the_executor_runs_the_batch_given_as_one_argument(host):
    with open(EXECUTOR, encoding="utf-8") as handle:
        script = place(host, "executor.ps1", handle.read())
    text = 'a & b\n%TEMP%\nsay "hi"\nGrüße\n'
    batch = {"ops": [{"op": "write", "path": f"{SCRATCH}\\argv.txt", "content": text, "encoding": "utf-8"}]}
    done = powershell(host, *FLAGS, script, "-Batch", json.dumps(batch, ensure_ascii=False))
    assert done.returncode == 0, done.stdout
    (wrote,) = json.loads(done.stdout)["results"]
    assert (wrote["op"], wrote["ok"], wrote["changed"]) == ("write", True, True)
    with open(labctl.to_here(host, f"{SCRATCH}\\argv.txt"), encoding="utf-8") as handle:
        assert handle.read() == text


@pytest.mark.parametrize("name, text, arguments", [
    ("echo-args.ps1", ECHO, ["a & b"]),  # the selftest's old argument echo
    ("executor.ps1", ECHO, ["-Batch", "{}"]),  # another script under the executor's name
    ("executor.ps1", None, ["a & b"]),  # the executor, but not on one batch
])
def test_any_other_script_is_refused(host, name, text, arguments):
    with open(EXECUTOR, encoding="utf-8") as handle:
        script = place(host, name, handle.read() if text is None else text)
    done = powershell(host, *FLAGS, script, *arguments)
    assert done.returncode == 1 and done.stdout.startswith("sim: powershell.exe runs only")
