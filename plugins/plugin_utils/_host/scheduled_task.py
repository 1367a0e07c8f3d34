# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: Task Scheduler tasks that run the host executor on a saved batch (docs/windows.md): scheduled
# backups (manual §6.3.1) and background synchronisations (§7.2), registered with
# community.windows.win_scheduled_task.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import target as _target

SCRIPT_NAME = "oscc-executor.ps1"
# The accounts Task Scheduler runs a task as without a password (logon type service account).
SERVICE_ACCOUNTS = ("SYSTEM", "NT AUTHORITY\\SYSTEM", "LOCAL SERVICE", "NT AUTHORITY\\LOCAL SERVICE", "LocalService",
                    "NETWORK SERVICE", "NT AUTHORITY\\NETWORK SERVICE", "NetworkService")


def executor_action(script: str, batch_file: str) -> dict:
    """The task's action: Windows PowerShell running the executor's copy on the saved batch."""
    return {"path": "powershell.exe",
            "arguments": f'-NoProfile -NonInteractive -ExecutionPolicy Bypass '
                         f'-File "{script}" -BatchFile "{batch_file}"'}


def account_problem(user_option: str, username: str, password_option: str, password: str | None) -> str | None:
    """The error when the task's account is empty, or is no service account and comes without a password: Task
    Scheduler would register a user as a service account and the task would never run."""
    if not username.strip():
        return f"{user_option} must name an account (SYSTEM or a user with {password_option}), got {username!r}"
    if not password and username.casefold() not in {name.casefold() for name in SERVICE_ACCOUNTS}:
        return (f"{user_option} {username!r} is no service account (SYSTEM, LOCAL SERVICE, NETWORK SERVICE): "
                f"give its {password_option}")
    return None


def run_as(task: dict, username: str, password: str | None) -> dict:
    """The account the task runs as: a service account (SYSTEM) or a user with its password."""
    task["username"] = username
    if password:
        task.update(password=password, logon_type="password", update_password=False)
    else:
        task["logon_type"] = "service_account"
    return task


def check_script_dir(script_dir: str, option: str = "script_dir"):
    if "%" in script_dir:  # Task Scheduler would expand it in the task's arguments
        raise AnsibleActionFail(f"{option} must not contain %: {script_dir!r}")


def executor_source() -> str:
    with open(_target.EXECUTORS["windows"], encoding="utf-8") as handle:
        return handle.read()
