"""The Target seam: platform choice, path rules, and which modules it calls."""
import json
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure, Target


def action(shell_family="sh", check_mode=False):
    plugin = MagicMock()
    plugin._connection._shell.SHELL_FAMILY = shell_family
    plugin._templar.template.side_effect = lambda value: value
    plugin._task.check_mode = check_mode
    return plugin


@pytest.mark.parametrize("family, declared, platform", [
    ("powershell", None, "windows"), ("sh", None, "posix"), ("sh", "windows", "windows"),
    ("powershell", "POSIX", "posix"),
])
def test_platform_from_shell_or_inventory(family, declared, platform):
    task_vars = {} if declared is None else {"oscc_platform": declared}
    assert Target(action(family), task_vars).platform == platform


def test_a_delegated_task_takes_the_platform_and_python_of_the_delegate():
    plugin = action("sh")
    plugin._task.delegate_to = "lab-main"
    task_vars = {"oscc_platform": "posix", "ansible_python_interpreter": "/usr/bin/python3",
                 "ansible_delegated_vars": {"lab-main": {"oscc_platform": "windows",
                                                         "ansible_python_interpreter": "/opt/py/bin/python3"}}}
    target = Target(plugin, task_vars)
    assert target.platform == "windows" and target._python() == "/opt/py/bin/python3"
    plugin._task.delegate_to = None
    assert Target(plugin, task_vars).platform == "posix"


def test_unknown_platform_is_refused():
    with pytest.raises(AnsibleActionFail, match="oscc_platform must be one of: windows, posix"):
        Target(action(), {"oscc_platform": "aix"})


@pytest.mark.parametrize("platform, path, absolute", [
    ("windows", "D:\\OSCC-Backups", True), ("windows", "\\OSCC-Backups", False), ("windows", "OSCC", False),
    ("windows", "/var/backups", False), ("posix", "/var/backups", True), ("posix", "backups", False),
    # Issue 19: rooted without a drive, and drive-relative, name a folder that depends on the current drive or folder.
    ("windows", "\\Windows\\x", False), ("windows", "D:..\\x", False), ("windows", "D:x", False),
    ("windows", "\\\\backupsrv\\oscc", True), ("windows", "\\\\?\\D:\\x", True),
])
def test_absolute_paths_per_platform(platform, path, absolute):
    assert Target(action(), {"oscc_platform": platform}).is_abs(path) is absolute


NOTHING = {"results": [{"op": "read", "ok": True, "exists": False}], "cleanup": [], "failed_at": None}


def test_a_read_only_batch_on_windows_runs_in_check_mode_too():
    """Issue 18 item 1: the batch goes in check mode, marked read_only; win_powershell runs the executor with
    -WhatIf (it declares SupportsShouldProcess) and the executor's own guard lets the probe run."""
    plugin = action("powershell", check_mode=True)
    seen = {}

    def execute(module_name, module_args, task_vars):
        seen.update(module=module_name, check_mode=plugin._task.check_mode, args=module_args)
        return {"output": [json.dumps(NOTHING)]}

    plugin._execute_module.side_effect = execute
    target = Target(plugin, {})
    assert target.batch([{"op": "read", "path": "D:\\B\\x"}], read_only=True) == NOTHING
    assert seen["module"] == "ansible.windows.win_powershell" and seen["check_mode"] is True
    assert json.loads(seen["args"]["parameters"]["Batch"])["read_only"] is True
    assert plugin._task.check_mode is True and target.operations == 1


def test_an_executor_skipped_in_check_mode_is_a_failure_not_an_empty_result():
    """What win_powershell returns for a script without SupportsShouldProcess in check mode."""
    plugin = action("powershell", check_mode=True)
    plugin._execute_module.return_value = {"changed": True, "msg": "skipped, running in check mode", "output": []}
    with pytest.raises(RemoteFailure, match="the host executor failed: skipped, running in check mode"):
        Target(plugin, {}).batch([{"op": "read", "path": "D:\\B\\x"}], read_only=True)


@pytest.mark.parametrize("check_mode, read_only, extra", [
    (False, False, {}), (True, False, {"what_if": True}), (True, True, {"what_if": True, "read_only": True}),
])
def test_a_posix_batch_in_check_mode_says_what_if(check_mode, read_only, extra):
    plugin = action("sh", check_mode=check_mode)
    plugin._low_level_execute_command.return_value = {"rc": 0, "stdout": json.dumps(NOTHING), "stderr": ""}
    Target(plugin, {}).batch([{"op": "read", "path": "/b/x"}], read_only=read_only)
    namespace = {}
    exec(plugin._low_level_execute_command.call_args.kwargs["in_data"].split(b"\n", 1)[0].decode(), namespace)
    assert namespace["BATCH"] == {"ops": [{"op": "read", "path": "/b/x"}], "cleanup": [], **extra}


def test_a_posix_batch_is_one_round_trip_with_the_executor_on_stdin():
    plugin = action("sh")
    plugin._low_level_execute_command.return_value = {"rc": 0, "stdout": json.dumps(NOTHING), "stderr": ""}
    target = Target(plugin, {"ansible_python_interpreter": "/usr/bin/python3.12"})
    assert target.batch([{"op": "read", "path": "/b/x"}]) == NOTHING
    command, = plugin._low_level_execute_command.call_args.args
    assert command == "/usr/bin/python3.12 -"  # the batch is in the program text, whatever its size
    program = plugin._low_level_execute_command.call_args.kwargs["in_data"]
    assert b"def op_read(op):" in program
    namespace = {}
    exec(program.split(b"\n", 1)[0].decode(), namespace)
    assert namespace["BATCH"] == {"ops": [{"op": "read", "path": "/b/x"}], "cleanup": []}


def test_a_crash_on_the_host_is_one_readable_line():
    plugin = action("sh")
    plugin._low_level_execute_command.return_value = {"rc": 127, "stdout": "", "stderr": "python3: not found\n"}
    with pytest.raises(RemoteFailure, match=r"the host executor gave no result \(rc 127\): python3: not found"):
        Target(plugin, {}).batch([{"op": "read", "path": "/b/x"}])


def test_secrets_never_reach_a_command_line_or_the_request():
    plugin = action("sh")
    plugin._low_level_execute_command.return_value = {"rc": 0, "stdout": json.dumps(NOTHING), "stderr": ""}
    Target(plugin, {}).batch([{"op": "read", "path": "/b/x"}], secrets={"storepass": "s3cret-pw"})
    command, = plugin._low_level_execute_command.call_args.args
    program = plugin._low_level_execute_command.call_args.kwargs["in_data"]
    assert "s3cret-pw" not in command and b"s3cret-pw" not in program  # encoded inside the program text
    namespace = {}
    exec(b"\n".join(program.split(b"\n", 2)[:2]).decode(), namespace)  # the first lines define them for the executor
    assert namespace["SECRETS"] == {"storepass": "s3cret-pw"}


@pytest.mark.parametrize("platform, module", [("windows", "ansible.windows.win_service"),
                                              ("posix", "ansible.builtin.service")])
def test_services_use_the_platform_module(platform, module):
    plugin = action()
    plugin._execute_module.return_value = {"changed": True}
    Target(plugin, {"oscc_platform": platform}).service("OpenScape Contact Center", "stopped")
    assert plugin._execute_module.call_args.kwargs["module_name"] == module
    assert plugin._execute_module.call_args.kwargs["module_args"] == {"name": "OpenScape Contact Center",
                                                                      "state": "stopped"}


def test_an_executor_batch_on_windows_sends_executor_ps1_with_the_batch_and_secrets_apart():
    plugin = action("powershell")
    seen = {}

    def execute(module_name, module_args, task_vars):
        seen.update(module=module_name, args=module_args)
        return {"output": [json.dumps({"results": [{"op": "read", "ok": True, "exists": False}], "cleanup": [],
                                       "failed_at": None})]}

    plugin._execute_module.side_effect = execute
    target = Target(plugin, {})
    done = target.batch([{"op": "read", "path": "D:\\x"}], secrets={"pw": "s3cret"})
    assert done["results"][0]["exists"] is False and target.operations == 1
    assert seen["module"] == "ansible.windows.win_powershell"
    assert seen["args"]["script"].startswith("# oscc.admin host executor v1")
    assert json.loads(seen["args"]["parameters"]["Batch"]) == {"ops": [{"op": "read", "path": "D:\\x"}], "cleanup": []}
    assert "s3cret" not in json.dumps(seen["args"]["parameters"]) and \
        seen["args"]["sensitive_parameters"] == [{"name": "Secrets", "value": '{"pw": "s3cret"}'}]


def test_a_failed_operation_ends_the_task_with_its_line_and_a_bad_request_never_leaves():
    plugin = action("sh")
    plugin._low_level_execute_command.return_value = {"rc": 0, "stdout": json.dumps(
        {"results": [{"op": "remove", "ok": False, "error": "/etc/passwd is not below /b"}], "cleanup": [],
         "failed_at": 0})}
    target = Target(plugin, {})
    with pytest.raises(RemoteFailure, match=r"^/etc/passwd is not below /b$"):
        target.batch([{"op": "remove", "path": "/etc/passwd", "root": "/b"}])
    assert target.batch([{"op": "remove", "path": "/etc/passwd", "root": "/b"}], check=False)["failed_at"] == 0
    with pytest.raises(AnsibleActionFail, match="does not take: run: argv is not list"):
        target.batch([{"op": "run", "argv": "ontape -s", "timeout": 5}])
    assert plugin._low_level_execute_command.call_count == 2


@pytest.mark.parametrize("op, words", [
    ({"op": "run", "argv": ["C:\\ontape.exe", "-s\x00 -L 0"], "timeout": 9}, "run.argv[1] holds a NUL character"),
    ({"op": "run", "argv": ["C:\\x.exe"], "timeout": 9, "env": {"A": "x\x00NAME=v"}},
     "run.env.A holds a NUL character"),
    ({"op": "stat", "path": "D:\\B\x00\\x"}, "stat.path holds a NUL character"),
    ({"op": "run", "argv": ["C:\\x.exe"], "timeout": 9, "env": {"Path": "a", "PATH": "b"}},
     "run.env has the keys 'Path' and 'PATH', one key on Windows"),
])
@pytest.mark.parametrize("family", ["powershell", "sh"])
def test_a_value_windows_would_take_differently_is_refused_before_any_round_trip(family, op, words):
    """Issue 18 review: CreateProcess ends a command line or environment entry at a NUL (POSIX raises), and
    Windows PowerShell's ConvertFrom-Json refuses keys equal but for case: refused alike on every host."""
    plugin = action(family)
    target = Target(plugin, {})
    with pytest.raises(AnsibleActionFail, match="^refused before it reached the host: " + words.replace("[", r"\[")
                       .replace("]", r"\]").replace(".", r"\.")):
        target.batch([op])
    assert not plugin._execute_module.called and not plugin._low_level_execute_command.called


def test_a_file_content_may_hold_a_nul():
    plugin = action("powershell")
    plugin._execute_module.return_value = {"output": [json.dumps(NOTHING)]}
    assert Target(plugin, {}).batch([{"op": "write", "path": "D:\\B\\x", "content": "a\x00b"}]) == NOTHING
