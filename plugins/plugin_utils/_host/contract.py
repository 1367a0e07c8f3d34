# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The host executor contract (docs/windows.md): the small, fixed set of primitive operations that
# run on a host, with the keys of each request and result, declared once. Every decision, parser
# and plan stays in Python on the controller; a host only carries out primitives. The Windows
# executor (executor.ps1) and the POSIX executor (executor_posix.py) implement exactly these
# operations and keys, which tests/static and tests/unit check. No operation takes code or a
# command line as a string: a program is an argv, quoted for the host by the executor itself.
from __future__ import annotations

# Key -> (type, required). Types are JSON types: str, int, bool, list, dict, any.
REQUEST = "request"
RESULT = "result"

OPERATIONS = {
    # A native program: argv[0] and its arguments, each reaching it as one literal argument (no shell
    # reads them, so & | < > ^ %VAR% stay as they are). stdin from text or a file; stdout into a new
    # file, hashed while it streams; output decoded by the declared code page; the whole process
    # tree ended at the timeout. env_defaults are set only where the host's environment has no such
    # variable; secret_env names variables set from the batch's secrets (variable -> secret key), so a
    # password reaches a program neither in its argv nor in the request. stdin_files are fed one after
    # the other; with stdin_sha256 (one per file) each is opened once before the program starts (Windows: shared only
    # with readers, so no writer or deleter gets it while held; POSIX: the open fd, which a rename does not reach),
    # hashed and compared: a mismatch fails the operation and the program never starts (CHANGED_SINCE_CHECKED),
    # else the same handles are rewound and fed. With ok_rc, an exit code outside it halts the batch after this
    # operation. output holds stdout and stderr (stderr alone with stdout_file) in an order that differs by host
    # (Windows: stdout, then stderr; POSIX: as they arrived), so each stream also comes alone: a parser reads the
    # stream that carries what it looks for, or streams.in_fixed_order(result), never a position in output
    # (docs/windows.md).
    "run": {
        REQUEST: {"argv": ("list", True), "env": ("dict", False), "env_defaults": ("dict", False),
                  "cwd": ("str", False), "timeout": ("int", True), "stdin_text": ("str", False),
                  "stdin_files": ("list", False), "stdin_sha256": ("list", False), "stdout_file": ("str", False),
                  "encoding": ("str", False),
                  "secret_env": ("dict", False), "ok_rc": ("list", False)},
        RESULT: {"rc": ("int", True), "output": ("str", True), "stdout": ("str", False), "stderr": ("str", False),
                 "timed_out": ("bool", True), "stdout_sha256": ("str", False), "stdout_size": ("int", False)},
    },
    # A program whose prompts are answered from a table of [pattern, reply, "once"?] entries
    # (patterns in the dialect Python's re and .NET's Regex both read, case-insensitive). A reply
    # "=<text>" answers the text as it is, whatever it spells; "abort" stops the program;
    # "secret:<key>" answers a secret of the batch; "return" is an empty line, first copying
    # stage.files[n] to stage.target when a "level" answer made it due; "level" answers y for group 1
    # < len(stage.files), else n. Any other reply is refused. A "once" prompt asked again stops it. With stage.sha256
    # (one per file) each staged file is opened before the program starts (Windows: shared only with readers), hashed
    # and compared: a mismatch fails the operation and the program never starts (CHANGED_SINCE_CHECKED); each is later
    # copied from that handle, hashed again as it is copied, into a file beside the target that replaces it only when
    # the hash matches (a mismatch stops the program, the target untouched).
    "prompted": {
        REQUEST: {"argv": ("list", True), "env": ("dict", False), "cwd": ("str", False), "timeout": ("int", True),
                  "prompts": ("list", True), "stage": ("dict", False), "encoding": ("str", False)},
        RESULT: {"rc": ("int", True), "output": ("str", True), "tail": ("str", True), "unanswered": ("list", True)},
    },
    # Files. encoding "latin-1" keeps every byte (ONCONFIG, INI files), "utf-8" is text.
    "read": {  # dir (true, or left out): a folder, not the file, is at the path
        REQUEST: {"path": ("str", True), "encoding": ("str", False)},
        RESULT: {"exists": ("bool", True), "dir": ("bool", False), "content": ("str", False), "sha256": ("str", False)},
    },
    # Atomic: a temporary file beside it, then a rename; refused if it changed since expected_sha256 ("": it
    # must not exist yet). With append, the content is added to the end instead (a log such as results.txt).
    "write": {
        REQUEST: {"path": ("str", True), "content": ("str", True), "encoding": ("str", False),
                  "expected_sha256": ("str", False), "backup": ("bool", False), "append": ("bool", False)},
        RESULT: {"changed": ("bool", True), "backup_file": ("str", False)},
    },
    # The entries of a folder whose names match a wildcard pattern (* and ?); with read (an encoding),
    # each file's content and sha256 come too: a folder of manifests in one round trip. read_names (a regular
    # expression in the dialect Python's re and .NET's Regex both read, whose first match must be the whole name,
    # case-sensitively) limits the files read; others come as name, dir, link and size only. A file over read_max
    # bytes is not read: its entry says too_large (a shared folder's stray file is never shipped whole).
    "list": {
        REQUEST: {"path": ("str", True), "pattern": ("str", False), "read": ("str", False),
                  "read_names": ("str", False), "read_max": ("int", False)},
        RESULT: {"exists": ("bool", True), "entries": ("list", True)},
    },
    # link: a symbolic link or junction, which exists even when it leads nowhere (dangling, then no resolved and no
    # dir); resolved: the path it leads to with every link on the way followed. identity: what the path opens,
    # links followed (Windows: volume serial number and file index from GetFileInformationByHandle, the handle opened
    # with FILE_FLAG_BACKUP_SEMANTICS; POSIX: st_dev and st_ino), so two spellings of one folder (a server's FQDN,
    # short name or address, a mapped drive) have one identity; none when it leads nowhere. Compare identities of one
    # host only.
    "stat": {
        REQUEST: {"path": ("str", True)},
        RESULT: {"exists": ("bool", True), "dir": ("bool", True), "size": ("int", False), "link": ("bool", True),
                 "dangling": ("bool", False), "resolved": ("str", False), "identity": ("str", False)},
    },
    "hash": {
        REQUEST: {"path": ("str", True)},
        RESULT: {"exists": ("bool", True), "sha256": ("str", False), "size": ("int", False)},
    },
    # A folder and its parents created; one that is a link (symbolic link or junction) is refused, not followed, and
    # so is one below a link: every existing folder on the way, below the drive or share root, is asked (the error
    # names the topmost link). On POSIX the top-level folder (/tmp, /var) is not asked: a machine's own layout links
    # them (macOS: /tmp -> /private/tmp), no operator's folder; the lab's drives and shares lie deeper.
    "mkdir": {
        REQUEST: {"path": ("str", True)},
        RESULT: {"created": ("bool", True)},
    },
    # Removal and renaming only below the root the request names; a path leaving it is refused.
    "remove": {
        REQUEST: {"path": ("str", True), "root": ("str", True)},
        RESULT: {"removed": ("bool", True)},
    },
    "move": {
        REQUEST: {"src": ("str", True), "dest": ("str", True), "root": ("str", True)},
        RESULT: {"moved": ("bool", True)},
    },
    # A lock file created atomically with the record given, plus host, pid, started (UTC), on Windows the process's
    # start time (process_started) and its runspace (PowerShell's InstanceId), all for people to read, and, with
    # ttl, expires (epoch seconds on the host's clock). Reading, breaking and creating it happen under a guard file
    # (<path>.guard), one batch at a time. Its owner is the batch that took or renewed it, not a process: PSRP runs
    # every batch of a task in one process (docs/windows.md). That batch holds <path>.live open exclusively until it
    # ends (unlock closes it earlier; the system closes it when the process dies), and while it does the lock is
    # never broken. Otherwise it is broken when it is unreadable or empty (its writer died), when it carries
    # break_token (this run's own, or one handed over to it), when its lease expired, or when it has no lease and
    # was taken on this host. With renew, it is taken only when it carries break_token (a lease renewed: still this
    # run's). With hold false the batch does not hold it live: the lease, or a run given its token, takes it over at
    # once (a scheduled task taking over its starter's lock, whatever process the starter ran in). A lock not
    # acquired halts the batch: what follows a lock needs it; its live says whether a batch holds it live (refused
    # whatever it carries) or none does (refused by what it carries: no lease run out, no token given). unlock removes
    # it only while it carries the token.
    # The record says owner: batch; one without (an earlier executor's, still run by a scheduled task) keeps that
    # executor's rules: its running process holds it when it has no lease or carries break_token.
    "lock": {
        REQUEST: {"path": ("str", True), "record": ("dict", True), "ttl": ("int", False), "break_token": ("str", False),
                  "renew": ("bool", False), "hold": ("bool", False)},
        RESULT: {"acquired": ("bool", True), "holder": ("dict", False), "live": ("bool", False)},
    },
    # Read-only: whether a batch holds the lock at path live now (its <path>.live handle), asked under the guard so a
    # batch taking the lock meanwhile is not refused; no file is created (none there: no batch holds it).
    "lock_live": {
        REQUEST: {"path": ("str", True)},
        RESULT: {"live": ("bool", True)},
    },
    "unlock": {
        REQUEST: {"path": ("str", True), "token": ("str", True)},
        RESULT: {"released": ("bool", True)},
    },
    # A file copied (atomically: a temporary file beside dest, then a rename); dest's folder is created. With
    # sha256 the bytes copied are hashed as they are read: on a mismatch the copy is removed, dest is not written
    # and the operation fails (CHANGED_SINCE_CHECKED).
    "copy": {
        REQUEST: {"src": ("str", True), "dest": ("str", True), "sha256": ("str", False)},
        RESULT: {"copied": ("bool", True)},
    },
    # The file entries of a zip archive with the SHA-256 of each; with dest, the entries named (all
    # without entries) are written below dest, each atomically. An entry leaving dest is refused, and so is an
    # archive with an entry named neither in ASCII nor in flagged UTF-8 (its code page is unknown).
    "unzip": {
        REQUEST: {"archive": ("str", True), "dest": ("str", False), "entries": ("list", False)},
        RESULT: {"exists": ("bool", True), "files": ("dict", True)},
    },
    # Environment variables by name (null when unset), of the process or, scope "machine", the system's
    # own (Windows: as System Properties shows them); computer_name is the host's name.
    "env": {
        REQUEST: {"names": ("list", True), "scope": ("str", False)},
        RESULT: {"values": ("dict", True), "computer_name": ("str", True)},
    },
    # Windows only: a cmdlet with splatted parameters, the named properties of what it returns. module
    # is imported (Import-Module) and snapin added (Add-PSSnapin, the Exchange Management Shell) first.
    "cmdlet": {
        REQUEST: {"module": ("str", False), "snapin": ("str", False), "name": ("str", True),
                  "parameters": ("dict", False), "select": ("list", False)},
        RESULT: {"objects": ("list", True)},
    },
}
# The prompted operation's stage: the files ontape asks for in turn and the TAPEDEV file each is copied to.
STAGE = {"files": ("list", True), "target": ("str", True), "sha256": ("list", False)}
ENV_SCOPES = ("process", "machine")
ENCODINGS = ("utf-8", "latin-1", "oem")
# The prompted operation's replies that are not literal answers (see "prompted" above).
RETURN = "return"    # press Return; first put the next archive of the plan into TAPEDEV if one is due
NEXT_LEVEL = "level"  # "y" when the plan holds that level (and its archive is then due), else "n"
ABORT = "abort"      # a question the table must not answer: stop the program, fail closed
# A prompted program still running at its deadline is ended with its whole tree; the operation fails with this error,
# which says the stage it reached, so the controller can name the likely cause (_host/prompted.py): nothing printed
# at all, nothing after the last answer, or text holding no prompt of the table (a program reading the console).
# printed and since count the characters other than white space, of the whole transcript and after the last answer.
PROMPTED_LATE = ("{name} did not finish within {timeout} seconds [answered {answers}, printed {printed}, "
                 "since the last answer {since}, last answered: {last}]")
# Services are stopped and started by ansible.windows.win_service or ansible.builtin.service (Target.service).
# A file fed or copied against a checksum (run's stdin_sha256, copy's sha256) whose bytes are not the checksum's:
# it changed on the share after it was checked (both executors say it in these words).
CHANGED_SINCE_CHECKED = ("{path}: its checksum is not the manifest's: it changed since it was checked; "
                         "nothing was restored")
WINDOWS_ONLY = ("cmdlet",)

# A batch: operations in order, stopping at the first that fails or halts (ok, with halt true: a lock
# not acquired, an exit code outside ok_rc); cleanup operations always run afterwards. Each result
# carries "op" and "ok", "error" when not ok, and "halt" when it stopped the batch. With stamp (a token such as
# "{stamp}"), the executor replaces it in every text of the request by the UTC time it started, as
# yyyymmddThhmmssfff: a saved batch (a scheduled backup) names each run's files itself. With record,
# the result document is also written to that file (atomically; never under what-if), and a failed batch ends the
# executor with exit code 1, so Task Scheduler or cron reports the failure (a scheduled run's record); a record that
# cannot be written sets error and fails the batch too. With host_record (only with record), the same document is
# written there as well: a folder on the host's own disk, the copy the controller trusts (record may lie on a share).
#
# Check mode (docs/windows.md): win_powershell runs the executor in check mode only because it declares
# SupportsShouldProcess, and then with $WhatIfPreference set; the POSIX executor is told by what_if. Under what-if
# an executor runs only what reads (what_if_refusal): read_only marks a batch the controller sent as a probe.
# With time_limit (seconds), every operation with a timeout gets at most the time left since the batch started (at
# least a second): a saved batch (a background sync) ends by then even when no controller stops it.
BATCH_REQUEST = {"ops": ("list", True), "cleanup": ("list", False), "stamp": ("str", False), "record": ("str", False),
                 "host_record": ("str", False), "read_only": ("bool", False), "what_if": ("bool", False),
                 "time_limit": ("int", False)}
BATCH_RESULT = {"results": ("list", True), "cleanup": ("list", True), "failed_at": ("int", False),
                "stamp": ("str", False), "error": ("str", False)}
OP_RESULT_COMMON = {"op": ("str", True), "ok": ("bool", True), "error": ("str", False), "halt": ("bool", False)}

# Under what-if these always run: they only read. unzip runs without dest (a listing), a cmdlet when its name is
# Get-*, and in a read_only batch any cmdlet and any run without stdout_file; every other operation is refused.
WHAT_IF_READS = ("read", "list", "stat", "hash", "env", "lock_live")


def what_if_refusal(op: dict, read_only: bool) -> str | None:
    """Why an operation may not run under what-if (check mode), or None when it only reads."""
    name = op.get("op")
    if name in WHAT_IF_READS or (name == "unzip" and not op.get("dest")):
        return None
    if name == "cmdlet" and (read_only or str(op.get("name", "")).lower().startswith("get-")):
        return None
    if name == "run" and read_only and not op.get("stdout_file"):
        return None
    return f"{name} is refused under what-if (check mode): it may write"


_TYPES = {"str": str, "int": int, "bool": bool, "list": list, "dict": dict}


def _is(value, kind: str) -> bool:
    return isinstance(value, _TYPES[kind]) and not (kind == "int" and isinstance(value, bool))


def shape_problems(shape: dict, value: dict, what: str) -> list[str]:
    """What is wrong with `value` against a shape: unknown keys, missing required ones, wrong types."""
    if not isinstance(value, dict):
        return [f"{what} is not an object"]
    problems = [f"{what}: unknown key {key!r}" for key in value if key not in shape]
    for key, (kind, required) in shape.items():
        if key not in value:
            if required:
                problems.append(f"{what}: {key} is missing")
        elif value[key] is not None and kind in _TYPES and not _is(value[key], kind):
            problems.append(f"{what}: {key} is not {kind}")
    return problems


def request_problems(op: dict) -> list[str]:
    name = op.get("op") if isinstance(op, dict) else None
    if name not in OPERATIONS:
        return [f"unknown operation {name!r}"]
    problems = shape_problems(OPERATIONS[name][REQUEST], {k: v for k, v in op.items() if k != "op"}, name)
    if name == "prompted" and op.get("stage") is not None:
        problems += shape_problems(STAGE, op["stage"], "prompted stage")
    return problems


def value_problems(value, where: str) -> list[str]:
    """What Windows would take differently from the lab in a request's values: a NUL (CreateProcess ends a command
    line, a path or an environment entry at it) and keys equal but for case (Windows PowerShell 5.1's
    ConvertFrom-Json refuses them; the environment is case-insensitive). A file's content may hold anything."""
    if isinstance(value, str):
        return [f"{where} holds a NUL character"] if "\0" in value else []
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in value_problems(item, f"{where}[{n}]")]
    if not isinstance(value, dict):
        return []
    problems, seen = [], {}
    for key, item in value.items():
        folded = str(key).casefold()
        if folded in seen:
            problems.append(f"{where} has the keys {seen[folded]!r} and {key!r}, one key on Windows")
        seen[folded] = key
        if key != "content":
            problems += value_problems(key, f"{where} key") + value_problems(item, f"{where}.{key}")
    return problems


def result_problems(name: str, result: dict) -> list[str]:
    shape = dict(OP_RESULT_COMMON)
    if result.get("ok"):
        shape.update(OPERATIONS[name][RESULT])
    else:
        shape.update({k: (kind, False) for k, (kind, _required) in OPERATIONS[name][RESULT].items()})
    return shape_problems(shape, result, f"{name} result")
