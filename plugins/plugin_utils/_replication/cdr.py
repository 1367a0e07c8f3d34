# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: Replication of an OSCC estate (manual chapter 7, §8.1) as Informix Enterprise Replication shows it
# (docs/replication.md): the estate from the inventory, the parsers of cdr and onstat output, the
# buffer levels of §7.1.1, the plan of cdr commands for each action of the manual's tool, and the
# manual's GUI steps for when the probe cannot confirm the mapping.
from __future__ import annotations

import datetime as dt
import re

SCOPES = ("central_reporting", "high_availability", "all")
# disconnected: the replication with the partners of one kind ended (§8.1.3, §8.1.4), the local server running on.
STATES = ("paused", "active", "stopped", "restarted", "disconnected")
SYNCS = ("report_data_recent", "report_data_all", "report_data_continue", "admin_data")
ROLES = {"oscc_main": "main", "oscc_backup": "backup", "oscc_central_report": "central_report"}
# The replicate sets: report data (central reporting) and administration data (HA and the report server).
DEFAULT_SETS = {"report_data": "oscc_report", "admin_data": "oscc_admin"}
DEFAULT_OSCC_DIR = "C:\\Program Files\\OpenScape Contact Center"
# §7.3: the tool's diagnostic files trcdbins.000 ... trcdbins.025 in the folder it ran from.
DIAGNOSTICS = "trcdbins.0[0-9][0-9]"
# §7.1.1: the buffer's levels, from the highest down.
LEVELS = ((95.0, "critical"), (75.0, "warning"), (50.0, "warning_hourly"), (0.0, "ok"))
LEVEL_TEXT = {"ok": "below 50 %: no message",
              "warning_hourly": "50 % or more: OSCC reports the fill every hour (§7.1.1)",
              "warning": "75 % or more: OSCC reports every 15 minutes and may end one kind of replication (§7.1.1)",
              "critical": "95 % or more: OSCC stops the server's replication, "
                          "which does not restart by itself (§7.1.1)"}
BUFFER_METHOD = ("bytes queued to the partners (QUEUE of cdr list server) / (CDR_QUEUEMEM + the size of the "
                 "CDR_QDATA_SBSPACE sbspaces in onstat -d)")

# STATUS is a word of letters: a QUEUE of seven digits or more fills its column and touches a ten-letter STATUS
# (Connecting1234567), and a group name longer than its column pushes the rest of the row to the right.
_SERVER_ROW = re.compile(r"^(?P<group>\S+)\s+(?P<id>\d+)\s+(?P<state>[A-Za-z][A-Za-z ]*?)\s+"
                         r"(?P<status>[A-Za-z]+)(?:\s*(?P<queue>\d+))?(?:\s+(?P<changed>\S.*?))?\s*$")
_FAILED = re.compile(r"command failed -- (?P<text>.*?)\s*\((?P<code>\d+)\)\s*$", re.M)


class ReplicationError(Exception):
    """A one-line reason a replication action cannot go on."""


# ---------------------------------------------------------------- cdr and onstat output
def parse_server_list(text: str) -> list[dict]:
    """The rows of `cdr list server` below its dashes: group, id, state, status, queue (bytes), changed."""
    rows, body = [], False
    for line in (text or "").splitlines():
        if line.startswith("---"):
            body = True
            continue
        match = _SERVER_ROW.match(line.strip()) if body and line.strip() else None
        if match:
            rows.append({"group": match["group"], "id": int(match["id"]), "state": match["state"].strip(),
                         "status": match["status"], "queue": int(match["queue"] or 0),
                         "changed": (match["changed"] or "").strip() or None})
    return rows


def list_failure(rc: int, text: str) -> str | None:
    """Why `cdr list server` gave no list: "stopped" (ER not active on the server), "offline" (no connection to
    it), "error" (anything else); None when it worked."""
    if rc == 0:
        return None
    failed = _FAILED.search(text or "")
    reason = failed["text"].lower() if failed else ""
    if "not active" in reason:
        return "stopped"
    if "unable to connect" in reason or "shared memory not initialized" in (text or "").lower():
        return "offline"
    return "error"


def parse_replicate_set(text: str) -> list[str]:
    """The replicates of one set from `cdr list replicateset <set>` (the REPLICATE: lines)."""
    return [m[1] for m in re.finditer(r"^\s*REPLICATE:\s*(\S+)\s*$", text or "", re.M)]


_SPACE_ROW = re.compile(r"^[0-9a-fA-F]+\s+(?P<number>\d+)\s+0x[0-9a-fA-F]+\s+\d+\s+\d+\s+"
                        r"(?P<pgsize>\d+)\s+.*\s(?P<name>\S+)\s*$")
_CHUNK_SIZE = re.compile(r"^[0-9a-fA-F]+\s+\d+\s+(?P<dbs>\d+)\s+\d+\s+(?P<size>\d+)\s+\d+\s")


def space_bytes(onstat_d: str, names: list[str]) -> int:
    """The size in bytes of the named dbspaces or sbspaces: their chunks' pages times the page size."""
    spaces, sizes, section = {}, {}, None
    for line in (onstat_d or "").splitlines():
        if line.startswith(("Dbspaces", "Chunks")):
            section = line.split()[0]
            continue
        if section == "Dbspaces":
            match = _SPACE_ROW.match(line)
            if match:
                spaces[int(match["number"])] = (match["name"], int(match["pgsize"]))
        elif section == "Chunks":
            match = _CHUNK_SIZE.match(line)
            if match:
                sizes[int(match["dbs"])] = sizes.get(int(match["dbs"]), 0) + int(match["size"])
    return sum(sizes.get(number, 0) * pgsize for number, (name, pgsize) in spaces.items() if name in names)


def level(percent: float | None) -> str:
    if percent is None or percent < 0:
        return "unknown"
    return next(name for floor, name in LEVELS if percent >= floor)


def buffer(onconfig: dict | None, onstat_d: str, rows: list[dict]) -> dict:
    """The replication buffer of §7.1.1 as ER shows it: queued bytes against the queue's memory and sbspaces.
    onconfig None: the ONCONFIG could not be read, so the queue's size is unknown (not ER's default)."""
    queued = sum(r["queue"] for r in rows if r["status"] != "Local")
    if onconfig is None:
        return {"percent": None, "level": "unknown",
                "meaning": "unknown: the ONCONFIG could not be read, so the size of the queue (CDR_QUEUEMEM, "
                           "CDR_QDATA_SBSPACE) is not known",
                "queued_bytes": queued, "capacity_bytes": None, "sbspaces": [], "computed_from": BUFFER_METHOD}
    memory = str(onconfig.get("CDR_QUEUEMEM") or "131072")  # KB; ER's default when unset
    sbspaces = [s.strip() for s in (onconfig.get("CDR_QDATA_SBSPACE") or "").split(",") if s.strip()]
    capacity = int(memory) * 1024 + space_bytes(onstat_d, sbspaces) if memory.isdigit() else 0
    exact = 100.0 * queued / capacity if rows and capacity > 0 else None
    percent = None if exact is None else round(exact, 2)
    found = level(exact)  # the level of the value itself, not of its rounding
    return {"percent": percent, "level": found, "meaning": LEVEL_TEXT.get(found, "the buffer could not be read"),
            "queued_bytes": queued, "capacity_bytes": capacity, "sbspaces": sbspaces, "computed_from": BUFFER_METHOD}


# What each word of cdr list server means (HCL's cdr list server and syscdrs pages; docs/vendor-facts.md).
STATE_MEANING = {
    "Active": "the server is active and replicating data",
    "Deleted": "the server has been deleted: it neither captures nor delivers data, and its queues are being drained",
    "Disabled": "the server is disabled: only its delete tables are filled; after cdr enable server it needs a "
                "synchronisation",
    "Quiescent": "the server is being defined (its initial synchronisation)",
    "Suspended": "delivery of replication data to the server is suspended",
}
STATUS_MEANING = {
    "Local": "this is the server the list was read on",
    "Connected": "the connection is active",
    "Connecting": "the connection is being established",
    "Disconnect": "the connection was closed by a user command and stays unavailable until it is reset "
                  "(cdr connect server, or cdr start on a server whose replication was stopped)",
    "Dropped": "the connection was dropped by a network error; Enterprise Replication retries it",
    "Timeout": "the connection ended after its idle time-out; Enterprise Replication connects again when there "
               "is data to send",
}
# The partner's own STATE when it is not Active or Suspended: the partner's state in the module's words.
_NOT_REPLICATING = {"Deleted": "deleted", "Disabled": "disabled", "Quiescent": "defining"}
# STATUS: a connection that comes back by itself, one that is up (or idle) and one that waits for a reset.
_STATUS_STATE = {"Local": "active", "Connected": "active", "Timeout": "active", "Connecting": "connecting",
                 "Dropped": "connecting", "Disconnect": "disconnected"}


def deliveries(kind: str, role: str, local_group: str, group: str) -> list[tuple[str, str]]:
    """The deliveries (from group, to group) that pausing this kind of replication with the partner suspends:
    central reporting from the main or backup server to the report server, high availability both ways (§8.1.1).
    A row of cdr list server whose STATE is Suspended says delivery TO its server is suspended, so the row
    of each delivery's receiver tells whether it is paused: on the report server its own row."""
    if kind == "high_availability":
        return [(local_group, group), (group, local_group)]
    if role == "central_report":
        return [(group, local_group)]
    return [(local_group, group)]


def receiver_rows(rows: dict, pairs: list[tuple[str, str]]) -> list[dict | None]:
    """The rows ({group: row}) of the servers the deliveries go to: the rows that show whether each is paused."""
    return [rows.get(receiver) for _source, receiver in pairs]


def suspended(row: dict | None) -> bool:
    return bool(row) and row["state"].lower().startswith("suspend")


def partner_state(row: dict | None, local: str | None, receivers: list | None = None) -> str:
    """A partner's state in the module's words, from its row (None: not listed), the local ER's failure and the
    rows of the servers its deliveries go to (None: the partner's own row, as on a main server for central
    reporting). paused: every delivery suspended, partly_paused: some; disconnected: it needs a reset."""
    if local == "stopped":
        return "stopped"
    if row is None:
        return "unknown"
    if row["state"] in _NOT_REPLICATING:
        return _NOT_REPLICATING[row["state"]]
    receiving = [row] if receivers is None else receivers
    paused = [r for r in receiving if suspended(r)]
    if receiving and len(paused) == len(receiving):
        return "paused"
    if paused:
        return "partly_paused"
    if row["state"] != "Active" and not suspended(row):
        return "unknown"  # a STATE word the documentation does not list
    return _STATUS_STATE.get(row["status"], "unknown")


def meaning(row: dict | None) -> str:
    """The documented meaning of a row's STATE and STATUS, in one line."""
    if row is None:
        return "not listed by cdr list server"
    state = STATE_MEANING.get(row["state"], f"STATE {row['state']} is not a word the documentation lists")
    status = STATUS_MEANING.get(row["status"], f"STATUS {row['status']} is not a word the documentation lists")
    return f"{state}; {status}"


# ---------------------------------------------------------------- the estate from the inventory
GROUP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def group_names_problem(args: dict) -> str | None:
    """The error for the first server group or replicate set name ER would not take, else None: the one rule of
    replication and replication_info."""
    for option in ("server_groups", "replicate_sets"):
        for key, value in (args.get(option) or {}).items():
            if not isinstance(value, str) or not GROUP_NAME.fullmatch(value):
                return f"{option}.{key} must be a name of letters, digits and _ (at most 128), got {value!r}"
    return None


def role_of(host: str, groups: dict) -> str | None:
    for group, role in ROLES.items():
        if host in (groups.get(group) or []):
            return role
    return None


def partners(host: str, scope: str, groups: dict) -> dict[str, list[str]]:
    """The partners of a host per kind of replication (§7.1.1, §7.3 step 5, §8.1): central reporting links each
    main and backup server with the central report servers, high availability each main server with the backup
    servers."""
    role = role_of(host, groups)
    main, backup = list(groups.get("oscc_main") or []), list(groups.get("oscc_backup") or [])
    reports = list(groups.get("oscc_central_report") or [])
    kinds = {}
    if scope in ("central_reporting", "all") and reports and role:
        kinds["central_reporting"] = main + backup if role == "central_report" else reports
    if scope in ("high_availability", "all") and backup and role in ("main", "backup"):
        kinds["high_availability"] = backup if role == "main" else main
    return {kind: [h for h in hosts if h != host] for kind, hosts in kinds.items() if [h for h in hosts if h != host]}


def server_group(host: str, hostvars: dict, overrides: dict | None = None) -> str:
    """A host's ER server group: the override, else g_<its Informix server> (docs/replication.md)."""
    if overrides and host in overrides:
        return overrides[host]
    server = (hostvars.get(host) or {}).get("oscc_informixserver")
    if not server:
        raise ReplicationError(f"the inventory gives no oscc_informixserver for {host}; set it or server_groups")
    return f"g_{server}"


# ---------------------------------------------------------------- plans
def state_plan(state: str, local: str | None, local_group: str, kinds: dict, rows: dict, role: str) -> list[list[str]]:
    """The cdr commands that bring the partners of `kinds` ({kind: [group]}) to `state`; [] when they are there.

    Each delivery the kind concerns (see deliveries) is judged by the row of the server it goes to: pausing
    suspends the deliveries whose receiver's row is not Suspended, resuming resumes those whose row is.
    Stopping and restarting act on the whole local server, as the manual's options say (§7.1.3, §7.1.3.1)."""
    if state == "stopped":
        return [] if local == "stopped" else [["stop"]]
    if state == "restarted":  # the connections an end of §8.1.3 / §8.1.4 closed are opened again with it
        return ([] if local == "stopped" else [["stop"]]) + [["cleanstart"]] + reconnect_plan(kinds, rows)
    if state == "disconnected":  # a stopped server replicates with no one: nothing to end
        return [] if local == "stopped" else [["disconnect", "server", group] for groups in kinds.values()
                                              for group in groups if not closed(rows.get(group))]
    commands = [["start"]] if state == "active" and local == "stopped" else []
    verb = "suspend" if state == "paused" else "resume"
    for kind, groups in kinds.items():
        for group in groups:
            pairs = deliveries(kind, role, local_group, group)
            current = partner_state(rows.get(group), local, receiver_rows(rows, pairs))
            if current not in ("active", "connecting", "disconnected", "paused", "partly_paused"):
                continue  # nothing flows from a stopped server; ER takes no suspend for a server it does not run
            for source, receiver in pairs:
                if suspended(rows.get(receiver)) != (state == "paused"):
                    commands.append([verb, "server", receiver, source])
    return commands


def closed(row: dict | None) -> bool:
    """The connection to the row's server was closed by a user command (STATUS Disconnect) and waits for a reset."""
    return bool(row) and row["status"] == "Disconnect"


def reconnect_plan(kinds: dict, rows: dict) -> list[list[str]]:
    """cdr connect server for each partner of `kinds` whose connection is closed: the reset a restart of §8.1.3.1 or
    §8.1.4.1 needs after the end of §8.1.3 or §8.1.4 (cdr disconnect server)."""
    return [["connect", "server", group] for groups in kinds.values() for group in groups if closed(rows.get(group))]


def since_recent(today: dt.date) -> str:
    """§7.2: the recent report data are the current and the previous month."""
    first = today.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return f"{previous:%Y-%m-%d} 00:00:00"


def sync_master(local: str, partner: str, groups: dict) -> tuple[str, str]:
    """(master host, target host): the main or backup server holds the data the report server receives; between
    the main and the backup server the partner, for the server the task runs on is the one that was down (§8.2)."""
    local_role, partner_role = role_of(local, groups), role_of(partner, groups)
    if {local_role, partner_role} == {"main", "backup"}:
        return partner, local
    if local_role == "main" or (partner_role == "central_report" and local_role != "central_report"):
        return local, partner
    return partner, local


def sync_commands(kind: str, master: str, target: str, sets: dict, replicates: list[str], done: list[str],
                  today: dt.date) -> list[list[str]]:
    """The cdr commands of one synchronisation, one per unit of progress."""
    if kind == "report_data_recent":
        return [["check", "replicateset", f"--master={master}", f"--replset={sets['report_data']}", target,
                 "--repair", f"--since={since_recent(today)}"]]
    if kind == "admin_data":
        return [["sync", "replicateset", f"--master={master}", f"--replset={sets['admin_data']}", target]]
    return [["sync", "replicate", f"--master={master}", f"--repl={name}", target]
            for name in replicates if name not in done]


def read_progress(text: str | None) -> dict:
    """The progress file of a report data synchronisation: `run <kind> <master> <target> <total>` then one
    `done <replicate>` line per replicate finished."""
    progress = {"kind": None, "master": None, "target": None, "total": 0, "done": []}
    for line in (text or "").splitlines():
        words = line.split()
        if len(words) == 5 and words[0] == "run" and words[4].isdigit():
            progress.update(kind=words[1], master=words[2], target=words[3], total=int(words[4]), done=[])
        elif len(words) == 2 and words[0] == "done" and words[1] not in progress["done"]:
            progress["done"].append(words[1])
    return progress


def unfinished(progress: dict) -> str | None:
    """What an unfinished report_data_all left in its progress file, in words; None when there is none. Any new
    synchronisation would start that file anew and lose where report_data_continue goes on from."""
    if progress.get("kind") != "report_data_all" or len(progress.get("done") or []) >= (progress.get("total") or 0):
        return None
    return (f"a report_data_all from {progress['master']} to {progress['target']} that has not finished "
            f"({len(progress['done'])} of {progress['total']} replicates done)")


def percent_done(progress: dict) -> float:
    total = progress.get("total") or 0
    return round(100.0 * min(len(progress.get("done") or []), total) / total, 1) if total else 0.0


# ---------------------------------------------------------------- the manual's GUI steps
_TOOL = "On {host}: Start > Run, type trcdbins, OK"
_KIND = {"central_reporting": "Andere Replikations-Konfigurationsaufgaben für zentrales Reportwesen ausführen",
         "high_availability": "Andere Replikations-Konfigurationsaufgaben für hohe Verfügbarkeit ausführen"}
_OPTION = {
    ("paused", "central_reporting"): ("§7.1.2", "Replikation mit dem zentralen Report-Server-Computer anhalten"),
    ("active", "central_reporting"): ("§7.1.2.1", "Replikation mit dem zentralen Report-Server-Computer fortsetzen"),
    ("paused", "high_availability"): ("§8.1.1", "Replikation mit dem Remote-Server-Computer anhalten"),
    ("active", "high_availability"): ("§8.1.1.1", "Replikation mit dem Remote-Server-Computer fortsetzen"),
    ("stopped", "central_reporting"): ("§7.1.3", "Gesamte Replikation auf dem lokalen Server-Computer beenden"),
    # stopped acts on the whole local server: with high availability that is §8.1.5 (§8.1.3 is disconnected)
    ("stopped", "high_availability"): ("§8.1.5", "Gesamte Replikation auf dem lokalen Server-Computer beenden"),
    ("restarted", "central_reporting"): (
        "§7.1.3.1", "Gesamte Replikation auf dem lokalen Server-Computer neu starten"),
    ("restarted", "high_availability"): (
        "§8.1.3.1", "Gesamte Replikation auf dem lokalen Server-Computer neu starten"),
    ("disconnected", "high_availability"): ("§8.1.3", "Replikation mit dem Remote-Server-Computer beenden"),
    ("disconnected", "central_reporting"): ("§8.1.4", "Replikation mit dem zentralen Report-Server-Computer beenden"),
    ("report_data_recent", "central_reporting"): (
        "§7.2", "Historische Report-Daten der letzten Zeit mit dem Remote-Server-Computer synchronisieren"),
    ("report_data_all", "central_reporting"): (
        "§7.2", "Alle historischen Report-Daten mit dem Remote-Server-Computer synchronisieren"),
    ("admin_data", "central_reporting"): (
        "§8.3", "the option that synchronises the administration data (§8.2, §8.3)"),
    ("report_data_continue", "central_reporting"): (
        "§7.2", "Alle historischen Report-Daten weiterhin mit dem Remote-Server-Computer synchronisieren"),
}


def gui_steps(action: str, scope: str, host: str, partner: str | None = None) -> list[str]:
    """What the operator does by hand in the manual's tool when the module cannot map the action."""
    steps = []
    for kind in (("central_reporting", "high_availability") if scope == "all" else (scope,)):
        section, option = _OPTION.get((action, kind), ("§7.3", None))
        if option is None:
            continue
        steps += [f"{section} ({kind}): " + _TOOL.format(host=host), f"Select '{_KIND[kind]}', OK",
                  f"Select '{option}'" + (f", Remote-Server: {partner}" if partner else "") + ", OK"]
        if action == "restarted":
            steps.insert(len(steps) - 3, f"{section}: first stop the services OpenScape Contact Center and "
                                         "OpenScape Contact Center AutoPA on every participating server")
    return steps
