# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: The one seam through which action plugins reach a host. Above it, code is platform-neutral;
# below it, Windows hosts are driven through ansible.windows modules and POSIX hosts through
# ansible.builtin ones. The platform comes from the connection's shell family, overridable by
# the inventory variable `oscc_platform`.
from __future__ import annotations

import base64
import json
import ntpath
import os
import posixpath
import shlex

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import request_problems, value_problems

PLATFORMS = ("windows", "posix")
# The host executors (docs/windows.md): one PowerShell file for Windows hosts, one Python file for POSIX hosts.
EXECUTORS = {"windows": os.path.join(os.path.dirname(__file__), "executor.ps1"),
             "posix": os.path.join(os.path.dirname(__file__), "executor_posix.py")}


class RemoteFailure(AnsibleActionFail):
    """A remote procedure reported failure; `details` carries what it returned."""

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = details or {}


class Target:
    def __init__(self, action, task_vars):
        self._action = action
        self._task_vars = task_vars
        self.platform = self._platform()
        self.operations = 0  # remote round trips made, reported to the user and to the benchmarks

    def _host_vars(self):
        """The variables of the host the task runs on: for a delegated task, the delegate's."""
        delegate = self._action._task.delegate_to
        delegated = self._task_vars.get("ansible_delegated_vars") or {}
        return delegated.get(delegate, self._task_vars) if delegate else self._task_vars

    def _platform(self):
        declared = self._host_vars().get("oscc_platform")
        if declared is not None:
            declared = str(self._action._templar.template(declared)).lower()
            if declared not in PLATFORMS:
                raise AnsibleActionFail(f"oscc_platform must be one of: {', '.join(PLATFORMS)}; got {declared!r}")
            return declared
        family = getattr(self._action._connection._shell, "SHELL_FAMILY", "sh")
        return "windows" if family == "powershell" else "posix"

    @property
    def path(self):
        return ntpath if self.platform == "windows" else posixpath

    def is_abs(self, path: str) -> bool:
        if self.platform == "windows":
            return bool(ntpath.splitdrive(path)[0]) and ntpath.isabs(path)
        return posixpath.isabs(path)

    def _module(self, name, args):
        self.operations += 1
        return self._action._execute_module(module_name=name, module_args=args, task_vars=self._task_vars)

    def _powershell(self, script: str, parameters: dict, secrets: dict | None) -> dict:
        """win_powershell with the secrets as a SecureString parameter, never in the script or its parameters. In
        check mode it runs the executor with -WhatIf (it declares SupportsShouldProcess): reads run, writes are
        refused (docs/windows.md, check mode)."""
        arguments = {"script": script, "parameters": parameters}
        if secrets:
            arguments["sensitive_parameters"] = [{"name": "Secrets", "value": json.dumps(secrets)}]
        return self._module("ansible.windows.win_powershell", arguments)

    def _python_program(self, source: str, argv: list[str], secrets: dict | None, batch: dict | None = None) -> dict:
        """One round trip on the connection itself, like ansible.builtin.raw: the program goes in on stdin, so
        nothing of it, of its batch and of the secrets in its first lines shows in the host's process list, and a
        batch of any size fits (an argument is limited to 128 KiB on Linux)."""
        for name, value in (("SECRETS", secrets), ("BATCH", batch)):
            if value:
                encoded = base64.b64encode(json.dumps(value).encode()).decode()
                source = f"{name} = __import__('json').loads(__import__('base64').b64decode('{encoded}'))\n" + source
        self.operations += 1
        command = " ".join(shlex.quote(a) for a in (self._python(), "-", *argv))
        return self._action._low_level_execute_command(command, in_data=source.encode())

    def batch(self, ops: list[dict], cleanup: list[dict] = (), read_only: bool = False, secrets: dict | None = None,
              check: bool = True, stamp: str | None = None) -> dict:
        """Executor operations in one round trip: in order up to the first that fails, then every cleanup one.
        With `check`, a failed operation ends the task with its one-line error. read_only marks a probe: in check
        mode the executor runs it (its programs and cmdlets too) and refuses any writing operation of another batch.
        stamp: a token the executor replaces by its UTC time (contract.BATCH_REQUEST), given back as the stamp."""
        request = {"ops": list(ops), "cleanup": list(cleanup)}
        if read_only:
            request["read_only"] = True
        if stamp:
            request["stamp"] = stamp
        problems = [p for op in request["ops"] + request["cleanup"] for p in request_problems(op)]
        if problems:
            raise AnsibleActionFail(f"internal error, a request the host executor does not take: {problems[0]}")
        values = [p for op in request["ops"] + request["cleanup"] for p in value_problems(op, op["op"])]
        if values:  # a value an option carried: the same refusal on every host, before anything ran
            raise AnsibleActionFail(f"refused before it reached the host: {values[0]}")
        with open(EXECUTORS[self.platform], encoding="utf-8") as handle:
            source = handle.read()
        if self.platform == "windows":
            raw = self._powershell(source, {"Batch": json.dumps(request)}, secrets)
            payload = (raw.get("output") or [None])[-1]
            if (raw.get("failed") or self._action._task.check_mode) and not payload:  # failed, or skipped in check mode
                raise RemoteFailure(f"the host executor failed: {raw.get('msg', 'no message')}", raw)
        else:
            if self._action._task.check_mode:  # the POSIX executor's what-if: reads run, writes are refused
                request["what_if"] = True
            raw = self._python_program(source, [], secrets, batch=request)
            payload = raw.get("stdout")
        try:
            done = json.loads(payload) if isinstance(payload, str) else dict(payload or {})
        except ValueError:
            raise RemoteFailure(f"the host executor gave no result (rc {raw.get('rc')}): "
                                f"{(raw.get('stderr') or raw.get('stdout') or '').strip()[-500:]}", raw) from None
        if done.get("error"):
            raise RemoteFailure(f"the host executor failed: {done['error']}", done)
        failed = Batch.numbered(request["ops"], "op").failed(done) if check else None
        if failed:
            raise RemoteFailure(failed.result.get("error") or f"{failed.op['op']} failed", failed.result)
        return done

    def one(self, op: dict, read_only: bool = False, check: bool = True) -> dict:
        """The result of one operation in a round trip of its own (a batch of one: no name to read it by)."""
        return self.batch([op], read_only=read_only, check=check)["results"][0]

    def read_text(self, path: str, encoding: str = "latin-1") -> dict:
        """A file's text and SHA-256 in one round trip; one line when it is a folder or missing."""
        ops = Batch().add("stat", {"op": "stat", "path": path})
        ops.add("read", {"op": "read", "path": path, "encoding": encoding})
        results = ops.results(self.batch(ops.ops, read_only=True))
        found, read = results["stat"], results["read"]
        if found["exists"] and found["dir"]:
            raise RemoteFailure(f"{path} is a folder, not a file")
        if not read["exists"]:
            raise RemoteFailure(f"{path} does not exist")
        return read

    def _python(self):
        interpreter = self._host_vars().get("ansible_python_interpreter")
        if interpreter:
            return str(self._action._templar.template(interpreter))
        facts = self._task_vars.get("ansible_facts", {})
        return facts.get("discovered_interpreter_python", "/usr/bin/python3")

    def module(self, name: str, args: dict) -> dict:
        """Run a standard module of the host's platform; its failure ends the task."""
        result = self._module(name, args)
        if result.get("failed"):
            raise RemoteFailure(f"{name} failed: {result.get('msg')}", result)
        return result

    def service(self, name: str, state: str) -> dict:
        module = "ansible.windows.win_service" if self.platform == "windows" else "ansible.builtin.service"
        try:
            return self.module(module, {"name": name, "state": state})
        except RemoteFailure as exc:
            raise RemoteFailure(f"could not make service {name!r} {state}: {exc.details.get('msg')}",
                                exc.details) from None
