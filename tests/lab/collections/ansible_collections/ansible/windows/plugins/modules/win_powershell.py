#!/usr/bin/python
# Lab stand-in for ansible.windows.win_powershell (test equipment): runs oscc.admin's host executor batches
# through the POSIX executor, with the cmdlet operations simulated (lab_cmdlets), translating the host's
# drive paths.
from __future__ import annotations

import datetime
import importlib.util
import json
import os
import re
import subprocess
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils import (
    lab_cluster,
    lab_cmdlets,
    lab_host,
    lab_network,
    lab_registry,
)
from ansible_collections.ansible.windows.plugins.module_utils.lab_host import (
    State,
    host_dir,
    real_spec,
    to_here,
    to_host,
)

EXECUTOR = "# oscc.admin host executor"
# As the real module decides (win_powershell.ps1): a script runs in check mode only when its CmdletBinding declares
# SupportsShouldProcess (bare or = $true); it then runs with -WhatIf. Any other script is skipped.
SHOULD_PROCESS = re.compile(r"\[CmdletBinding\((?:[^()]*,\s*)?SupportsShouldProcess(?:\s*=\s*\$true)?"
                            r"\s*(?:,[^()]*)?\)\]", re.IGNORECASE)
lab_network.register(lab_cmdlets)
lab_cluster.register(lab_cmdlets)
lab_registry.register(lab_cmdlets)
# The simulated servers' OEM code page (a German Windows Server's): text the "oem" encoding cannot hold is refused by
# the POSIX executor as executor.ps1 refuses it there.
OEM_CODE_PAGE = "cp850"


def simulated(op):
    """An operation answered from the host's state: a cmdlet, or the system environment variables."""
    return op.get("op") == "cmdlet" or (op.get("op") == "env" and op.get("scope") == "machine")


def exit_with(module, result, changed):
    module.exit_json(changed=changed, output=[json.dumps(result)], error=[], result={}, host_out="", host_err="",
                     information=[], verbose=[], warning=[], debug=[])


def skip_in_check_mode(module):
    """What the real module returns for a script without SupportsShouldProcess in check mode: nothing ran."""
    module.exit_json(changed=True, msg="skipped, running in check mode", output=[], error=[], result={}, host_out="",
                     host_err="", information=[], verbose=[], warning=[], debug=[])


def run_twin(module, file_name, argv, what):
    """The POSIX twin of a Windows script, given the secrets as the Target gives them to a POSIX host (in the
    program), with the host's paths translated both ways."""
    secrets = {}
    for entry in module.params.get("sensitive_parameters") or []:
        if entry["name"] == "Secrets":
            secrets = to_here(json.loads(entry["value"]))
    path = os.path.join(os.environ["OSCC_LAB_REPO"], "plugins", "plugin_utils", "_host", file_name)
    # A test executor (a copy with one operation altered) in place of the collection's, for the selftest's tests.
    if file_name == "executor_posix.py" and os.environ.get("OSCC_LAB_EXECUTOR"):
        path = os.environ["OSCC_LAB_EXECUTOR"]
    with open(path) as handle:
        source = f"SECRETS = {secrets!r}\nOEM_CODE_PAGE = {OEM_CODE_PAGE!r}\n" + handle.read()
    if os.environ.get("OSCC_LAB_ONE_PROCESS"):  # as PSRP: every batch in the host's one long-lived process
        stdout, stderr, _rc = one_process_host().run(host_dir(), source, argv, windows_environment())
    else:
        proc = subprocess.run([sys.executable, "-", *argv], input=source.encode(), capture_output=True, check=False,
                              env=windows_environment())
        stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    try:
        return to_host(json.loads(stdout))
    except ValueError:
        module.fail_json(msg=f"lab stand-in: {what} crashed: {stderr[-2000:]}")


def one_process_host():
    """tests/lab/one_process_host.py: the simulated host's one process that runs every batch (lab_one_process)."""
    path = os.path.join(os.environ["OSCC_LAB_REPO"], "tests", "lab", "one_process_host.py")
    spec = importlib.util.spec_from_file_location("oscc_lab_one_process_host", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def windows_environment():
    """The process environment a Windows host gives the executor: TEMP, TMP and SystemRoot as Windows spells them
    (each a folder of the simulated host), beside this machine's own variables."""
    spelled = {"TEMP": "C:\\Windows\\TEMP", "TMP": "C:\\Windows\\TEMP", "SystemRoot": "C:\\Windows"}
    os.makedirs(to_here(spelled["TEMP"]), exist_ok=True)
    return dict(os.environ, **{name: to_here(value) for name, value in spelled.items()})


def contract():
    """The executor contract (plugins/plugin_utils/_host/contract.py), which every result of a batch must fit."""
    path = os.path.join(os.environ["OSCC_LAB_REPO"], "plugins", "plugin_utils", "_host", "contract.py")
    spec = importlib.util.spec_from_file_location("oscc_executor_contract", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


# The fields of an operation that name a file or folder of the host (plugins/plugin_utils/_host/contract.py).
PATH_FIELDS = ("path", "root", "src", "dest", "cwd", "archive")


def not_mapped(ops):
    """The first path field that names neither a drive nor a share (\\Windows\\x, /etc/x, D:..\\x): Windows
    would take it relative to the current drive or folder; the lab maps no such path, so it must never reach this
    machine's own file system. None when every path field is mapped."""
    for op in ops:
        for field in PATH_FIELDS:
            value = op.get(field)
            if isinstance(value, str) and not lab_host.is_host_path(value):
                return f"{op.get('op')}.{field} {value!r}"
    return None


def run_posix(module, ops, cleanup, mode):
    """Operations other than cmdlet through the POSIX executor: their results (or cleanup results). mode: the
    batch's what_if and read_only."""
    unmapped = not_mapped(ops)
    if unmapped:
        module.fail_json(msg=f"lab stand-in: {unmapped} is not a drive or share path; the lab maps only those")
    batch = dict({"cleanup": ops} if cleanup else {"ops": ops}, **mode)
    done = run_twin(module, "executor_posix.py", [json.dumps(to_here(batch))], "the executor")
    if done.get("error"):
        module.fail_json(msg=f"lab stand-in: the executor failed: {done['error']}")
    return done["cleanup" if cleanup else "results"]


def stops(result):
    """A result that ends the batch: a failure, or a halt (a lock not acquired, an exit code outside ok_rc)."""
    return not result["ok"] or bool(result.get("halt"))


def run_with_cmdlets(module, state, given):
    """A batch holding simulated operations (cmdlets, machine environment variables): each answered from the host's
    state, the runs of other operations between them through the POSIX executor; in order up to the first failure
    or halt, then every cleanup operation."""
    if given.get("record"):
        module.fail_json(msg="lab stand-in: a saved batch (record) with simulated operations is not simulated")
    stamp = None
    if given.get("stamp"):  # as the executor: the token replaced by the UTC time the batch started, given back
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}"
        given = json.loads(json.dumps(given).replace(given["stamp"], stamp))
    session = lab_cmdlets.Session(state)
    mode = {key: given[key] for key in ("what_if", "read_only") if key in given}
    shapes = contract()

    def simulate(op):  # as executor.ps1's Invoke-One: under what-if, its guard first
        refusal = shapes.what_if_refusal(op, bool(given.get("read_only"))) if given.get("what_if") else None
        if refusal:
            return {"op": op["op"], "ok": False, "error": refusal}
        return session.run(op) if op["op"] == "cmdlet" else lab_network.machine_env(state.data, op)

    def run(ops, cleanup):
        done, pending = [], []
        for op in ops + [None]:
            if op is not None and not simulated(op):
                pending.append(op)
                continue
            if pending:
                done += run_posix(module, pending, cleanup, mode)
                pending = []
            if not cleanup and done and stops(done[-1]):
                break
            if op is not None:
                done.append(simulate(op))
                if not cleanup and stops(done[-1]):
                    break
        return done

    results = run(given.get("ops", []), False)
    failed = [i for i, r in enumerate(results) if stops(r)]
    result = {"results": results, "cleanup": run(given.get("cleanup", []), True),
              "failed_at": failed[0] if failed else None, **({"stamp": stamp} if stamp else {})}
    problems = [p for r in result["results"] + result["cleanup"] for p in shapes.result_problems(r["op"], r)]
    if problems:
        module.fail_json(msg=f"lab stand-in: a result the executor contract does not allow: {problems[0]}")
    return result


def run_executor(module):
    """executor.ps1 cannot run here: its POSIX twin carries out the same batch, paths translated, and the cmdlet
    operations (Windows only) are simulated on the host's state."""
    given = json.loads(module.params["parameters"]["Batch"])
    state = State()
    state.record("win_powershell", {"executor": [op["op"] for op in given.get("ops", [])], "batch": dict(given)})
    if module.check_mode:  # the real module passes -WhatIf: $WhatIfPreference, which the POSIX executor takes so
        given["what_if"] = True
    if any(simulated(op) for op in given.get("ops", []) + given.get("cleanup", [])):
        result = run_with_cmdlets(module, state, given)
        state.save()
        lab_cluster.flush(lab_host)  # another node's OSCC services, after this host's state is saved
    else:
        state.save()
        result = run_twin(module, "executor_posix.py", [json.dumps(to_here(given))], "the executor")
    changed = any(r.get("changed") or r.get("moved") or r.get("removed") or r.get("created")
                  for r in result["results"] + result["cleanup"])
    exit_with(module, result, changed)


def main():
    spec = real_spec("win_powershell")
    # As the real module declares them (win_powershell.ps1): the secret values are no_log.
    spec["sensitive_parameters"]["options"] = {"name": {"type": "str", "required": True},
                                               "value": {"type": "str", "no_log": True},
                                               "username": {"type": "str"}, "password": {"type": "str", "no_log": True}}
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    script = module.params.get("script") or ""
    if module.check_mode and not SHOULD_PROCESS.search(script):
        skip_in_check_mode(module)
    if not script.startswith(EXECUTOR):
        module.fail_json(msg="lab stand-in: win_powershell runs only oscc.admin's host executor here")
    run_executor(module)


if __name__ == "__main__":
    main()
