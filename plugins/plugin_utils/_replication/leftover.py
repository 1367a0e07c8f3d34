# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The cdr processes a stopped synchronisation left behind (docs/windows.md, First-run checklist). Its cdr runs
# are children of the scheduled task's executor, held by the executor's job object; whether Stop-ScheduledTask ends
# them too is not proven on a real server, so after the stop the controller lists the host's cdr processes and ends
# those running one of the run's own commands.
from __future__ import annotations

import subprocess


def program_name(program: str) -> str:
    """The file name of a program's path, as Win32_Process.Name spells it (cdr.exe)."""
    return program.replace("\\", "/").rsplit("/", 1)[-1]


def processes_op(program: str) -> dict:
    """The cmdlet operation that lists the processes of the program's name, with their command lines."""
    return {"op": "cmdlet", "name": "Get-CimInstance",
            "parameters": {"ClassName": "Win32_Process", "Filter": f"Name = '{program_name(program)}'"},
            "select": ["ProcessId", "Name", "CommandLine"]}


def end_op(pids: list) -> dict:
    """Stop-Process of the ids; one that ended meanwhile is no error (the listing after it says what still runs)."""
    return {"op": "cmdlet", "name": "Stop-Process",
            "parameters": {"Id": list(pids), "Force": True, "ErrorAction": "SilentlyContinue"}}


def cdr_argvs(ops: list) -> list:
    """The argv of each cdr run of a saved batch."""
    return [op["argv"] for op in ops if op.get("op") == "run" and program_name(op["argv"][0]).lower().startswith("cdr")]


def left_running(objects: list, argvs: list) -> list:
    """The ids of the processes whose command line runs one of the argvs' arguments (as the executor quotes an argv,
    MS C runtime rules): the run's own cdr, not another program's or an operator's other cdr command."""
    wanted = {" ".join(subprocess.list2cmdline([str(a) for a in argv[1:]]).split()) for argv in argvs}
    found = []
    for process in objects or []:
        line = " ".join(str(process.get("CommandLine") or "").split())
        if any(w and line.endswith(" " + w) for w in wanted) and process.get("ProcessId") is not None:
            found.append(int(process["ProcessId"]))
    return sorted(found)
