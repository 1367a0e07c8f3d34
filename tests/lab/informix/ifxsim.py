"""Informix IDS command-line simulator (lab test equipment, never shipped).

One program plays ontape, onbar, onstat, onmode, oninit, dbaccess and cdr for one simulated
instance, chosen by the name it is called with (first argument). Strings, options, prompts and
return codes follow docs/vendor-facts.md, Informix; where that page records no exact text the
message is marked "sim:" below and nothing in the collection may match on it.

The instance lives under $INFORMIXDIR:
  etc/<ONCONFIG>          real ONCONFIG format (ROOTPATH, TAPEDEV, LTAPEDEV, DBSERVERNAME, ...)
  sim/<server>.json       server state: mode, logs, archive history, incremental bases
  sim/<server>.faults     optional fault injection for tests (JSON)
The data lives in the chunk files: the rootdbs chunk (ROOTPATH) holds the databases as JSON,
the other chunks named in the state must exist, so a restore on a clean machine needs them.
Instances joined by labctl.init_replication share one Enterprise Replication domain (see the cdr
section): "er_domain" in the server state names its file, "er_group" the server's group.
"""
import atexit
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import socket
import sys
import time

VERSION = "IBM Informix Dynamic Server Version 12.10.FC14"
MODE_RC = {"On-Line": 5, "Quiescent": 1, "Single-User": 7, "Off-Line": 255}
MAGIC = b"IFXSIM-ARCHIVE 1\n"


class Fail(Exception):
    def __init__(self, message, rc=1, stream=None):
        super().__init__(message)
        self.rc = rc
        self.stream = stream


def now():
    return dt.datetime.now()


_DRIVE_PATH = re.compile(r"^([A-Za-z]):[\\/]")


def host_path(path, drives=None):
    """Where a path of the simulated host lives here: on a simulated Windows host (IFXSIM_DRIVES
    set, or the drives given), X:\\a\\b is <IFXSIM_DRIVES>/X/a/b; other paths are used as they are."""
    drives = drives or os.environ.get("IFXSIM_DRIVES")
    match = _DRIVE_PATH.match(path or "")
    if not drives or not match:
        return path
    return os.path.join(drives, match.group(1).upper(), *[part for part in re.split(r"[\\/]+", path[3:]) if part])


def device_join(device, name):
    """A file in a TAPEDEV directory, spelled the way the host spells paths."""
    return device.rstrip("\\/") + ("\\" if _DRIVE_PATH.match(device) else "/") + name


class Instance:
    """The instance the environment names, or (another server of an ER domain) the one given."""

    def __init__(self, informixdir=None, server=None, onconfig=None, drives=None):
        self.informixdir = informixdir or os.environ.get("INFORMIXDIR")
        self.server = server or os.environ.get("INFORMIXSERVER")
        onconfig = onconfig or os.environ.get("ONCONFIG")
        self.drives = drives if informixdir else os.environ.get("IFXSIM_DRIVES")
        if not (self.informixdir and self.server and onconfig):
            raise Fail("INFORMIXDIR, INFORMIXSERVER and ONCONFIG must be set", rc=1)
        self.onconfig_path = onconfig if os.path.isabs(onconfig) else os.path.join(self.informixdir, "etc", onconfig)
        self.state_path = os.path.join(self.informixdir, "sim", self.server + ".json")
        if not os.path.exists(self.state_path):
            raise Fail(f"shared memory not initialized for INFORMIXSERVER '{self.server}'", rc=255)
        with open(self.state_path) as handle:
            self.state = json.load(handle)
        faults = os.path.join(self.informixdir, "sim", self.server + ".faults")
        self.faults = json.load(open(faults)) if os.path.exists(faults) else {}

    # ONCONFIG: first occurrence wins, value is the second field, rest is comment.
    def config(self):
        values = {}
        with open(self.onconfig_path) as handle:
            for line in handle:
                fields = line.split()
                if not fields or fields[0].startswith("#"):
                    continue
                values.setdefault(fields[0], fields[1] if len(fields) > 1 else "")
        return values

    def save(self):
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(self.state, handle, indent=1)
        os.replace(tmp, self.state_path)

    def use_fault(self, name):
        """One occurrence of a counted fault used up (the faults file keeps the rest)."""
        self.faults[name] -= 1
        with open(os.path.join(self.informixdir, "sim", self.server + ".faults"), "w") as handle:
            json.dump(self.faults, handle)

    @property
    def mode(self):
        return self.state["mode"]

    def header(self):
        if self.mode == "Off-Line":
            return None
        up = int(time.time() - self.state.get("started", time.time()))
        return f"{VERSION} -- {self.mode} -- Up {up // 3600:02d}:{up % 3600 // 60:02d}:{up % 60:02d} -- 172660 Kbytes"

    def require_up(self):
        if self.mode == "Off-Line":
            raise Fail(f"shared memory not initialized for INFORMIXSERVER '{self.server}'", rc=255)

    def path(self, path):
        """A path of this instance's host, as this machine reaches it."""
        return host_path(path, self.drives)

    def root_chunk(self):
        return self.path(self.config()["ROOTPATH"])

    def read_data(self):
        with open(self.root_chunk()) as handle:
            return json.load(handle)

    def write_data(self, data):
        tmp = self.root_chunk() + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(data, handle, sort_keys=True)
        os.replace(tmp, self.root_chunk())

    def prefix(self):
        return (os.environ.get("IFX_ONTAPE_FILE_PREFIX")
                or f"{socket.gethostname()}_{self.config().get('SERVERNUM', '0')}")


def is_null_device(device):
    return device.upper() in ("NUL", "/DEV/NULL")


def say(line, stream):
    stream.write(line + "\n")
    stream.flush()


class HeldWhilePiped:
    """Output a program holds in its C runtime's buffer while it goes to a pipe (fault prompts_held_while_piped): a
    prompt never reaches the reader, which can then only wait for its timeout."""

    def __init__(self, stream):
        self.stream, self.held = stream, []
        atexit.register(lambda: stream.write("".join(self.held)))  # the buffer is written when the program ends

    def write(self, text):
        self.held.append(text)

    def flush(self):
        pass


def prompt(text, stream):
    """Prompts end without a newline; the answer is one line of stdin (EOF counts as no)."""
    stream.write(text)
    stream.flush()
    answer = sys.stdin.readline()
    return answer


def yes(answer):
    return answer.strip().lower().startswith("y")


# ---------------------------------------------------------------- archives
def table_diff(base, current):
    """Tables changed since base: an incremental archive carries them whole."""
    changes = {}
    for db, tables in current.items():
        for name, rows in tables.items():
            if base.get(db, {}).get(name) != rows:
                changes.setdefault(db, {})[name] = rows
    dropped = [[db, name] for db, tables in base.items() for name in tables if name not in current.get(db, {})]
    return {"changed": changes, "dropped": dropped}


def encode_archive(header, payload):
    body = json.dumps(payload, sort_keys=True).encode()
    header = dict(header, payload_sha256=hashlib.sha256(body).hexdigest(), payload_size=len(body))
    return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + body + b"\n"


def decode_archives(blob):
    """Split a stream of concatenated archives; raise on any damage."""
    archives = []
    position = 0
    while position < len(blob):
        if not blob.startswith(MAGIC, position):
            raise Fail("sim: Archive read error - not an archive or archive is damaged.")
        end = blob.find(b"\n", position + len(MAGIC))
        try:
            header = json.loads(blob[position + len(MAGIC):end])
        except ValueError:
            raise Fail("sim: Archive read error - archive header is damaged.") from None
        body = blob[end + 1:end + 1 + header["payload_size"]]
        if hashlib.sha256(body).hexdigest() != header["payload_sha256"]:
            raise Fail("sim: Archive read error - archive is damaged.")
        archives.append((header, json.loads(body)))
        position = end + 1 + header["payload_size"] + 1
    if not archives:
        raise Fail("sim: Archive read error - no archive on the device.")
    return archives


def make_archive(inst, level):
    state = inst.state
    data = inst.read_data()
    bases = state.setdefault("bases", {})
    if level > 0 and str(level - 1) not in bases:
        raise Fail(f"sim: Archive failed - a level {level - 1} archive must be performed first.")
    # An archive starts with a checkpoint: the log position moves on, the log unique ID changes
    # only at a log switch (onmode -l, or a full log), so quiet servers archive within one log.
    state["position"] = state.get("position", 24) + 4096
    archive_id = hashlib.sha256(f"{inst.server}{time.time_ns()}{level}".encode()).hexdigest()[:16]
    base = bases.get(str(level - 1)) if level else None
    payload = {"full": data} if level == 0 else table_diff(base["data"], data)
    stamp = now().strftime("%m/%d/%Y %H:%M:%S")
    entry = {"level": level, "id": archive_id, "base": base["id"] if base else None, "time": stamp, "log": state["log"],
             "position": state["position"]}
    history = [a for a in state.get("archives", []) if a["level"] < level] + [entry]
    header = {"level": level, "id": archive_id, "base": entry["base"], "server": inst.server, "checkpoint": stamp,
              "log": state["log"], "spaces": state["spaces"], "chunks": state["chunks"], "history": history,
              "version": VERSION}
    # A new archive of level n invalidates the bases of the levels above it.
    bases[str(level)] = {"id": archive_id, "data": data}
    for higher in range(level + 1, 3):
        bases.pop(str(higher), None)
    state["archives"] = history
    return encode_archive(header, payload)


def write_limited(inst, handle, blob):
    """Write an archive, honouring the faults a test injected (kill halfway, disk full)."""
    kill_at = inst.faults.get("ontape_killed_after_bytes")
    full_at = inst.faults.get("disk_full_after_bytes")
    limit = min(x for x in (kill_at, full_at, len(blob)) if x is not None)
    handle.write(blob[:limit])
    handle.flush()
    if kill_at is not None and limit == kill_at:
        os._exit(137)
    if full_at is not None and limit == full_at:
        raise Fail("sim: Archive failed - write error: No space left on device.")


def ontape_backup(inst, args, stdio_out, level):
    inst.require_up()
    if inst.mode not in ("On-Line", "Quiescent"):
        raise Fail(f"sim: Archive failed - server is in {inst.mode} mode.")
    config = inst.config()
    device = args.get("-t") or config.get("TAPEDEV", "NUL")
    msgs = sys.stderr if device == "STDIO" else sys.stdout
    if level is None:
        level = prompt("Please enter the level of archive to be performed (0, 1, or 2) ", msgs).strip()
        if level not in ("0", "1", "2"):
            raise Fail("sim: Program aborted - invalid archive level.")
        level = int(level)
    target = None
    if device == "STDIO" or is_null_device(device):
        pass
    elif os.path.isdir(host_path(device)):
        if "-d" not in args:
            prompt(f"Please mount tape 1 on {device} and press Return to continue ...", msgs)
        target = host_path(device_join(device, f"{inst.prefix()}_L{level}"))
        if os.path.exists(target):
            stamp = dt.datetime.fromtimestamp(os.path.getmtime(target)).strftime("%Y%m%d_%H%M%S")
            os.rename(target, host_path(device_join(device, f"{inst.prefix()}_{stamp}_L{level}")))
    else:
        if not os.path.exists(host_path(device)):
            raise Fail(f"sim: Archive failed - cannot open tape device {device}.")
        answer = prompt(f"Please mount tape 1 on {device} and press Return to continue ...", msgs)
        if answer == "":
            raise Fail("sim: Program aborted - no answer to the mount prompt.")
        target = host_path(device)
    time.sleep(inst.faults.get("ontape_delay_seconds", 0))
    blob = make_archive(inst, level)
    stamp = now().strftime("%H:%M:%S")
    spaces = ", ".join(inst.state["spaces"])
    say(f"{stamp} Checkpoint Completed: duration was 0 seconds", msgs)
    say(f"{stamp} Level {level} Archive started on {spaces}", msgs)
    if device == "STDIO":
        write_limited(inst, stdio_out, blob)
    elif target:
        with open(target, "wb") as handle:
            write_limited(inst, handle, blob)
    say(f"{stamp} Archive on {spaces} Completed.", msgs)
    inst.save()
    if device != "STDIO":
        say("Please label this tape as number 1 in the arc tape sequence.", msgs)
        say("This tape contains the following logical logs:", msgs)
        say(f" {inst.state['log']}", msgs)
        say(f"Archive to tape device '{device}' is complete.", msgs)
    say("Program over.", msgs)


def archive_info(header, device, msgs):
    say("Archive Tape Information", msgs)
    say("Tape type:      Archive Backup Tape", msgs)
    say(f"Online version: {header['version']}", msgs)
    say(f"Archive level:  {header['level']}", msgs)
    say(f"Tape device:    {device}", msgs)
    say("Tape size (in k): system defined for directory", msgs)
    say("Tape number in series: 1", msgs)
    say("Spaces to restore:" + " ".join(f"{i + 1} [{s:<10}]" for i, s in enumerate(header["spaces"])), msgs)
    say(f"Archive CheckPoint Time   {header['checkpoint']}", msgs)


def apply_archives(inst, archives):
    data = None
    previous = None
    for header, payload in archives:
        if header["level"] == 0:
            data = payload["full"]
        else:
            if previous is None or header["base"] != previous["id"]:
                raise Fail(f"sim: Physical restore failed - level {header['level']} archive does not belong "
                           f"to the restored level {header['level'] - 1} archive.")
            for db, name in payload["dropped"]:
                data.get(db, {}).pop(name, None)
            for db, tables in payload["changed"].items():
                data.setdefault(db, {}).update(tables)
        previous = header
    return data, previous


def finish_restore(inst, archives, mode):
    header0 = archives[0][0]
    missing = [c for c in header0["chunks"] if not os.path.exists(host_path(c))]
    if missing:
        raise Fail(f"sim: Physical restore failed - chunk {missing[0]} does not exist.")
    data, last = apply_archives(inst, archives)
    inst.write_data(data)
    # The reserved pages come from the archive: the logical log goes on from the restored archive's checkpoint (its
    # log unique ID and position), not from where the server was before (docs/vendor-facts.md).
    restored = next((a for a in last["history"] if a["id"] == last["id"]), {})
    inst.state.update(mode=mode, started=time.time(), log=last["log"], archives=last["history"],
                      spaces=header0["spaces"], chunks=header0["chunks"],
                      position=restored.get("position", inst.state.get("position", 24)))
    # After a restore the server starts a new archive chain; incremental bases are gone.
    inst.state["bases"] = {}
    inst.save()


def ontape_restore(inst, args):
    if inst.mode != "Off-Line":
        raise Fail("Physical restore failed - Cannot warm restore ROOT DBspace")
    time.sleep(inst.faults.get("ontape_restore_delay_seconds", 0))  # a long restore, for a test that kills its run
    config = inst.config()
    if args.get("-t") == "STDIO":
        msgs = sys.stderr
        archives = decode_archives(sys.stdin.buffer.read())
        if archives[0][0]["level"] != 0:
            raise Fail("sim: Physical restore failed - the first archive on STDIO is not a level 0 archive.")
        for header, _ in archives:
            archive_info(header, "STDIO", msgs)
        finish_restore(inst, archives, "Single-User")
        say("Program over.", msgs)
        return
    msgs = sys.stdout
    if inst.faults.get("prompts_held_while_piped") and not sys.stdout.isatty():
        msgs = HeldWhilePiped(sys.stdout)
    device = config.get("TAPEDEV", "NUL")
    if is_null_device(device):
        raise Fail(f"sim: Physical restore failed - tape device {device} holds no archive.")
    if os.path.isdir(host_path(device)):
        if "-d" not in args:
            raise Fail("sim: restore from a directory TAPEDEV needs -d in this simulator.")
        archives = []
        for level in range(3):
            path = device_join(device, f"{inst.prefix()}_L{level}")
            if not os.path.exists(host_path(path)):
                if level == 0:
                    raise Fail(f"sim: Physical restore failed - {path} not found.")
                break
            with open(host_path(path), "rb") as handle:
                found = decode_archives(handle.read())
            say(f"Restore will use level {level} archive file {path}. Press Return to continue ...", msgs)
            archive_info(found[0][0], device, msgs)
            archives.extend(found)
        finish_restore(inst, archives, "Quiescent")
        say("Program over.", msgs)
        return
    # A single file or tape: the operator is asked at every step.
    archives = []
    level = 0
    while True:
        if prompt(f"Please mount tape 1 on {device} and press Return to continue ...", msgs) == "":
            raise Fail("sim: Program aborted.")
        with open(host_path(device), "rb") as handle:
            found = decode_archives(handle.read())
        archive_info(found[0][0], device, msgs)
        if found[0][0]["level"] != level:
            raise Fail(f"sim: Physical restore failed - expected a level {level} archive, "
                       f"found level {found[0][0]['level']}.")
        archives.extend(found)
        if level == 0:
            if not yes(prompt("Continue restore? (y/n)", msgs)):
                raise Fail("sim: Restore aborted by the operator.")
            for question in inst.faults.get("extra_restore_questions", []):  # a dialogue the driver has not seen
                if yes(prompt(question, msgs)):
                    say("sim: answered yes.", msgs)
            if inst.faults.get("no_salvage_question"):
                pass
            elif yes(prompt("Do you want to back up the logs? (y/n)", msgs)):
                say("Log salvage is complete, continuing restore of archive.", msgs)
        if level == 2 or not yes(prompt(f"Restore a level {level + 1} archive (y/n) ", msgs)):
            break
        level += 1
    prompt("Do you want to restore log tapes? (y/n)", msgs)
    finish_restore(inst, archives, "Quiescent")
    say(os.path.join(inst.informixdir, "bin", "onmode") + " -sy", msgs)
    say("", msgs)
    say("Program over.", msgs)


def parse_ontape(argv):
    args = {}
    i = 0
    while i < len(argv):
        opt = argv[i]
        if opt in ("-L", "-t"):
            if i + 1 >= len(argv):
                raise Fail(f"sim: ontape: option {opt} needs a value")
            args[opt] = argv[i + 1]
            i += 2
            continue
        if opt not in ("-s", "-r", "-d", "-v", "-F"):
            raise Fail(f"sim: ontape: unknown option {opt}")
        args[opt] = True
        i += 1
    return args


def ontape(argv):
    args = parse_ontape(argv)
    inst = Instance()
    if "-s" in args:
        level = args.get("-L")
        if level is not None and level not in ("0", "1", "2"):
            raise Fail("sim: ontape: level must be 0, 1 or 2")
        ontape_backup(inst, args, sys.stdout.buffer, None if level is None else int(level))
    elif "-r" in args:
        ontape_restore(inst, args)
    else:
        raise Fail("Usage: ontape {-s [-L 0|1|2] [-t STDIO] [-d] | -r [-t STDIO] [-d]}")
    return 0


# ---------------------------------------------------------------- onstat / onmode / oninit
def onstat(argv):
    try:
        inst = Instance()
    except Fail as exc:
        print(exc)
        return exc.rc
    header = inst.header()
    if header is None:
        print(f"shared memory not initialized for INFORMIXSERVER '{inst.server}'")
        return 255
    print()
    print(header)
    print()
    if argv[:2] == ["-g", "arc"]:
        print("Dbspaces - Archive Status")
        print(f"{'name':<19}{'number':<7}{'level':<6}{'date':<17}{'log':<11}log-position")
        for number, space in enumerate(inst.state["spaces"], 1):
            for archive in inst.state.get("archives", []):
                when = dt.datetime.strptime(archive["time"], "%m/%d/%Y %H:%M:%S").strftime("%m/%d/%Y.%H:%M")
                position = f"0x{archive.get('position', 24):x}"
                print(f"{space:<19}{number:<7}{archive['level']:<6}{when:<17}{archive['log']:<11}{position}")
        print()
    elif argv[:1] == ["-d"]:
        # Layout from general knowledge of onstat -d (unverified: docs/vendor-facts.md, Informix):
        # chunk rows end in the path.
        print("Dbspaces")
        print(f"{'address':<17}{'number':<9}{'flags':<11}{'fchunk':<9}{'nchunks':<9}{'pgsize':<9}"
              "flags    owner    name")
        sbspaces = inst.state.get("sbspaces", {})
        for number, space in enumerate(inst.state["spaces"], 1):
            address = f"{0x4b2e0028 + number * 0x1000:<17x}"
            flags, kind = ("0x68001", "N  SB  ") if space in sbspaces else ("0x60001", "N  BA  ")
            print(f"{address}{number:<9}{flags:<11}{number:<9}{1:<9}{2048:<9}{kind}  informix {space}")
        print(f" {len(inst.state['spaces'])} active, 2047 maximum")
        print()
        print("Chunks")
        print(f"{'address':<17}chunk/dbs     offset     size       free       bpages     flags pathname")
        for number, chunk in enumerate(inst.state["chunks"], 1):
            address = f"{0x4b2e1028 + number * 0x1000:<17x}"
            space = inst.state["spaces"][number - 1] if number <= len(inst.state["spaces"]) else None
            if space in sbspaces:  # the ER queue's sbspace: what the queue spools beyond CDR_QUEUEMEM is used
                pages = sbspaces[space]["pages"]
                used = -(-spooled_bytes(inst) // sbspaces[space].get("pagesize", 2048))
                print(f"{address}{number:<7}{number:<7}{0:<11}{pages:<11}{max(0, pages - used):<11}"
                      f"{'':<11}POSB-- {chunk}")
            else:
                print(f"{address}{number:<7}{number:<7}{0:<11}{150000:<11}{74215:<11}{'':<11}PO-B-- {chunk}")
        print(f" {len(inst.state['chunks'])} active, 32766 maximum")
        print()
    elif argv[:1] == ["-c"]:
        print(f"Configuration File: {inst.onconfig_path}")
        print(open(inst.onconfig_path).read())
    return MODE_RC[inst.mode]


def spooled_bytes(inst):
    """What the server's ER send queues hold beyond CDR_QUEUEMEM (KB): spooled to the sbspace."""
    path = inst.state.get("er_domain")
    if not path or not os.path.exists(path):
        return 0
    with Domain(path, write=False) as domain:
        queued = sum(queued_bytes(domain.state, inst.state["er_group"], g) for g in domain.state["servers"])
    return max(0, queued - int(inst.config().get("CDR_QUEUEMEM", "131072")) * 1024)


def onmode(argv):
    inst = Instance()
    flags = "".join(a.lstrip("-") for a in argv if a.startswith("-") and "=" not in a)
    if flags.startswith("w"):
        inst.require_up()
        name, _, value = argv[1].partition("=")
        lines = open(inst.onconfig_path).read().splitlines()
        for i, line in enumerate(lines):
            if line.split()[:1] == [name]:
                lines[i] = f"{name} {value}"
                break
        else:
            lines.append(f"{name} {value}")
        with open(inst.onconfig_path, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        print(f"Value of {name} has been changed to {value}.")
        return 0
    inst.require_up()
    if "k" in flags:
        if "y" not in flags:
            raise Fail("sim: onmode -k asks for confirmation; use -ky")
        if inst.faults.get("onmode_ky_ignored", 0) > 0:  # a server that does not go down this time (a test's fault)
            inst.use_fault("onmode_ky_ignored")
            return 0
        inst.state["mode"] = "Off-Line"
    elif "m" in flags:
        inst.state["mode"] = "On-Line"
    elif flags == "l":  # switch to the next logical log
        inst.state.update(log=inst.state["log"] + 1, position=24)
    elif "s" in flags or "u" in flags:
        inst.state["mode"] = "Quiescent"
    elif "j" in flags:
        inst.state["mode"] = "Single-User"
    else:
        raise Fail(f"sim: onmode: unsupported flags {argv}")
    inst.save()
    return 0


def oninit(argv):
    inst = Instance()
    if inst.mode != "Off-Line":
        raise Fail("sim: oninit: shared memory already initialized.")
    missing = [c for c in inst.state["chunks"] if not os.path.exists(host_path(c))]
    if missing:
        raise Fail(f"sim: oninit: chunk {missing[0]} does not exist.")
    inst.state.update(mode="Quiescent" if "-s" in argv else "On-Line", started=time.time())
    inst.save()
    return 0


# ---------------------------------------------------------------- dbaccess (a small SQL subset)
SQL = [
    (re.compile(r"create table (\w+)", re.I), "create"),
    (re.compile(r"insert into (\w+) values\s*\((.*)\)$", re.I | re.S), "insert"),
    (re.compile(r"delete from (\w+)(?: where (\w+)\s*=\s*(.+))?$", re.I), "delete"),
    (re.compile(r"select \* from (\w+)$", re.I), "select"),
    (re.compile(r"select count\(\*\) from (\w+)$", re.I), "count"),
    (re.compile(r"drop table (\w+)$", re.I), "drop"),
]
# Every database has its system catalog; the sim counts this many catalog tables in systables (sim).
CATALOG_TABLES = 25


def sql_values(text):
    return [v.strip().strip("'\"") for v in text.split(",")]


# The logical-log bytes one row change takes (sim): archives after more changes start at a later position.
LOG_RECORD_BYTES = 256


def run_sql(inst, database, text):
    """The statements on the instance's data; returns the row changes [(database, table, op, row)]."""
    data = inst.read_data()
    if database not in data:
        raise Fail("  329: Database not found or no system permission.")
    tables = data[database]
    changes = []
    sys.stderr.write("\nDatabase selected.\n\n")
    for statement in filter(None, (s.strip() for s in text.split(";"))):
        for pattern, kind in SQL:  # noqa: B007 - the matching kind is used after the loop
            match = pattern.match(statement)
            if match:
                break
        else:
            raise Fail(f"  201: A syntax error has occurred. ({statement[:40]})")
        name = match.group(1)
        if kind == "count" and name.lower() == "systables":
            print(f"\n\n      (count(*)) \n\n{len(tables) + CATALOG_TABLES:>16}\n")
            sys.stderr.write("1 row(s) retrieved.\n\n")
            continue
        if kind != "create" and name not in tables:
            raise Fail(f"  206: The specified table ({name}) is not in the database.")
        if kind == "create":
            tables[name] = []
            sys.stderr.write("Table created.\n\n")
        elif kind == "insert":
            row = sql_values(match.group(2))
            tables[name].append(row)
            changes.append((database, name, "insert", row))
            sys.stderr.write("1 row(s) inserted.\n\n")
        elif kind == "delete":
            keep = [] if not match.group(2) else [
                r for r in tables[name] if r[0] != match.group(3).strip().strip("'\"")
            ]
            changes += [(database, name, "delete", r) for r in tables[name] if r not in keep]
            sys.stderr.write(f"{len(tables[name]) - len(keep)} row(s) deleted.\n\n")
            tables[name] = keep
        elif kind == "drop":
            del tables[name]
            sys.stderr.write("Table dropped.\n\n")
        elif kind == "count":
            print(f"\n\n      (count(*)) \n\n{len(tables[name]):>16}\n")
            sys.stderr.write("1 row(s) retrieved.\n\n")
        else:
            for row in tables[name]:
                print("|".join(row))
            sys.stderr.write(f"{len(tables[name])} row(s) retrieved.\n\n")
    inst.write_data(data)
    if changes:  # each row change is a logical-log record: the log position moves on
        inst.state["position"] = inst.state.get("position", 24) + LOG_RECORD_BYTES * len(changes)
        inst.save()
    sys.stderr.write("Database closed.\n\n")
    return changes


def require_sql_mode(inst):
    inst.require_up()
    if inst.mode not in ("On-Line", "Single-User"):
        raise Fail(f"sim: dbaccess: server is {inst.mode}.")


def dbaccess(argv):
    """dbaccess <database>[@<server>] [<file> | -]. Another server of the instance's ER domain is reached as
    the informix user of this host: its host's hosts.equiv must trust this host (Informix error 956)."""
    local = Instance()
    database, _, server = argv[0].partition("@")
    source = argv[1] if len(argv) > 1 else "-"
    text = sys.stdin.read() if source == "-" else open(source).read()
    path = local.state.get("er_domain")
    if not path:
        if server and server != local.server:
            raise Fail(f"  908: Attempt to connect to database server ({server}) failed.")
        require_sql_mode(local)
        run_sql(local, database, text)
        return 0
    with Domain(path) as domain:
        inst = local
        if server and server != local.server:
            inst = connect(domain.state, local, server)
        require_sql_mode(inst)
        changes = run_sql(inst, database, text)
        capture(domain.state, inst, changes)
        pump(domain.state)
    return 0


# ---------------------------------------------------------------- Enterprise Replication (cdr)
# One domain for the instances built by labctl.init_replication, kept in one JSON file beside the lab's hosts
# (the instance state's "er_domain" names it) and changed only under an exclusive lock of <file>.lock:
#   servers     {group: {id, server, host, informixdir, onconfig, drives, running, status, status_changed, backlog}}
#   replicates  {name: {database, table, participants: {group: "primary" | "receiveonly"}}}
#   replicate_sets {name: [replicate, ...]}
#   suspended   [[from_group, to_group], ...]: delivery from -> to suspended
#   disconnected [[group, group], ...]: connections closed by cdr disconnect server until cdr connect server
#   queues      {from_group: {to_group: [transaction, ...]}}; a transaction: {replicate, op, row, time, size}
#   mtimes      {group: {"<database>.<table>": {row key: time of the last change}}}
#   er_sync_seconds_per_replicate, er_check_seconds_per_replicate: how long one replicate takes to sync / check
ER_NOT_ACTIVE = ("command failed -- Enterprise Replication not active  (62)", 62)
NO_CONNECT = ("command failed -- unable to connect to server specified  (5)", 5)
CDR_USAGE = ("sim: usage: cdr {list server | list replicateset <set> | suspend server <to> [<from> ...] | "
             "resume server <to> [<from> ...] | disconnect server <group> | connect server <group> | "
             "stop | start | cleanstart | sync replicate --master=<group> "
             "--repl=<replicate> <target> ... | sync replicateset --master=<group> --replset=<set> <target> ... | "
             "check replicateset --master=<group> --replset=<set> <target> ... [--repair] [--since=<time>]}", 1)
VALUE_OPTIONS = ("master", "repl", "replset", "since", "extratargetrows")


class Domain:
    """The domain state, read under an exclusive lock and written back when the block ends without an error."""

    def __init__(self, path, write=True):
        self.path, self.write = path, write

    def __enter__(self):
        self.lock = open(self.path + ".lock", "a")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        with open(self.path) as handle:
            self.state = json.load(handle)
        return self

    def __exit__(self, kind, value, trace):
        try:
            if kind is None and self.write:
                tmp = f"{self.path}.{os.getpid()}.tmp"
                with open(tmp, "w") as handle:
                    json.dump(self.state, handle, indent=1)
                os.replace(tmp, self.path)
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()
        return False


def member(entry):
    """The instance of a domain server."""
    return Instance(entry["informixdir"], entry["server"], entry["onconfig"], entry.get("drives"))


def instance_mode(entry):
    with open(os.path.join(entry["informixdir"], "sim", entry["server"] + ".json")) as handle:
        return json.load(handle)["mode"]


def row_size(row):
    """What one queued transaction of a row takes in the queue: its JSON and a header."""
    return len(json.dumps(row)) + 64


def queued_bytes(domain, source, target):
    return sum(t["size"] for t in domain["queues"].get(source, {}).get(target, []))


def receivers(domain, replicate, source):
    """The participants a source's change of this replicate goes to; none when the source only receives."""
    participants = domain["replicates"][replicate]["participants"]
    if participants.get(source) != "primary":
        return []
    return sorted(g for g in participants if g != source)


def enqueue(domain, source, transaction):
    for target in receivers(domain, transaction["replicate"], source):
        domain["queues"].setdefault(source, {}).setdefault(target, []).append(transaction)


def capture(domain, inst, changes):
    """Row changes on a replicated table where the server is a source: one transaction each, into the queues
    (ER running) or into the server's backlog (ER stopped: the logs since the replay position)."""
    group = inst.state["er_group"]
    entry = domain["servers"][group]
    for database, table, op, row in changes:
        for name, replicate in sorted(domain["replicates"].items()):
            if (replicate["database"], replicate["table"]) != (database, table) or not receivers(domain, name, group):
                continue
            stamp = time.time()
            transaction = {"replicate": name, "op": op, "row": row, "time": stamp, "size": row_size(row)}
            domain["mtimes"].setdefault(group, {}).setdefault(f"{database}.{table}", {})[row[0]] = stamp
            if entry["running"]:
                enqueue(domain, group, transaction)
            else:
                entry["backlog"].append(transaction)


def apply_row(domain, group, tables, replicate, op, row, stamp):
    """One change applied on a server's table: an insert replaces the row of the same key (the first column)."""
    table = domain["replicates"][replicate]["table"]
    rows = [r for r in tables.setdefault(table, []) if r[0] != row[0]]
    if op == "insert":
        rows.append(row)
    tables[table] = rows
    database = domain["replicates"][replicate]["database"]
    domain["mtimes"].setdefault(group, {}).setdefault(f"{database}.{table}", {})[row[0]] = stamp


def pump(domain):
    """Delivery: each queue whose source and target ER run, whose pair is not suspended and whose instances are
    On-Line is applied to the target's data. The servers' connection status is brought up to date first."""
    servers = domain["servers"]
    modes = {group: instance_mode(entry) for group, entry in servers.items()}
    stamp = time.time()
    for group, entry in servers.items():
        status = "Disconnect" if not entry["running"] else ("Connected" if modes[group] == "On-Line" else "Connecting")
        if entry.get("status") != status:
            entry["status"], entry["status_changed"] = status, stamp
    suspended = {tuple(pair) for pair in domain["suspended"]}
    closed = {(a, b) for a, b, _stamp in domain.get("disconnected", [])}
    suspended |= closed | {(b, a) for a, b in closed}  # nothing is delivered over a closed connection
    for source, targets in sorted(domain["queues"].items()):
        for target, queue in sorted(targets.items()):
            if (not queue or (source, target) in suspended
                    or not (servers[source]["running"] and servers[target]["running"])):
                continue
            if modes[source] != "On-Line" or modes[target] != "On-Line":
                continue
            inst = member(servers[target])
            data = inst.read_data()
            for transaction in queue:
                database = domain["replicates"][transaction["replicate"]]["database"]
                apply_row(domain, target, data.setdefault(database, {}), transaction["replicate"], transaction["op"],
                          transaction["row"], transaction["time"])
            inst.write_data(data)
            targets[target] = []


def pump_from_environment():
    """Lazy delivery at every invocation of the simulator on a server of a domain."""
    try:
        inst = Instance()
    except Fail:
        return
    path = inst.state.get("er_domain")
    if path and os.path.exists(path):
        with Domain(path) as domain:
            pump(domain.state)


def connect(domain, local, server):
    """A connection as informix from the local server's host to another server of the domain."""
    entry = next((e for e in domain["servers"].values() if e["server"] == server), None)
    if entry is None or instance_mode(entry) == "Off-Line":
        raise Fail(f"  908: Attempt to connect to database server ({server}) failed.")
    caller = domain["servers"][local.state["er_group"]]["host"]
    if entry["host"] != caller and not trusts(entry, caller):
        raise Fail(f"  956: Client host or user informix@lab-{caller} is not trusted by the server.")
    return member(entry)


def trusts(entry, caller):
    """Whether the server's host's hosts.equiv lists the caller host (short or fully qualified name, optionally
    with the user informix)."""
    if not entry.get("drives"):
        return False
    path = host_path(r"C:\Windows\System32\drivers\etc\hosts.equiv", entry["drives"])
    if not os.path.exists(path):
        return False
    names = {f"lab-{caller}", f"lab-{caller}.lab.invalid"}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            fields = line.split("#", 1)[0].split()
            if fields and fields[0].lower() in names and (len(fields) == 1 or fields[1] == "informix"):
                return True
    return False


def cdr_options(words):
    """--name=value / --name value options and the other words of a cdr command line."""
    options, rest, i = {}, [], 0
    while i < len(words):
        word = words[i]
        i += 1
        if not word.startswith("--"):
            rest.append(word)
            continue
        name, equals, value = word[2:].partition("=")
        if name in VALUE_OPTIONS and not equals:
            if i >= len(words):
                raise Fail(*CDR_USAGE)
            value, i = words[i], i + 1
        options[name] = value if name in VALUE_OPTIONS else True
    return options, rest


class Cdr:
    """One cdr command on the local server, inside the domain's lock."""

    def __init__(self, inst, domain):
        self.inst, self.domain = inst, domain
        self.group = inst.state.get("er_group")

    def local_up(self, active=True):
        if self.inst.mode == "Off-Line":
            raise Fail(*NO_CONNECT)
        if active and (not self.group or not self.domain["servers"][self.group]["running"]
                       or self.inst.mode != "On-Line"):
            raise Fail(*ER_NOT_ACTIVE)

    def known(self, group):
        if group not in self.domain["servers"]:
            raise Fail(f"command failed -- sim: server group {group} is not defined in the domain  (47)", 47)
        return group

    def reachable(self, group, active=True):
        """A server the command works on: its instance On-Line (else rc 5) and its ER running (else rc 62)."""
        entry = self.domain["servers"][self.known(group)]
        if instance_mode(entry) != "On-Line":
            raise Fail(*NO_CONNECT)
        if active and not entry["running"]:
            raise Fail(*ER_NOT_ACTIVE)

    def list_server(self):
        """STATE Suspended means delivery TO the row's server is suspended (HCL's cdr list server): a partner's row
        shows the delivery from this server to it, this server's own row a delivery to it from any server.
        STATUS Disconnect: closed by cdr disconnect server (until cdr connect server) or by cdr stop (until start)."""
        self.local_up()
        servers = self.domain["servers"]
        suspended = {tuple(pair) for pair in self.domain["suspended"]}
        closed = {frozenset(pair): stamp for *pair, stamp in self.domain.get("disconnected", [])}
        print("SERVER                 ID STATE    STATUS     QUEUE  CONNECTION CHANGED")
        print("-" * 71)
        for group in sorted(servers):
            entry = servers[group]
            if group == self.group:
                state = "Suspended" if any(target == group for _source, target in suspended) else "Active"
                status, queue, changed = "Local", 0, ""
            else:
                state = "Suspended" if (self.group, group) in suspended else "Active"
                status, queue = entry["status"], queued_bytes(self.domain, self.group, group)
                stamp = entry["status_changed"]
                if frozenset((self.group, group)) in closed and status != "Disconnect":
                    status, stamp = "Disconnect", closed[frozenset((self.group, group))]
                changed = dt.datetime.fromtimestamp(stamp).strftime("%b %e %H:%M:%S")
            print(f"{group:<20}{entry['id']:>5} {state:<8} {status:<10}{queue:>7} {changed}".rstrip())

    def suspend(self, words, suspend):
        self.local_up()
        if not words:
            raise Fail(*CDR_USAGE)
        target, sources = self.known(words[0]), [self.known(g) for g in words[1:]]
        pairs = {tuple(pair) for pair in self.domain["suspended"]}
        for source in sources or [g for g in self.domain["servers"] if g != target]:
            (pairs.add if suspend else pairs.discard)((source, target))
        self.domain["suspended"] = sorted([list(pair) for pair in pairs])

    def connection(self, words, close):
        """cdr disconnect server <group> closes the connection between this server and the group until cdr
        connect server <group> resets it, run on either end."""
        self.local_up()
        if len(words) != 1:
            raise Fail(*CDR_USAGE)
        pair = sorted([self.group, self.known(words[0])])
        kept = [entry for entry in self.domain.get("disconnected", []) if entry[:2] != pair]
        self.domain["disconnected"] = kept + ([pair + [time.time()]] if close else [])

    def stop(self):
        self.local_up(active=False)
        if self.group:
            self.domain["servers"][self.group]["running"] = False

    def start(self, clean):
        self.local_up(active=False)
        if not self.group:
            raise Fail(*ER_NOT_ACTIVE)
        entry = self.domain["servers"][self.group]
        if clean:
            self.domain["queues"][self.group] = {}
            entry["backlog"] = []
        elif entry["running"]:
            return
        elif self.inst.faults.get("er_replay_lost"):
            raise Fail("command failed -- replay position overwritten  (214)", 214)
        for transaction in entry["backlog"]:
            enqueue(self.domain, self.group, transaction)
        entry["backlog"], entry["running"] = [], True

    def list_replicateset(self, words):
        self.local_up(active=False)
        if len(words) != 1:
            raise Fail(*CDR_USAGE)
        members = self.domain["replicate_sets"].get(words[0])
        if members is None:
            raise Fail("command failed -- replicate set not found  (sim)", 99)
        print(f"REPLICATE SET:{words[0]}")
        print("CURRENTLY DEFINED REPLICATES")
        print("-------------------------------")
        for name in sorted(members):
            print(f"REPLICATE:        {name}")

    def plan(self, options, rest, kind):
        """(master, [replicate], [target]) of a sync or check, every name checked."""
        self.local_up()
        if "master" not in options or (kind not in options) or (not rest and "all" not in options):
            raise Fail(*CDR_USAGE)
        if kind == "repl":
            if options["repl"] not in self.domain["replicates"]:
                raise Fail(f"command failed -- sim: replicate {options['repl']} not found  (31)", 31)
            replicates = [options["repl"]]
        else:
            if options["replset"] not in self.domain["replicate_sets"]:
                raise Fail("command failed -- replicate set not found  (sim)", 99)
            replicates = sorted(self.domain["replicate_sets"][options["replset"]])
        master = self.known(options["master"])
        targets = [self.known(g) for g in rest] or sorted(
            {g for r in replicates for g in self.domain["replicates"][r]["participants"]} - {master})
        for replicate in replicates:
            participants = self.domain["replicates"][replicate]["participants"]
            for group in [master] + targets:
                if group not in participants:
                    raise Fail(f"command failed -- sim: {group} is not a participant of replicate {replicate}  (40)",
                               40)
        for group in [master] + targets:
            self.reachable(group)
        return master, replicates, targets


def copy_rows(domain, master, target, replicate, keys=None, keep_extra=False):
    """The target's rows of a replicate made equal to the master's (for the keys given, else all); returns
    (missing, extra, mismatched) as they were on the target."""
    spec = domain["replicates"][replicate]
    servers = domain["servers"]
    master_tables = member(servers[master]).read_data().get(spec["database"], {})
    master_rows = {r[0]: r for r in master_tables.get(spec["table"], [])}
    inst = member(servers[target])
    data = inst.read_data()
    rows = data.setdefault(spec["database"], {}).setdefault(spec["table"], [])
    target_rows = {r[0]: r for r in rows}
    chosen = set(master_rows) | set(target_rows) if keys is None else set(keys)
    missing = sorted(k for k in chosen if k in master_rows and k not in target_rows)
    extra = sorted(k for k in chosen if k in target_rows and k not in master_rows)
    mismatched = sorted(k for k in chosen if k in master_rows and k in target_rows and master_rows[k] != target_rows[k])
    table = f"{spec['database']}.{spec['table']}"
    master_times = domain["mtimes"].get(master, {}).get(table, {})
    times = domain["mtimes"].setdefault(target, {}).setdefault(table, {})
    kept = [r for r in rows if r[0] not in extra or keep_extra]
    kept = [master_rows[r[0]] if r[0] in mismatched else r for r in kept] + [master_rows[k] for k in missing]
    for key in missing + mismatched + ([] if keep_extra else extra):
        times[key] = master_times.get(key, time.time())
    data[spec["database"]][spec["table"]] = kept
    inst.write_data(data)
    return missing, extra, mismatched


def cdr_sync(inst, path, options, rest, kind):
    """cdr sync replicate / replicateset: one replicate after the other, each taking its time outside the lock
    (a probe can run meanwhile), then copied under it; a server that went away meanwhile fails the command."""
    with Domain(path) as domain:
        master, replicates, targets = Cdr(inst, domain.state).plan(options, rest, kind)
        seconds = float(domain.state.get("er_sync_seconds_per_replicate") or 0)
    keep = options.get("extratargetrows") in ("keep", "merge")
    for replicate in replicates:
        time.sleep(seconds)
        with Domain(path) as domain:
            command = Cdr(inst, domain.state)
            for group in [master] + targets:
                command.reachable(group)
            for target in targets:
                copy_rows(domain.state, master, target, replicate, keep_extra=keep)


def cdr_check(inst, path, options, rest):
    """cdr check replicateset [--repair] [--since=<YYYY-MM-DD hh:mm:ss>]: compares (and repairs) the rows; with
    --since only the rows the master or the target changed since then (rows never changed count as old)."""
    since = None
    if options.get("since"):
        try:
            since = dt.datetime.strptime(options["since"], "%Y-%m-%d %H:%M:%S").timestamp()
        except ValueError:
            raise Fail(f"command failed -- sim: --since {options['since']!r} is not YYYY-MM-DD hh:mm:ss  (1)") from None
    with Domain(path) as domain:
        master, replicates, targets = Cdr(inst, domain.state).plan(options, rest, "replset")
        seconds = float(domain.state.get("er_check_seconds_per_replicate") or 0)
    keep = options.get("extratargetrows") in ("keep", "merge")
    print(f"sim: check of replicate set {options['replset']}, master {master}"
          + (f", rows changed since {options['since']}" if since is not None else ""))
    for replicate in replicates:
        time.sleep(seconds)
        with Domain(path) as domain:
            state = domain.state
            command = Cdr(inst, state)
            for group in [master] + targets:
                command.reachable(group)
            table = "{database}.{table}".format(**state["replicates"][replicate])
            for target in targets:
                keys = None
                if since is not None:
                    keys = {k for g in (master, target) for k, t in state["mtimes"].get(g, {}).get(table, {}).items()
                            if t >= since}
                if options.get("repair"):
                    missing, extra, mismatched = copy_rows(state, master, target, replicate, keys, keep)
                    done = len(missing) + len(mismatched) + (0 if keep else len(extra))
                else:
                    missing, extra, mismatched = compare_only(state, master, target, replicate, keys)
                    done = 0
                print(f"sim: {replicate} {target}: {len(missing)} missing, {len(extra)} extra, "
                      f"{len(mismatched)} mismatched, {done} repaired")


def compare_only(domain, master, target, replicate, keys):
    spec = domain["replicates"][replicate]
    found = [
        {r[0]: r for r in member(domain["servers"][g]).read_data().get(spec["database"], {}).get(spec["table"], [])}
        for g in (master, target)
    ]
    chosen = set(found[0]) | set(found[1]) if keys is None else set(keys)
    return (sorted(k for k in chosen if k in found[0] and k not in found[1]),
            sorted(k for k in chosen if k in found[1] and k not in found[0]),
            sorted(k for k in chosen if k in found[0] and k in found[1] and found[0][k] != found[1][k]))


def cdr(argv):
    inst = Instance()
    path = inst.state.get("er_domain")
    options, words = cdr_options(argv)
    command = " ".join(words[:2])
    if not path:  # an instance outside any domain: ER was never defined here
        if inst.mode == "Off-Line":
            raise Fail(*NO_CONNECT)
        raise Fail(*ER_NOT_ACTIVE)
    if command in ("sync replicate", "sync replicateset") and len(words) >= 2:
        cdr_sync(inst, path, options, words[2:], "repl" if words[1] == "replicate" else "replset")
        return 0
    if command == "check replicateset":
        cdr_check(inst, path, options, words[2:])
        return 0
    with Domain(path) as domain:
        run = Cdr(inst, domain.state)
        if command == "list server" and len(words) == 2:
            run.list_server()
        elif command == "list replicateset":
            run.list_replicateset(words[2:])
        elif command in ("suspend server", "resume server"):
            run.suspend(words[2:], words[0] == "suspend")
        elif command in ("disconnect server", "connect server"):
            run.connection(words[2:], words[0] == "disconnect")
        elif words == ["stop"]:
            run.stop()
        elif words in (["start"], ["cleanstart"]):
            run.start(words == ["cleanstart"])
        else:
            raise Fail(*CDR_USAGE)
        pump(domain.state)
    return 0


# ---------------------------------------------------------------- onbar with a disk storage manager (PSM)
def psm_dir(inst):
    path = os.path.join(inst.informixdir, "sim", "psm", inst.server)
    os.makedirs(path, exist_ok=True)
    return path


def psm_catalog(inst):
    path = os.path.join(psm_dir(inst), "catalog.json")
    return json.load(open(path)) if os.path.exists(path) else []


def bar_log(inst, text):
    log = host_path(inst.config().get("BAR_ACT_LOG") or os.path.join(inst.informixdir, "tmp", "bar_act.log"))
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "a") as handle:
        handle.write(f"{now():%Y-%m-%d %H:%M:%S} {os.getpid()}  {text}\n")


def onbar(argv):
    inst = Instance()
    if "-b" in argv:
        inst.require_up()
        if is_null_device(inst.config().get("LTAPEDEV", "NUL")):
            bar_log(inst, "ERROR: LTAPEDEV is set to /dev/null or NUL. Change it to a valid device.")
            print("sim: LTAPEDEV is NUL; ON-Bar cannot back up logical logs.", file=sys.stderr)
            return 156  # docs/vendor-facts.md, Informix: onbar return codes (156 LTAPEDEV NUL)
        level = int(argv[argv.index("-L") + 1]) if "-L" in argv else 0
        blob = make_archive(inst, level)
        header = decode_archives(blob)[0][0]
        with open(os.path.join(psm_dir(inst), header["id"] + ".obj"), "wb") as handle:
            write_limited(inst, handle, blob)
        catalog = psm_catalog(inst) + [{"id": header["id"], "level": level, "base": header["base"]}]
        json.dump(catalog, open(os.path.join(psm_dir(inst), "catalog.json"), "w"))
        inst.save()
        bar_log(inst, f"Completed level {level} archive {header['id']}.")
        return 0
    chain = []
    for entry in psm_catalog(inst):  # the newest chain: the last level 0, then the last of each level on it
        if entry["level"] == 0:
            chain = [entry]
        elif chain and len(chain) >= entry["level"] and chain[entry["level"] - 1]["id"] == entry["base"]:
            chain = chain[:entry["level"]] + [entry]
    if not chain:
        print("sim: no backup found in the storage manager.", file=sys.stderr)
        return 100
    archives = []
    for entry in chain:
        with open(os.path.join(psm_dir(inst), entry["id"] + ".obj"), "rb") as handle:
            try:
                archives.extend(decode_archives(handle.read()))
            except Fail as exc:
                print(str(exc), file=sys.stderr)
                return 2
    if "-v" in argv:
        bar_log(inst, f"Verified {len(archives)} archive(s); archecker reports them restorable.")
        return 0
    if "-r" in argv:
        if inst.mode != "Off-Line":
            print("sim: cold restore needs the server off-line.", file=sys.stderr)
            return 123
        finish_restore(inst, archives, "Quiescent")
        bar_log(inst, "Completed cold restore.")
        return 0
    raise Fail("Usage: onbar {-b [-L 0|1|2] | -v | -r}")


PROGRAMS = {"onbar": onbar, "ontape": ontape, "onstat": onstat, "onmode": onmode, "oninit": oninit,
            "dbaccess": dbaccess, "cdr": cdr}


def main(argv):
    program = os.path.basename(argv[1])
    if os.environ.get("IFXSIM_DRIVES"):  # a Windows server's Informix writes its locale's code page, en_us.1252
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(encoding="cp1252", errors="replace")
    try:
        pump_from_environment()
        return PROGRAMS[program](argv[2:])
    except Fail as exc:
        sys.stdout.flush()
        # ontape talks on stdout unless stdout carries the archive (STDIO).
        to_stdout = program == "ontape" and "STDIO" not in argv
        print(str(exc), file=sys.stdout if to_stdout else sys.stderr)
        return exc.rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
