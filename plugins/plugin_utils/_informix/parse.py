# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: Pure functions about Informix: output parsers, ONCONFIG handling, success rules.
# No I/O: every function here is unit-tested with recorded output (the facts: docs/vendor-facts.md, Informix).
from __future__ import annotations

import re

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import INFORMIX_SERVER_NAME, line_value_problem

# onstat - return code -> server mode (HCL14 adr/ids_adr_0614)
MODE_BY_RC = {
    0: "Initialization", 1: "Quiescent", 2: "Fast Recovery", 3: "Backup", 4: "Shutting Down",
    5: "On-Line", 6: "Abort", 7: "Single-User", 255: "Off-Line",
}
ONLINE_RC = 5
OFFLINE_RC = 255

_HEADER = re.compile(
    r"^(?P<product>.+?) Version (?P<version>\S+)\s+--\s+(?P<mode>[A-Za-z][A-Za-z -]*?)"
    r"(?:\s*\((?P<role>[^)]*)\))?\s+--\s+(?:\((?P<ckpt>CKPT \w+)\)\s+--\s+)?Up (?P<uptime>.+?)"
    r"(?:\s+--\s+(?P<shm>\d+) Kbytes)?\s*$",
    re.M,
)
_ARC_ROW = re.compile(
    r"^(?P<name>\S+)\s+(?P<number>\d+)\s+(?P<level>[012])\s+(?P<date>\d\d/\d\d/\d{4}\.\d\d:\d\d)"
    r"\s+(?P<log>\d+)\s+(?P<position>0x[0-9a-fA-F]+)\s*$"
)


_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")


def host_pattern(pattern: str) -> tuple[str, list[str]]:
    """The pattern in the dialect both Python's re and .NET's Regex read (for the host), and the names of its
    groups in order: .NET rejects Python's (?P<name>...), Python rejects .NET's (?<name>...), so the host gets
    numbered groups and their names beside them."""
    return _NAMED_GROUP.sub("(", pattern), _NAMED_GROUP.findall(pattern)


def server_mode(rc: int) -> str:
    """Mode name for an `onstat -` return code; Windows may report -1 as 4294967295."""
    if rc in (-1, 4294967295):
        return "Shared-Memory Failure"
    return MODE_BY_RC.get(rc, f"Unknown ({rc})")


def parse_onstat_header(text: str) -> dict | None:
    """The banner line of any onstat output; a licence line may come first, so search."""
    match = _HEADER.search(text or "")
    if not match:
        return None
    found = {k: v for k, v in match.groupdict().items() if v is not None}
    if "shm" in found:
        found["shm_kbytes"] = int(found.pop("shm"))
    return found


def parse_onstat_arc(text: str) -> list[dict]:
    """Rows of the "Dbspaces - Archive Status" table of `onstat -g arc`."""
    rows = []
    in_table = False
    for line in (text or "").splitlines():
        if line.startswith("Dbspaces - Archive Status"):
            in_table = True
            continue
        if in_table:
            match = _ARC_ROW.match(line.strip())
            if match:
                row = match.groupdict()
                row.update(number=int(row["number"]), level=int(row["level"]), log=int(row["log"]))
                rows.append(row)
            elif line.strip() and not line.startswith("name"):
                in_table = False
    return rows


# A chunk row of `onstat -d`: address, chunk, dbs, offset, size, free, [bpages], flags, pathname.
_CHUNK_ROW = re.compile(r"^[0-9a-fA-F]+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+(?:\d+\s+)?[A-Z-]{6}\s+(?P<path>\S.*?)\s*$")


def parse_onstat_chunks(text: str) -> list[str]:
    """Chunk paths from `onstat -d`: the files a restore on a clean machine must find."""
    return [m.group("path") for m in map(_CHUNK_ROW.match, (text or "").splitlines()) if m]


def last_archives(rows: list[dict]) -> dict:
    """Newest archive per level across dbspaces: {level: {date, log, position}}."""
    newest = {}
    for row in rows:
        entry = {"date": row["date"], "log": row["log"], "position": row["position"]}
        if row["level"] not in newest or checkpoint_order(entry) > checkpoint_order(newest[row["level"]]):
            newest[row["level"]] = entry
    return dict(sorted(newest.items()))


# An archive is known by the checkpoint it starts with: log unique ID and log position, with the
# date (minutes only). Two archives without a log switch between them share the log ID and
# differ in the position, so the position decides (the date alone can repeat within a minute).
def checkpoint_order(checkpoint: dict) -> tuple:
    """Sort key: later checkpoints compare greater. A position the checkpoint lacks counts as -1."""
    date = checkpoint.get("date") or ""
    position = checkpoint.get("position")
    return (int(checkpoint.get("log") or 0), int(position, 16) if position else -1,
            date[6:10] + date[0:5] + date[10:])


def same_checkpoint(a: dict | None, b: dict | None) -> bool:
    """The same archive: log and date equal, and the position too where both record one."""
    if not a or not b:
        return False
    if (int(a.get("log") or -1), a.get("date")) != (int(b.get("log") or -1), b.get("date")):
        return False
    return not (a.get("position") and b.get("position")) or int(a["position"], 16) == int(b["position"], 16)


# ---------------------------------------------------------------- ONCONFIG
def parse_onconfig(text: str) -> dict:
    """Parameter -> value. First occurrence wins; text after the value is a comment."""
    values = {}
    for line in (text or "").splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        values.setdefault(fields[0], fields[1] if len(fields) > 1 else "")
    return values


_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Parameters Informix reads as a whole decimal number, with the range it accepts (None: no upper
# bound). Informix reads "-5", "10k" or "0x10" in them as something else or refuses to start.
NUMERIC_PARAMETERS = {
    "TAPEBLK": (1, None), "TAPESIZE": (0, None), "LTAPEBLK": (1, None), "LTAPESIZE": (0, None),
    "SERVERNUM": (0, 255), "ROOTSIZE": (1, None), "ROOTOFFSET": (0, None), "MIRROROFFSET": (0, None),
    "PHYSFILE": (1, None), "LOGFILES": (3, None), "LOGSIZE": (1, None), "CKPTINTVL": (0, None),
    "LOCKS": (1, None), "SHMVIRTSIZE": (1, None), "SHMADD": (1, None), "SHMTOTAL": (0, None),
}
# The parameters of Informix 12.10/14.10's onconfig.std and its documented optional ones (HCL's configuration
# parameter reference): a name outside them is most likely a typo Informix would ignore; onconfig refuses it unless
# allow_unknown (or the file already holds it).
KNOWN_PARAMETERS = frozenset(NUMERIC_PARAMETERS) | frozenset("""
    ADMIN_MODE_USERS ADMIN_USER_MODE_WITH_DBSA ALARMPROGRAM ALLOW_NEWLINE ALRM_ALL_EVENTS AUTOLOCATE AUTO_AIOVPS
    AUTO_CKPTS AUTO_LLOG AUTO_LRU_TUNING AUTO_READAHEAD AUTO_REPREPARE AUTO_STAT_MODE AUTO_TUNE
    AUTO_TUNE_SERVER_SIZE BAR_ACT_LOG BAR_BSALIB_PATH BAR_CKPTSEC_TIMEOUT BAR_DEBUG BAR_DEBUG_LOG BAR_DECREMENTAL
    BAR_HISTORY BAR_IXBAR_PATH BAR_MAX_BACKUP BAR_MAX_RESTORE BAR_NB_XPORT_COUNT BAR_PERFORMANCE BAR_PROGRESS_FREQ
    BAR_RETRY BAR_SIZE_FACTOR BAR_XFER_BUF_SIZE BATCHEDREAD_INDEX BATCHEDREAD_TABLE BLOCKTIMEOUT BTSCANNER
    BUFFERPOOL CDR_APPLY CDR_AUTO_DISCOVER CDR_DBSPACE CDR_DELAY_PURGE_DTC CDR_DSLOCKWAIT CDR_ENV CDR_EVALTHREADS
    CDR_LOG_LAG_ACTION CDR_LOG_STAGING_MAXSIZE CDR_MAX_DYNAMIC_LOGS CDR_MAX_FLUSH_SIZE CDR_MEM CDR_NIFCOMPRESS
    CDR_QDATA_SBSPACE CDR_QHDR_DBSPACE CDR_QUEUEMEM CDR_SERIAL CDR_SUPPRESS_ATSRISWARN CDR_TSINSTANCEID
    CHECKALLDOMAINSFORUSER CKPTINTVL CLEANERS CONSOLE CONVERSION_GUARD DBCREATE_PERMISSION DBSERVERALIASES
    DBSERVERNAME DBSPACETEMP DB_LIBRARY_PATH DD_HASHMAX DD_HASHSIZE DEADLOCK_TIMEOUT DEFAULTESCCHAR
    DEF_TABLE_LOCKMODE DELAY_APPLY DIRECTIVES DIRECT_IO DISABLE_B162428_XA_FIX DRDA_COMMBUFFSIZE DRIDXAUTO
    DRINTERVAL DRLOSTFOUND DRTIMEOUT DS_HASHSIZE DS_MAX_QUERIES DS_MAX_SCANS DS_NONPDQ_QUERY_MEM DS_POOLSIZE
    DS_TOTAL_MEMORY DUMPCNT DUMPCORE DUMPDIR DUMPGCORE DUMPSHMEM DYNAMIC_LOGS ENABLE_SNAPSHOT_COPY ENCRYPT_CDR
    ENCRYPT_CIPHERS ENCRYPT_HDR ENCRYPT_MAC ENCRYPT_MACFILE ENCRYPT_SMX ENCRYPT_SWITCH EXPLAIN_STAT EXTSHMADD
    EXT_DIRECTIVES FAILOVER_CALLBACK FAILOVER_TX_TIMEOUT FASTPOLL FILLFACTOR FULL_DISK_INIT GSKIT_VERSION HA_ALIAS
    HA_FOC_ORDER HETERO_COMMIT IFX_EXTEND_ROLE IFX_FOLDVIEW IFX_XA_UNIQUEXID_IN_DATABASE INFORMIXCONRETRY
    INFORMIXCONTIME LIMITNUMSESSIONS LISTEN_TIMEOUT LOCKS LOGBUFF LOGFILES LOGSIZE LOG_INDEX_BUILDS LOG_STAGING_DIR
    LOW_MEMORY_MGR LOW_MEMORY_RESERVE LTAPEBLK LTAPEDEV LTAPESIZE LTXEHWM LTXHWM MAX_FILL_DATA_PAGES
    MAX_INCOMPLETE_CONNECTIONS MAX_PDQPRIORITY MIRROR MIRROROFFSET MIRRORPATH MSGPATH MSG_DATE MULTIPROCESSOR
    NETTYPE NET_IO_TIMEOUT_ALARM NS_CACHE NUMFDSERVERS OFF_RECVRY_THREADS ONDBSPACEDOWN ONLIDX_MAXMEM
    ON_RECVRY_THREADS OPCACHEMAX OPTCOMPIND PC_HASHSIZE PC_POOLSIZE PHYSBUFF PHYSDBS PHYSFILE PLCY_HASHSIZE
    PLCY_POOLSIZE PLOG_OVERFLOW_PATH PN_STAGEBLOB_THRESHOLD PRELOAD_DLL_FILE QSTATS RA_PAGES RA_THRESHOLD
    REMOTE_SERVER_CFG REMOTE_USERS_CFG RESIDENT RESTARTABLE_RESTORE RESTORE_POINT_DIR ROOTNAME ROOTOFFSET ROOTPATH
    ROOTSIZE RSS_FLOW_CONTROL RTO_SERVER_RESTART S6_USE_REMOTE_SERVER_CFG SBSPACENAME SBSPACETEMP SB_CHECK_FOR_TEMP
    SDS_ALTERNATE SDS_ENABLE SDS_FLOW_CONTROL SDS_LOGCHECK SDS_PAGING SDS_TEMPDBS SDS_TIMEOUT
    SECURITY_LOCALCONNECTION SEQ_CACHE_SIZE SERVERNUM SESSION_LIMIT_LOCKS SESSION_LIMIT_LOGSPACE
    SESSION_LIMIT_MEMORY SESSION_LIMIT_TEMPSPACE SESSION_LIMIT_TXN_TIME SHMADD SHMBASE SHMNOACCESS SHMTOTAL
    SHMVIRTSIZE SHMVIRT_ALLOCSEG SINGLE_CPU_VP SMX_COMPRESS SMX_NUMPIPES SMX_PING_INTERVAL SMX_PING_RETRY
    SP_AUTOEXPAND SP_THRESHOLD SP_WAITTIME SQLTRACE SQL_LOGICAL_CHAR SSL_KEYSTORE_LABEL STACKSIZE STATCHANGE
    STMT_CACHE STMT_CACHE_HITS STMT_CACHE_NOLIMIT STMT_CACHE_NUMPOOL STMT_CACHE_SIZE STOP_APPLY STORAGE_FULL_ALARM
    SYSSBSPACENAME TAPEBLK TAPEDEV TAPESIZE TBLSPACE_STATS TBLTBLFIRST TBLTBLNEXT TEMPTAB_NOLOG
    TENANT_LIMIT_CONNECTIONS TENANT_LIMIT_MEMORY TENANT_LIMIT_SPACE TLS_VERSION TXTIMEOUT UNSECURE_ONSTAT
    USELASTCOMMITTED USEOSTIME USERMAPPING USRC_HASHSIZE USRC_POOLSIZE VPCLASS VP_MEMORY_CACHE_KB WSTATS
""".split())
# Parameters whose value is a file, folder or device path (manual's ONCONFIG reference): a number is no path, and
# '..' is refused in them as in chunks, a path that climbs out of the folder it names.
PATH_PARAMETERS = frozenset("""
    BAR_ACT_LOG BAR_BSALIB_PATH BAR_DEBUG_LOG BAR_IXBAR_PATH CONSOLE DUMPDIR ENCRYPT_MACFILE LOG_STAGING_DIR LTAPEDEV
    MIRRORPATH MSGPATH PLOG_OVERFLOW_PATH PRELOAD_DLL_FILE RESTORE_POINT_DIR ROOTPATH TAPEDEV
""".split())
_TAPE_PARAMETERS = frozenset(("TAPEDEV", "LTAPEDEV"))  # STDIO (ontape to standard output) or a null device there
_CHUNK_PARAMETERS = frozenset(("ROOTPATH", "MIRRORPATH"))  # the root dbspace's chunk and its mirror
# A drive and a separator, a UNC share, a POSIX root, or $INFORMIXDIR, which Informix expands in ONCONFIG paths.
_ABSOLUTE_PATH = re.compile(r"([A-Za-z]:[\\/]|\\\\[^\\/]|/|\$INFORMIXDIR([\\/]|$))")
_SETTING = re.compile(r"^(?P<indent>\s*)(?P<name>[^#\s]\S*)(?P<sep>\s+)?(?P<value>\S+)?(?P<rest>.*)$")


def onconfig_value_error(name: str, value) -> str | None:
    """Why Informix would misread this setting, or None when it is safe to write."""
    if not _NAME.match(str(name)):
        return f"ONCONFIG parameter name {name!r} is invalid: names are upper case letters, digits and '_'"
    kind = next((word for kinds, word in ((type(None), "no value"), (bool, "a boolean"), (list, "a list"),
                                          (dict, "a mapping")) if isinstance(value, kinds)), None)
    if kind:
        return f"ONCONFIG parameter {name} needs a text or number value, got {kind}"
    if name in PATH_PARAMETERS and isinstance(value, (int, float)):
        return f"ONCONFIG parameter {name} is a path and needs a text value, got the number {value!r}"
    text = str(value)
    if text == "":
        return f"ONCONFIG parameter {name} needs a value"
    breaks = line_value_problem({f"ONCONFIG parameter {name}": text})
    if breaks:  # a line break is no white space Informix reads past: it would start a parameter of its own
        return breaks
    if any(c.isspace() for c in text):
        return (f"ONCONFIG parameter {name}: value {text!r} contains white space; Informix would read only "
                f"{text.split()[0]!r}. Use a path without spaces (8.3 short names on Windows)")
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return f"ONCONFIG parameter {name}: value {text!r} has characters outside Latin-1, which ONCONFIG cannot hold"
    if "#" in text:
        return f"ONCONFIG parameter {name}: value {text!r} contains '#', which Informix reads as a comment"
    if name in PATH_PARAMETERS and ".." in re.split(r"[\\/]", text):
        return f"ONCONFIG parameter {name}: value {text!r} contains '..'; give the path without it"
    if name in NUMERIC_PARAMETERS:
        low, high = NUMERIC_PARAMETERS[name]
        allowed = f"a whole number from {low}" + (f" to {high}" if high is not None else " up")
        if not text.isascii() or not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
            return f"ONCONFIG parameter {name}: value {text!r} is not {allowed}"
    if len(name) + 1 + len(text) > 512:
        return f"ONCONFIG parameter {name}: the line would exceed Informix's 512-byte limit"
    problem = _path_value_error(name, text) or _server_names_error(name, text)
    if problem:
        return problem
    if not text.isascii():  # Informix reads the file in the ANSI code page, which differs from host to host
        return (f"ONCONFIG parameter {name}: value {text!r} has characters outside ASCII, which Informix reads in the "
                "host's ANSI code page; give it in ASCII (8.3 short names on Windows)")
    return None


def _path_value_error(name: str, text: str) -> str | None:
    """A path parameter's value that Informix would read against its own working folder, or place a chunk in the
    Windows directory: the path rules of every path parameter."""
    if name not in PATH_PARAMETERS or (name in _TAPE_PARAMETERS and (text.upper() == "STDIO" or is_null_device(text))):
        return None
    if "%" in text:  # Informix does not expand %VAR%: a folder of that literal name
        return (f"ONCONFIG parameter {name}: value {text!r} holds '%'; Informix expands no %VARIABLE%: "
                "give the full path")
    if not _ABSOLUTE_PATH.match(text):
        return (f"ONCONFIG parameter {name}: value {text!r} is not an absolute path (D:\\..., "
                "\\\\server\\share\\... or /...); Informix would read it against its working folder")
    parts = [part.lower() for part in re.split(r"[\\/]+", text) if part]
    if name in _CHUNK_PARAMETERS and len(parts) > 1 and re.fullmatch(r"[a-z]:", parts[0]) and parts[1] == "windows":
        return (f"ONCONFIG parameter {name}: value {text!r} lies in the Windows directory; a chunk there would "
                "overwrite or be a system file")
    return None


def _server_names_error(name: str, text: str) -> str | None:
    """DBSERVERNAME and each of DBSERVERALIASES (comma-separated) must be Informix server names."""
    if name not in ("DBSERVERNAME", "DBSERVERALIASES"):
        return None
    for server in text.split(",") if name == "DBSERVERALIASES" else [text]:
        if not INFORMIX_SERVER_NAME.fullmatch(server):
            return (f"ONCONFIG parameter {name}: {server!r} is not an Informix server name (a lower-case letter, then "
                    "lower-case letters, digits and _, at most 128 characters)")
    return None


def unknown_parameter_error(parameters: dict, text: str) -> str | None:
    """The error for the first parameter that is no Informix parameter and not in the file already, else None."""
    present = parse_onconfig(text)
    unknown = [name for name in parameters if name not in KNOWN_PARAMETERS and name not in present]
    if not unknown:
        return None
    return (f"parameters: {unknown[0]} is not an Informix ONCONFIG parameter (Informix would ignore it); check its "
            "spelling, or set allow_unknown=true to add it anyway")


def edit_onconfig(text: str, parameters: dict) -> tuple[str, dict]:
    """Set parameters in ONCONFIG text, keeping comments, order and line endings.

    Returns the new text and {name: (old, new)} for what changed. The first occurrence of a
    parameter is the effective one, so that is the line rewritten; a missing one is appended.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    current = parse_onconfig(text)
    changes = {}
    for name, value in parameters.items():
        value = str(value)
        if current.get(name) == value:
            continue
        changes[name] = (current.get(name), value)
        for index, line in enumerate(lines):
            match = _SETTING.match(line)
            if match and match.group("name") == name:
                # Keep indentation, separator and any trailing comment around the new value.
                lines[index] = f"{match['indent']}{name}{match['sep'] or ' '}{value}{match['rest']}"
                break
        else:
            lines.append(f"{name} {value}")
    new_text = newline.join(lines) + (newline if text.endswith(("\n", "\r\n")) or not text else "")
    return new_text, changes


# ON-Bar return codes (docs/vendor-facts.md, Informix: onbar return codes); anything else: see BAR_ACT_LOG.
ONBAR_RETURN_CODES = {
    **{str(rc): "storage manager (XBSA) error" for rc in range(2, 35)},
    "100": "backup or object not found in sysutils, the boot file or the storage manager catalog",
    "115": "a critical dbspace is missing from the cold restore",
    "116": "onsmsync is already running",
    "122": "deadlock",
    "123": "rootdbs is not part of the cold restore (is the server off-line?)",
    "126": "boot file error", "127": "boot file error",
    "129": "objects do not match: run onsmsync",
    "130": "the database server is not responding",
    "152": "logical logs unavailable (LOG_BACKUP_MODE)",
    "156": "LTAPEDEV is NUL, which ON-Bar refuses",
}


def is_null_device(device: str | None) -> bool:
    return (device or "NUL").strip().upper() in ("NUL", "/DEV/NULL", "NUL:")


# ---------------------------------------------------------------- ontape output
_FAILURE = re.compile(r"\b(failed|error|aborted|abort|cannot|not initialized)\b", re.I)
SUCCESS_TEXT = "Program over."  # the last words of an ontape that finished


def ontape_outcome(output: str, level: int | None = None) -> tuple[bool, str]:
    """ontape has no documented exit codes: judge by its words.

    See docs/vendor-facts.md, Informix: ontape prompts and messages."""
    text = output or ""
    failure = _FAILURE.search(text)
    if failure:
        line = next((ln for ln in text.splitlines() if failure.group(0) in ln), failure.group(0))
        return False, f"ontape reported: {line.strip()}"
    if SUCCESS_TEXT not in text:
        return False, f"ontape ended without '{SUCCESS_TEXT}' (interrupted or killed)"
    if level is not None and not re.search(rf"Level {level} Archive started", text):
        return False, f"ontape output does not show a level {level} archive"
    return True, SUCCESS_TEXT
