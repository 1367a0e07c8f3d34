# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: taking over the server's lock a killed run left (option take_over, docs/backup.md "A killed run"): what the
# probe asks the host for it, what the answers mean, and whether nothing of that run is alive any more.
from __future__ import annotations

import shlex

# The programs that archive or restore an Informix server (manual §6.3): while one runs, the run that started it is
# not over. A listing shows no process's server, so every one of the host counts: a wrong guess must refuse.
ARCHIVE_PROGRAMS = ("ontape", "onbar", "onbar_d")
LISTING_TIMEOUT = 60
# What the result names of the lock's holder (its record holds more, for people reading the file).
HOLDER_KEYS = ("operation", "controller", "controller_id", "controller_pid", "started", "host", "pid", "expires")


def probe_ops(platform: str, lock_path: str) -> list:
    """(name, request) of the probe's questions for a take-over: whether a batch holds the lock live, and which
    archive programs run on the host (Windows: Win32_Process by name; POSIX: ps, as read_only lets a probe run it)."""
    ops = [("lock_live", {"op": "lock_live", "path": lock_path})]
    if platform == "windows":
        for program in ARCHIVE_PROGRAMS:
            ops.append((("archive_programs", program),
                        {"op": "cmdlet", "name": "Get-CimInstance",
                         "parameters": {"ClassName": "Win32_Process", "Filter": f"Name = '{program}.exe'"},
                         "select": ["ProcessId", "Name", "CommandLine"]}))
    else:
        ops.append((("archive_programs", "ps"), {"op": "run", "argv": ["ps", "-eo", "pid=,args="],
                                                 "timeout": LISTING_TIMEOUT, "encoding": "utf-8", "ok_rc": [0]}))
    return ops


def _is_archive_program(word: str) -> bool:
    name = word.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.removesuffix(".exe") in ARCHIVE_PROGRAMS


def _posix_rows(text: str) -> list:
    """ps -eo pid=,args= lines whose program, or a word of an interpreter's command line (a script), is one of them."""
    found = []
    for line in text.splitlines():
        pid, _space, command = line.strip().partition(" ")
        if not pid.isdigit():
            continue
        try:
            words = shlex.split(command)
        except ValueError:
            words = command.split()
        if any(_is_archive_program(word) for word in words):
            found.append({"pid": int(pid), "command": command.strip()})
    return found


def archive_programs(results: dict, platform: str) -> tuple[list | None, str | None]:
    """(the archive programs running, each pid and command line; why they could not be listed). None: not asked."""
    names = [name for name in results if isinstance(name, tuple) and name[0] == "archive_programs"]
    if not names:
        return None, None
    found = []
    for name in names:
        listed = results[name]
        if not listed.get("ok"):
            return None, listed.get("error") or "no result"
        if platform != "windows" and listed.get("rc") != 0:  # a listing that failed lists nothing: never "none run"
            return None, f"ps returned {listed.get('rc')}: {(listed.get('stderr') or '').strip()[:200]}"
        if platform != "windows":
            found += _posix_rows(listed.get("stdout") or listed.get("output") or "")
            continue
        for row in listed.get("objects") or []:
            command = str(row.get("CommandLine") or row.get("Name") or "")
            found.append({"pid": int(row.get("ProcessId") or 0), "command": command})
    return sorted(found, key=lambda row: row["pid"]), None


def lock_live(results: dict) -> bool | None:
    """Whether a batch holds the lock live, as the probe found it; None when not asked or not read."""
    answer = results.get("lock_live") or {}
    return answer["live"] if answer.get("ok") else None


def holder(lock: dict | None) -> dict | None:
    if not lock:
        return None
    if lock.get("unreadable"):
        return {"unreadable": True}
    return {key: lock[key] for key in HOLDER_KEYS if key in lock}


def alive(lock: dict | None, live: bool | None, programs: list | None, listing_error: str | None) -> list[str]:
    """What of the lock holder's run is still alive on the host, or could not be ruled out; [] when nothing is."""
    if not lock:
        return []
    found = []
    if live is None:
        found.append("whether the lock's batch still runs could not be read")
    elif live:
        found.append("the batch that holds the lock still runs on the host")
    if programs is None:
        found.append(f"the host's archive programs could not be listed ({listing_error or 'not asked'})")
    found += [f"{row['command'] or 'an archive program'} (pid {row['pid']}) runs on the host" for row in programs or []]
    return found


def refusal(lock: dict, still: list[str], lock_path: str) -> str:
    return (f"take_over refused: the {lock.get('operation') or 'run'} that holds the server's lock is not over: "
            f"{'; '.join(still)}. Let it end (or end it), then run again; lock {lock_path} (docs/backup.md, "
            "A killed run)")


def found_report(lock: dict | None, live: bool | None, programs: list | None, server_mode: str,
                 services: dict) -> dict:
    """What the take-over found on the host, as the result says it (services: name -> state as read)."""
    return {"holder": holder(lock), "live": live, "archive_programs": programs or [], "server_mode": server_mode,
            "services": services, "services_stopped": sorted(n for n, state in services.items() if state == "stopped")}
