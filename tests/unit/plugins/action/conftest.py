"""Action plugins run as Ansible runs them, with Target.batch faked: each batch is recorded, checked against the
executor contract, and answered either by recorded executor results or by the POSIX executor itself on a
temporary folder."""
import json
from unittest.mock import MagicMock

import pytest
from ansible.playbook.task import Task

from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix as posix
from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import request_problems, result_problems
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure, Target


class Host:
    """What the fake Target.batch did: every batch with its flags, and where its answers come from."""

    def __init__(self):
        self.batches = []
        # Answers in turn: a list of op results, or a function(ops) giving them, or giving None after it changed
        # the host (a site editing a file between two batches), when the POSIX executor answers.
        self.recorded = []

    def answer(self, ops, secrets):
        if not self.recorded:
            return posix.run_batch({"ops": ops, "cleanup": []}, secrets or {})
        given = self.recorded.pop(0)
        results = given(ops) if callable(given) else given
        if results is None:
            return posix.run_batch({"ops": ops, "cleanup": []}, secrets or {})
        for op, result in zip(ops, results):
            result.setdefault("op", op["op"])
            result.setdefault("ok", True)
            assert not result_problems(op["op"], result), result_problems(op["op"], result)
        failed = next((i for i, r in enumerate(results) if not r["ok"]), None)
        return {"results": results, "cleanup": [], "failed_at": failed}

    @staticmethod
    def run(action_class, args, check=False, diff=False, platform="posix"):
        return run_plugin(action_class, args, check=check, diff=diff, platform=platform)

    def ops(self, name=None):
        """Every operation sent, or those of one kind."""
        return [op for batch in self.batches for op in batch["ops"] if name is None or op["op"] == name]

    def changing(self):
        """The operations that may change a host (a write, copy, extraction, folder, program run)."""
        return [op for op in self.ops() if op["op"] in ("write", "copy", "mkdir", "remove", "move", "run", "prompted")
                or (op["op"] == "unzip" and op.get("dest"))]


@pytest.fixture
def host(monkeypatch):
    fake = Host()

    def batch(target, ops, cleanup=(), read_only=False, secrets=None, check=True, stamp=None):
        assert not [p for op in ops for p in request_problems(op)]
        json.dumps(ops)  # what goes to a host is JSON
        fake.batches.append({"ops": list(ops), "read_only": read_only, "secrets": secrets,
                             "check_mode": target._action._task.check_mode})
        target.operations += 1
        done = fake.answer(list(ops), secrets)
        if check and done.get("failed_at") is not None:
            failed = done["results"][done["failed_at"]]
            raise RemoteFailure(failed.get("error") or f"{failed.get('op')} failed", failed)
        return done

    monkeypatch.setattr(Target, "batch", batch)
    return fake


def run_plugin(action_class, args, check=False, diff=False, platform="posix"):
    """The plugin's result for a task with `args`, as ansible-core would run it."""
    task = MagicMock(Task)
    task.args, task.check_mode, task.diff, task.async_val = dict(args), check, diff, 0
    task.action, task.delegate_to = "oscc.admin.plugin", None
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = "powershell" if platform == "windows" else "sh"
    connection._shell.tmpdir = "/tmp"
    play_context = MagicMock()
    play_context.check_mode = check
    plugin = action_class(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    plugin._load_name = task.action  # set by ansible-core's plugin loader; cores before 2.19 read it in their errors
    return plugin.run(task_vars={})
