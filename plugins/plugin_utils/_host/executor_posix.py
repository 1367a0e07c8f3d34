# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: The POSIX host executor: the primitives of contract.OPERATIONS, nothing else. The Target seam sends this
# file's source to the host's Python on stdin with a batch as JSON, so it stays self-contained (standard library
# only). No decision is made here: what to run, what the output means and what to do next is the controller's.
import contextlib
import fcntl
import fnmatch
import hashlib
import json
import os
import pathlib
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from datetime import datetime, timezone

ENCODINGS = {"utf-8": "utf-8", "latin-1": "latin-1", "oem": "utf-8"}  # POSIX programs write the locale's UTF-8
SECRET_VALUES = {}  # the batch's secrets by key, for secret_env and "secret:" replies
# live: lock path -> the live handle the running batch holds (op_lock), closed when it ends; one per thread, as a
# process may run several batches at once (a test, the lab's one-process host).
_BATCH = threading.local()
# How long the output may stay open once the program ended (executor.ps1's $heldOutputGraceSeconds).
HELD_OUTPUT_GRACE_SECONDS = 5
# contract.CHANGED_SINCE_CHECKED: a file fed or copied against a checksum whose bytes are not the checksum's.
CHANGED_SINCE_CHECKED = ("{path}: its checksum is not the manifest's: it changed since it was checked; "
                         "nothing was restored")


class OpError(Exception):
    """The operation failed; the message is the one line the controller shows."""


def _encoding(op):
    name = op.get("encoding") or "utf-8"
    if name not in ENCODINGS:
        raise OpError(f"unknown encoding {name!r}")
    return ENCODINGS[name]


def _encoded(text, op):
    """text as the program reads it. With encoding oem, a character the simulated Windows host's OEM code page
    cannot hold is refused, as executor.ps1 refuses it: the lab's stand-in names that page in OEM_CODE_PAGE (cp850,
    cp437) atop this file; a POSIX host itself writes UTF-8 and refuses nothing."""
    page = globals().get("OEM_CODE_PAGE")
    if op.get("encoding") == "oem" and page:
        try:
            text.encode(page)
        except UnicodeEncodeError as exc:
            raise OpError(f"{text[exc.start]!r} cannot be written in the OEM code page {page}") from None
    return text.encode(_encoding(op))


def _under(root, path):
    """path, when its folder (links followed) lies in or below root; an OpError otherwise. The last part
    itself is not followed, so a link in root is the link, never what it leads to."""
    if not root:
        raise OpError(f"{path} is not below an empty root")
    real_root = os.path.realpath(root).rstrip(os.sep) + os.sep
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path))) + os.sep
    if not folder.startswith(real_root) or os.path.basename(path) in ("", ".", ".."):
        raise OpError(f"{path} is not below {root}")
    return path


def _replace(path, data=None, src=None):
    """path written whole or not at all: a temporary file beside it (data, or a copy of src), then a rename."""
    tmp = f"{path}.{os.getpid()}.partial"
    if src is not None:
        shutil.copyfile(src, tmp)
    else:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(tmp, path)


def _sha256(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _start(op, stdin, stdout, stderr):
    env = dict({k: str(v) for k, v in (op.get("env_defaults") or {}).items()}, **os.environ)
    env.update({k: str(v) for k, v in (op.get("env") or {}).items()})
    env.update({name: SECRET_VALUES.get(key, "") for name, key in (op.get("secret_env") or {}).items()})
    try:  # a session of its own, so the timeout ends the whole process tree
        return subprocess.Popen(op["argv"], env=env, cwd=op.get("cwd"), stdin=stdin, stdout=stdout, stderr=stderr,
                                start_new_session=True)
    except OSError as exc:
        raise OpError(f"{op['argv'][0]} could not be started: {exc.strerror}") from None


def _end_tree(proc):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _feed(proc, text, handles):  # stdin_text, then each stdin file; then stdin is closed (or it stopped reading)
    with contextlib.suppress(OSError):
        proc.stdin.write(text)
        for handle in handles:
            shutil.copyfileobj(handle, proc.stdin, 1 << 20)
    with contextlib.suppress(OSError):
        proc.stdin.close()


def _collect(proc, stdin_data, handles, streams, timeout):
    """(output, each stream's bytes, timed_out): stdin fed and every stream read by threads of their own, so none
    blocks another. output holds the streams' chunks in the order they arrived."""
    merged, alone, arrival = [], [[] for stream in streams], threading.Lock()

    def read(index, stream):
        for chunk in iter(lambda: stream.read1(65536), b""):
            with arrival:
                merged.append(chunk)
                alone[index].append(chunk)

    feeder = threading.Thread(target=_feed, args=(proc, stdin_data, handles), daemon=True)
    readers = [threading.Thread(target=read, args=(i, s), daemon=True) for i, s in enumerate(streams)]
    for thread in [feeder, *readers]:
        thread.start()
    deadline, timed_out = time.monotonic() + timeout, False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    # Once the program ended, a child still holding its output is waited for only briefly, not to the deadline.
    held_until = min(deadline, time.monotonic() + HELD_OUTPUT_GRACE_SECONDS)  # one grace for all the streams
    for reader in readers:
        reader.join(max(0.0, held_until - time.monotonic()))
    if timed_out or any(reader.is_alive() for reader in readers):  # the program, or a child holding its output
        _end_tree(proc)
        for reader in readers:
            reader.join(5)
    with arrival:
        return b"".join(merged), [b"".join(chunks) for chunks in alone], timed_out


def _held_as_checked(paths, checksums, key="stdin_sha256", kind="stdin"):
    """Each stdin (or staged) file opened once, hashed, compared and rewound before the program starts: the fd is
    what is fed or staged, so a rename-swap on the share does not reach it (POSIX cannot refuse writers; Windows holds
    it shared Read)."""
    if checksums is not None and len(checksums) != len(paths):
        raise OpError(f"{key} must name one checksum per {kind} file")
    handles = []
    try:
        for index, path in enumerate(paths):
            handles.append(open(path, "rb"))  # each must be there before it starts
            if checksums is None:
                continue
            digest = hashlib.sha256()
            for block in iter(lambda: handles[-1].read(1 << 20), b""):
                digest.update(block)
            if digest.hexdigest() != str(checksums[index]).lower():
                raise OpError(CHANGED_SINCE_CHECKED.format(path=path))
            handles[-1].seek(0)
    except BaseException:
        for handle in handles:
            handle.close()
        raise
    return handles


def op_run(op):
    encoding, to_file = _encoding(op), op.get("stdout_file")
    stdin_data = _encoded(op.get("stdin_text") or "", op)  # refused before anything starts, as on Windows
    handles = _held_as_checked(op.get("stdin_files") or [], op.get("stdin_sha256"))
    try:
        stdout = open(to_file, "xb") if to_file else subprocess.PIPE
    except BaseException:
        for handle in handles:
            handle.close()
        raise
    try:
        proc = _start(op, subprocess.PIPE, stdout, subprocess.PIPE)
        streams = [proc.stderr] if to_file else [proc.stdout, proc.stderr]
        output, alone, timed_out = _collect(proc, stdin_data, handles, streams, op["timeout"])
    finally:
        for handle in handles + ([] if stdout is subprocess.PIPE else [stdout]):
            handle.close()
    # Each stream alone too: the merged order differs between hosts (docs/windows.md), what each stream says does not.
    texts = [chunk.decode(encoding, errors="replace") for chunk in alone]
    result = {"rc": proc.returncode, "output": output.decode(encoding, errors="replace"), "timed_out": timed_out,
              **dict(zip(["stderr"] if to_file else ["stdout", "stderr"], texts))}
    if op.get("ok_rc") is not None and proc.returncode not in op["ok_rc"]:
        result["halt"] = True
    if to_file:
        result["stdout_sha256"], result["stdout_size"] = _sha256(to_file)
    return result


class _Conversation:
    """A prompted program's transcript and what was answered so far (contract.OPERATIONS["prompted"])."""

    def __init__(self, op, encoding, held=()):
        self.op = op
        self.encoding = encoding
        self.stage = op.get("stage") or {}
        self.files = self.stage.get("files") or []
        self.held = list(held)  # with stage.sha256: each staged file, open and checked before the program started
        self.transcript = ""
        self.consumed = 0  # the transcript before this was answered already
        self.due = None  # the index of the staged file a "return" copies to the stage's target first
        self.answered = set()
        self.answers = 0  # answers given, and the prompt text last answered: the stage a stopped program reached
        self.last = ""

    def late(self):
        """The error of a program still running at its deadline, with the stage it reached (contract.PROMPTED_LATE)."""
        name, since = os.path.basename(self.op["argv"][0]), len(self.transcript[self.consumed:].strip())
        return (f"{name} did not finish within {self.op['timeout']} seconds [answered {self.answers}, printed "
                f"{len(self.transcript.strip())}, since the last answer {since}, last answered: {self.last}]")

    def answer(self, match, entry, index):
        """The text that answers the prompt entry matched; a refused or unknown reply raises."""
        self.consumed += match.end()
        reply = entry[1]
        if reply == "abort":
            raise OpError(f"it asked a question the driver does not answer: {match.group(0)!r}")
        if "once" in entry[2:] and index in self.answered:
            raise OpError(f"it asked again for {match.group(0)!r}: the answer was refused")
        self.answered.add(index)
        self.answers += 1
        self.last = match.group(0)
        if reply.startswith("="):  # a literal answer, whatever it spells
            return reply[1:]
        if reply == "return":
            if self.due is not None and self.held:  # hashed again as it is copied: an in-place write is caught too
                _copy_checked(self.files[self.due], self.stage["target"], self.stage["sha256"][self.due],
                              self.held[self.due])
            elif self.due is not None:
                shutil.copyfile(self.files[self.due], self.stage["target"])
            self.due = None
            return ""
        if reply == "level":
            if not match.groups() or match.group(1) is None:
                raise OpError(f"the level prompt {match.group(0)!r} holds no level")
            level = int(match.group(1))
            self.due = level if level < len(self.files) else None
            return "y" if self.due is not None else "n"
        if reply.startswith("secret:"):
            return SECRET_VALUES.get(reply[len("secret:"):], "")
        raise OpError(f"the reply {reply!r} is neither =<text> nor return, level, abort or secret:<key>")

    def unanswered(self):
        prompts = self.op["prompts"]
        return [e[0] for i, e in enumerate(prompts) if "once" in e[2:] and i not in self.answered]


def _earliest_prompt(prompts, text):
    """(match, entry, index) of the table's prompt that shows first in text, or None."""
    found = None
    for index, entry in enumerate(prompts):
        match = re.search(entry[0], text, re.I)
        if match and (found is None or match.start() < found[0].start()):
            found = (match, entry, index)
    return found


def _converse(proc, talk, deadline):
    """Answers the program's prompts until it closes its output, or ends with no prompt left in it."""
    op = talk.op
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OpError(talk.late())
        ready = select.select([proc.stdout], [], [], min(remaining, 1.0))[0]
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                return
            talk.transcript += chunk.decode(talk.encoding, errors="replace")
        found = _earliest_prompt(op["prompts"], talk.transcript[talk.consumed:])
        if found is None:
            if not ready and proc.poll() is not None:
                return
            continue
        reply = talk.answer(*found)
        with contextlib.suppress(BrokenPipeError):  # it stopped reading; its exit code and output say why
            proc.stdin.write(_encoded(reply + "\n", op))
            proc.stdin.flush()


def op_prompted(op):
    stage, encoding = op.get("stage") or {}, _encoding(op)
    checksums = stage.get("sha256")
    # With stage.sha256 every staged file is checked before the program starts: a mismatch never starts it.
    held = [] if checksums is None else _held_as_checked(stage.get("files") or [], checksums, "stage.sha256", "staged")
    talk = _Conversation(op, encoding, held)
    with contextlib.ExitStack() as closing:  # the staged files stay held until the program ended
        for handle in held:
            closing.enter_context(handle)
        proc = _start(op, subprocess.PIPE, subprocess.PIPE, subprocess.STDOUT)
        deadline = time.monotonic() + op["timeout"]
        try:
            _converse(proc, talk, deadline)
            try:  # its output closed, it may still wait (on the console): the deadline holds here too
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise OpError(talk.late()) from None
        except Exception as exc:  # whatever went wrong, the program does not outlive the operation
            _end_tree(proc)
            why = exc if isinstance(exc, OpError) else f"{type(exc).__name__}: {exc}"
            name = os.path.basename(op["argv"][0])
            raise OpError(f"{why}; {name} was stopped. Output: {talk.transcript[-500:]}") from None
    transcript = talk.transcript
    return {"rc": proc.returncode, "output": transcript, "tail": transcript[talk.consumed:],
            "unanswered": talk.unanswered()}


def op_read(op):
    encoding = _encoding(op)  # an unknown one is refused before anything is read, as on Windows
    if os.path.isdir(op["path"]):  # a folder: no file, and the reason it is none
        return {"exists": False, "dir": True}
    if not os.path.isfile(op["path"]):
        return {"exists": False}
    raw = pathlib.Path(op["path"]).read_bytes()
    content = raw.decode(encoding, errors="replace")
    return {"exists": True, "content": content, "sha256": hashlib.sha256(raw).hexdigest()}


def op_write(op):
    path, data = op["path"], _encoded(op["content"], op)
    if op.get("append"):
        with open(path, "ab") as handle:
            handle.write(data)
        return {"changed": bool(data), "backup_file": None}
    current = open(path, "rb").read() if os.path.isfile(path) else None
    if current == data:
        return {"changed": False, "backup_file": None}
    if op.get("expected_sha256") is not None and hashlib.sha256(current or b"").hexdigest() != op["expected_sha256"] \
            and not (current is None and op["expected_sha256"] == ""):
        raise OpError(f"{path} changed since it was read; nothing written")
    backup = None
    if op.get("backup") and current is not None:
        backup = f"{path}.{time.strftime('%Y%m%d%H%M%S')}.bak"
        if os.path.lexists(backup):  # as on Windows: an earlier backup is never replaced
            raise OpError(f"{backup} exists; nothing written")
        shutil.copy2(path, backup)
    _replace(path, data)
    return {"changed": True, "backup_file": backup}


def op_list(op):
    if not os.path.isdir(op["path"]):
        return {"exists": False, "entries": []}
    entries = []
    for name in sorted(fnmatch.filter(os.listdir(op["path"]), op.get("pattern") or "*")):  # case-sensitive here
        full = os.path.join(op["path"], name)
        entry = {"name": name, "dir": os.path.isdir(full), "link": os.path.islink(full), "size": os.lstat(full).st_size}
        found = re.search(op["read_names"], name) if op.get("read_names") else None  # as .NET's Regex.Match
        wanted = not op.get("read_names") or (found and found.span() == (0, len(name)))
        if op.get("read") and wanted and os.path.isfile(full):
            limit = op.get("read_max")
            with open(full, "rb") as handle:  # never more than read_max + 1 bytes: it may grow after the listing
                raw = handle.read() if limit is None else handle.read(limit + 1)
            if limit is not None and len(raw) > limit:  # a file that is no manifest is never shipped whole
                entry["too_large"] = True
            else:
                entry.update(content=raw.decode(_encoding({"encoding": op["read"]}), errors="replace"),
                             sha256=hashlib.sha256(raw).hexdigest())
        entries.append(entry)
    return {"exists": True, "entries": entries}


def op_stat(op):  # a link that leads nowhere exists as a link (dangling), as on Windows; resolved follows every link
    path = op["path"]
    if not os.path.lexists(path):
        return {"exists": False, "dir": False, "link": False}
    dangling = not os.path.exists(path)
    opened = None if dangling else os.stat(path)  # what it opens, whatever the path spells
    return {"exists": True, "dir": os.path.isdir(path), "size": os.lstat(path).st_size, "link": os.path.islink(path),
            "dangling": dangling, "resolved": None if dangling else os.path.realpath(path),
            "identity": None if opened is None else f"{opened.st_dev:x}:{opened.st_ino:x}"}


def op_hash(op):
    if not os.path.isfile(op["path"]):
        return {"exists": False}
    return dict(zip(("sha256", "size"), _sha256(op["path"])), exists=True)


def op_mkdir(op):
    if os.path.islink(op["path"]):  # the collection never writes through a link (it may lead to another's folder)
        raise OpError(f"{op['path']} is a link (symbolic link or junction); the collection writes into real folders "
                      "only")
    # Nor below one: every folder above it is asked, topmost first, but "/" and the top-level folder (/tmp, /var),
    # which the machine's own layout may link (macOS: /tmp -> /private/tmp), as a Windows drive root is not asked.
    parts = pathlib.PurePosixPath(os.path.abspath(op["path"])).parts  # ("/", "tmp", ..., the path's own name)
    for depth in range(3, len(parts)):
        above = os.path.join(*parts[:depth])
        if os.path.islink(above):
            raise OpError(f"{op['path']} lies below {above}, a link (symbolic link or junction); the collection "
                          "writes into real folders only")
    created = not os.path.isdir(op["path"])
    os.makedirs(op["path"], exist_ok=True)
    return {"created": created}


def op_remove(op):
    path = _under(op["root"], op["path"])  # refused outside the root even when it does not exist, as on Windows
    if not os.path.lexists(path):
        return {"removed": False}
    if os.path.isdir(path) and not os.path.islink(path):
        raise OpError(f"{path} is a folder; only files are removed")
    os.remove(path)
    return {"removed": True}


def op_move(op):
    for key in ("src", "dest"):
        _under(op["root"], op[key])
    if not os.path.exists(op["src"]):
        return {"moved": False}
    os.replace(op["src"], op["dest"])
    return {"moved": True}


def _read_lock(path):
    """The lock's record; {} when it is empty or unreadable; None when there is none."""
    try:
        with open(path, encoding="utf-8-sig") as handle:  # a BOM, as Notepad saves it, is no damage
            held = json.load(handle)
    except (OSError, ValueError):
        return {} if os.path.exists(path) else None
    return held if isinstance(held, dict) else {}


def pid_runs(pid):
    """Whether a process of this host still runs (the controller asks it of its own workers too)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True
    return not _zombie(int(pid))


def _zombie(pid):
    """An ended process its parent has not reaped yet still answers kill(0): it holds nothing any more."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _breakable(held, break_token):
    """Asked only while this batch holds the lock's live handle: no batch that took or renewed it still runs."""
    if not held:
        return True  # empty or unreadable: its writer died while writing it
    try:
        # Written by an earlier executor (no owner: batch, a scheduled task's old copy): its rules, its process
        # holding it without a lease or against its token (an expired lease still ends it).
        earlier = held.get("owner") is None and held.get("pid") is not None and held.get("host") == socket.gethostname()
        as_it_was = bool(break_token) and held.get("token") == break_token or held.get("expires") is None
        if earlier and as_it_was and pid_runs(held["pid"]):
            return False
        if break_token and held.get("token") == break_token:  # this run's, or the hand-over it was given
            return True
        if held.get("expires") is not None:
            return time.time() > float(held["expires"])
        int(held.get("pid"))  # a record of the wrong shape: nobody wrote it as a lock
        return held.get("host") == socket.gethostname()  # it lived as long as its batch, which has ended
    except (TypeError, ValueError):
        return False  # not a lock this collection wrote, so it is not broken


def _claim_live(path):
    """<path>.live locked exclusively, the lock's owner while its batch runs (flock: a second open conflicts even in
    this process, and the system releases it when the process dies); None while another batch holds it."""
    handle = open(path + ".live", "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


@contextlib.contextmanager
def _guard(path):
    with open(path + ".guard", "a") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # released when the guard is closed, whatever happened
        yield


def op_lock(op):
    path = op["path"]
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    record = dict(op["record"], host=socket.gethostname(), pid=os.getpid(), started=started, owner="batch")
    if op.get("ttl") is not None:
        record["expires"] = time.time() + op["ttl"]
    with _guard(path):
        held = _read_lock(path)
        if op.get("renew") and (not held or held.get("token") != op.get("break_token")):
            return {"acquired": False, "holder": held or {}, "halt": True}  # not this run's any more
        live = _claim_live(path)
        if live is None:  # the batch that took it still runs
            return {"acquired": False, "holder": held or {}, "live": True, "halt": True}
        try:
            if held is not None and _breakable(held, op.get("break_token")):
                os.remove(path)
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:  # not breakable, and no batch of it runs
                return {"acquired": False, "holder": _read_lock(path) or {}, "live": False, "halt": True}
            with os.fdopen(fd, "w") as handle:
                json.dump(record, handle)
            if op.get("hold", True):  # held live to the end of this batch; without, only the lease or token holds it
                _BATCH.live[path], live = live, None
        finally:
            if live is not None:
                live.close()
    return {"acquired": True}


def op_lock_live(op):
    """Whether a batch holds <path>.live now; read-only: no file is created, and under the guard (when there is one)
    so a batch taking the lock meanwhile never finds the handle briefly held by this question."""
    path = op["path"]
    if not os.path.exists(path + ".live"):
        return {"live": False}  # never held: the lock op creates it
    with contextlib.ExitStack() as stack:
        if os.path.exists(path + ".guard"):
            guard = stack.enter_context(open(path + ".guard"))
            fcntl.flock(guard, fcntl.LOCK_EX)
        live = stack.enter_context(open(path + ".live"))
        try:
            fcntl.flock(live, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return {"live": True}
    return {"live": False}


def op_unlock(op):
    with _guard(op["path"]):
        released = (_read_lock(op["path"]) or {}).get("token") == op["token"]
        if released:
            os.remove(op["path"])
            live = _BATCH.live.pop(op["path"], None)  # this batch's own: the lock is no batch's any more
            if live is not None:
                live.close()
    return {"released": released}


def op_copy(op):
    if not os.path.isfile(op["src"]):
        return {"copied": False}
    os.makedirs(os.path.dirname(op["dest"]) or ".", exist_ok=True)
    if op.get("sha256") is None:
        _replace(op["dest"], src=op["src"])
    else:
        _copy_checked(op["src"], op["dest"], op["sha256"])
    return {"copied": True}


def _copy_checked(src, dest, checksum, held=None):
    """src (or the handle held on it, rewound) copied beside dest, each byte hashed as it is read; renamed over dest
    only when the hash is checksum."""
    tmp, digest = f"{dest}.{os.getpid()}.partial", hashlib.sha256()
    if held is not None:
        held.seek(0)
    try:
        with contextlib.nullcontext(held) if held is not None else open(src, "rb") as source, open(tmp, "wb") as copy:
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
                copy.write(block)
        if digest.hexdigest() != str(checksum).lower():
            raise OpError(CHANGED_SINCE_CHECKED.format(path=src))
        os.replace(tmp, dest)
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)


def _inside(dest, name):
    parts = [x for x in name.replace("\\", "/").split("/") if x]
    if not parts or ".." in parts or name.startswith(("/", "\\")) or ":" in parts[0]:
        raise OpError(f"zip entry {name!r} is not a path inside {dest}")
    return os.path.join(dest, *parts)


UTF8_NAME_FLAG = 0x800  # general purpose bit 11: the entry's name is UTF-8


def op_unzip(op):
    if not os.path.isfile(op["archive"]):
        return {"exists": False, "files": {}}
    try:
        kit = zipfile.ZipFile(op["archive"])
    except zipfile.BadZipFile:
        raise OpError(f"{op['archive']} is not a zip file") from None
    with kit:
        infos = [i for i in kit.infolist() if not i.is_dir()]
        for info in infos:  # unflagged, a name's code page is unknown: cp437 here, the ANSI one on Windows
            if not (info.flag_bits & UTF8_NAME_FLAG or info.filename.isascii()) or "\ufffd" in info.filename:
                raise OpError(f"zip entry {info.filename!r} is named neither in ASCII nor in flagged UTF-8")
        files = {i.filename: hashlib.sha256(kit.read(i)).hexdigest() for i in infos}
        if op.get("dest"):
            wanted = op.get("entries")
            missing = sorted(set(wanted or ()) - set(files))
            if missing:
                raise OpError(f"{op['archive']} holds no entry {missing[0]!r}")
            for info in infos:
                if wanted is None or info.filename in wanted:
                    target = _under(op["dest"], _inside(op["dest"], info.filename))  # no link inside dest either
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    _replace(target, kit.read(info))
    return {"exists": True, "files": files}


def op_env(op):
    if (op.get("scope") or "process") not in ("process", "machine"):
        raise OpError(f"unknown scope {op['scope']!r}")
    return {"values": {name: os.environ.get(name) for name in op["names"]}, "computer_name": socket.gethostname()}


OPERATIONS = {"run": op_run, "prompted": op_prompted, "read": op_read, "write": op_write, "list": op_list,
              "stat": op_stat, "hash": op_hash, "mkdir": op_mkdir, "remove": op_remove, "move": op_move,
              "lock": op_lock, "lock_live": op_lock_live, "unlock": op_unlock, "copy": op_copy, "unzip": op_unzip,
              "env": op_env}


# as contract.what_if_refusal, which this file cannot import
WHAT_IF_READS = ("read", "list", "stat", "hash", "env", "lock_live")


def _what_if_refusal(op, read_only):
    """Why an operation may not run under what-if (check mode), or None when it only reads."""
    name = op.get("op")
    if name in WHAT_IF_READS or (name == "unzip" and not op.get("dest")):
        return None
    if name == "run" and read_only and not op.get("stdout_file"):
        return None
    return f"{name} is refused under what-if (check mode): it may write"


def _one(op, what_if=False, read_only=False):
    name = op.get("op")
    try:
        if name not in OPERATIONS:
            raise OpError(f"operation {name!r} is not offered on this host")
        refusal = _what_if_refusal(op, read_only) if what_if else None
        if refusal:
            raise OpError(refusal)
        return dict(OPERATIONS[name](op), op=name, ok=True)
    except OSError as exc:
        return {"op": name, "ok": False, "error": f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")}
    except Exception as exc:  # an unforeseen fault fails this operation only; the batch's cleanup still runs
        error = str(exc) if isinstance(exc, OpError) else f"{type(exc).__name__}: {exc}"
        return {"op": name, "ok": False, "error": error}


def run_batch(batch, secrets=None):
    """The operations in order, up to the first that fails; then every cleanup operation."""
    _BATCH.live = {}
    try:
        return _run_batch(batch, secrets)
    finally:  # the locks it took live are no batch's any more, whether this process lives on or not
        for live in _BATCH.live.values():
            live.close()
        _BATCH.live = {}


def _run_batch(batch, secrets):
    if secrets is not None:
        SECRET_VALUES.clear()
        SECRET_VALUES.update(secrets)
    stamp = None
    if batch.get("stamp"):  # each run of a saved batch names its files by the time it started
        now = datetime.now(timezone.utc)
        stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}"
        batch = json.loads(json.dumps(batch).replace(batch["stamp"], stamp))
    mode = {"what_if": bool(batch.get("what_if")), "read_only": bool(batch.get("read_only"))}
    results, failed_at = [], None
    deadline = time.monotonic() + batch["time_limit"] if batch.get("time_limit") else None
    for index, op in enumerate(batch.get("ops", [])):
        if deadline is not None and isinstance(op, dict) and op.get("timeout") is not None:
            # a program gets at most the batch's time left (at least a second: it then ends timed out)
            op = dict(op, timeout=max(1, min(op["timeout"], int(deadline - time.monotonic()))))
        results.append(_one(op, **mode))
        if not results[-1]["ok"] or results[-1].get("halt"):
            failed_at = index
            break
    done = {"results": results, "cleanup": [], "failed_at": failed_at, **({"stamp": stamp} if stamp else {})}
    # A scheduled run's record, written while its lock still stands, before the cleanup; never under what-if.
    if batch.get("record") and not mode["what_if"]:
        try:
            _replace(batch["record"], json.dumps(done).encode())
            if batch.get("host_record"):  # the host's own copy, the one the controller trusts (not the share's)
                _replace(batch["host_record"], json.dumps(done).encode())
        except OSError as exc:
            done["error"] = f"the run record could not be written: {exc}"
    done["cleanup"] = [_one(op, **mode) for op in batch.get("cleanup", [])]
    return done


def main(argv):
    """Runs the BATCH the Target defines atop the program, argv[1] (JSON), or @<file>: a saved batch, which
    exits 1 when it failed."""
    given = argv[1] if len(argv) > 1 else ""
    saved = given.startswith("@")
    try:
        text = pathlib.Path(given[1:]).read_text(encoding="utf-8") if saved else given
        batch = json.loads(text) if text else globals()["BATCH"]
        done = run_batch(batch, globals().get("SECRETS") or {})
    except Exception as exc:  # an unforeseen fault still reaches the controller as one readable line
        done = {"results": [], "cleanup": [], "failed_at": 0, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(done))
    if saved and (done["failed_at"] is not None or done.get("error")):
        sys.exit(1)  # cron or the scheduler sees the failure


if __name__ == "__main__":
    main(sys.argv)
