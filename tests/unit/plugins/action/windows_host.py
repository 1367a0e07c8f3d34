"""A Windows host as the action plugins meet it through Target.batch: executor results recorded per cmdlet."""
from unittest.mock import MagicMock

from ansible.errors import AnsibleActionFail
from ansible.playbook.task import Task

from ansible_collections.oscc.admin.plugins.plugin_utils._host import target as _target
from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import request_problems, result_problems


class FakeHost:
    """Answers each operation from `answers`: (cmdlet, Identity or Filter) or cmdlet -> objects, or a str: the error
    the cmdlet fails with. A cmdlet not listed returns nothing. Batches keep the executor's semantics: in order up
    to the first failure, then every cleanup operation."""

    def __init__(self, answers=None, computer="EXCH01", paths=None):
        self.answers, self.computer, self.batches = dict(answers or {}), computer, []
        # A stat of a path: what `paths` says of it ("file", "folder", None for absent); a file when not listed.
        self.paths = dict(paths or {})

    def answer(self, op):
        if op["op"] == "env":
            return {"op": "env", "ok": True, "values": {}, "computer_name": self.computer}
        if op["op"] == "read":  # no file is read back here
            return {"op": "read", "ok": True, "exists": False}
        if op["op"] == "stat":
            kind = self.paths.get(op["path"], "file")
            return {"op": "stat", "ok": True, "exists": kind is not None, "dir": kind == "folder", "link": False}
        parameters = op.get("parameters", {})
        value = []
        for key in ((op["name"], parameters.get("Identity", parameters.get("Filter"))), op["name"]):
            if key in self.answers:
                value = self.answers[key]
                break
        if isinstance(value, str):
            result = {"op": "cmdlet", "ok": False, "error": value}
        else:
            result = {"op": "cmdlet", "ok": True,
                      "objects": [{k: o.get(k) for k in op["select"]} if op.get("select") else o for o in value]}
        assert result_problems("cmdlet", result) == []
        return result

    def batch(self, ops, cleanup=(), read_only=False, secrets=None, check=True, stamp=None):
        assert [p for op in list(ops) + list(cleanup) for p in request_problems(op)] == []
        self.batches.append({"ops": list(ops), "cleanup": list(cleanup), "read_only": read_only})
        results, failed_at = [], None
        for index, op in enumerate(ops):
            results.append(self.answer(op))
            if not results[-1]["ok"]:
                failed_at = index
                break
        done = {"results": results, "cleanup": [self.answer(op) for op in cleanup], "failed_at": failed_at}
        if check and failed_at is not None:
            raise _target.RemoteFailure(results[-1]["error"], results[-1])
        return done

    def cmdlets(self, batch):
        return [op["name"] for op in self.batches[batch]["ops"] if op["op"] == "cmdlet"]


def run_action(monkeypatch, action_class, host, args, check_mode=False, name="oscc.admin.plugin"):
    """The action plugin's result for a task with `args` on a Windows host whose executor is `host`."""
    task = MagicMock(Task)
    task.args, task.check_mode, task.diff, task.async_val, task.action = dict(args), check_mode, False, 0, name
    task.delegate_to = None
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = "powershell"
    play_context = MagicMock()
    play_context.check_mode = check_mode
    plugin = action_class(task, connection, play_context, loader=MagicMock(), templar=MagicMock(),
                          shared_loader_obj=MagicMock())
    monkeypatch.setattr(_target.Target, "batch", lambda self, *a, **k: host.batch(*a, **k))
    try:
        return plugin.run(task_vars={})
    except AnsibleActionFail as exc:  # as ansible-core's task executor reports it
        return {"failed": True, "msg": str(exc)}
