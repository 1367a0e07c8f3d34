# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# The POSIX host executor: the primitives of _executor.OPERATIONS, nothing else. The Target seam
# sends this file's source to the host's Python on stdin with a batch as JSON, so it stays
# self-contained (standard library only, no imports from the collection). No decision is made
# here: what to run, what the output means and what to do next is the controller's.
import fnmatch
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

ENCODINGS = {"utf-8": "utf-8", "latin-1": "latin-1", "oem": "utf-8"}  # POSIX programs write the locale's UTF-8


class OpError(Exception):
    """The operation failed; the message is the one line the controller shows."""


def _encoding(op):
    name = op.get("encoding") or "utf-8"
    if name not in ENCODINGS:
        raise OpError(f"unknown encoding {name!r}")
    return ENCODINGS[name]


def _under(root, path):
    """path, when its folder (links followed) lies in or below root; an OpError otherwise. The last part
    itself is not followed, so a link in root is the link, never what it leads to."""
    real_root = os.path.realpath(root).rstrip(os.sep) + os.sep
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path))) + os.sep
    if not folder.startswith(real_root) or os.path.basename(path) in ("", ".", ".."):
        raise OpError(f"{path} is not below {root}")
    return path


def _sha256(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _start(op, stdin, stdout, stderr):
    env = dict(os.environ, **{k: str(v) for k, v in (op.get("env") or {}).items()})
    try:  # a session of its own, so the timeout ends the whole process tree
        return subprocess.Popen(op["argv"], env=env, cwd=op.get("cwd"), stdin=stdin, stdout=stdout, stderr=stderr,
                                start_new_session=True)
    except OSError as exc:
        raise OpError(f"{op['argv'][0]} could not be started: {exc.strerror}") from None


def _end_tree(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def op_run(op):
    encoding = _encoding(op)
    stdin = open(op["stdin_file"], "rb") if op.get("stdin_file") else subprocess.PIPE
    stdout = open(op["stdout_file"], "xb") if op.get("stdout_file") else subprocess.PIPE
    try:
        proc = _start(op, stdin, stdout, subprocess.PIPE if op.get("stdout_file") else subprocess.STDOUT)
        timed_out = False
        try:
            text = proc.communicate(input=(op.get("stdin_text") or "").encode(encoding) if stdin is subprocess.PIPE
                                    else None, timeout=op["timeout"])
        except subprocess.TimeoutExpired:
            _end_tree(proc)
            timed_out, text = True, (b"", b"")
        output = (text[1] if op.get("stdout_file") else text[0]) or b""
    finally:
        for handle in (stdin, stdout):
            if handle is not subprocess.PIPE:
                handle.close()
    result = {"rc": proc.returncode, "output": output.decode(encoding, errors="replace"), "timed_out": timed_out}
    if op.get("stdout_file"):
        result["stdout_sha256"], result["stdout_size"] = _sha256(op["stdout_file"])
    return result


def op_prompted(op):
    encoding, stage = _encoding(op), op.get("stage") or {}
    files = stage.get("files") or []
    proc = _start(op, subprocess.PIPE, subprocess.PIPE, subprocess.STDOUT)
    transcript, consumed, due, answered = "", 0, None, set()
    deadline = time.monotonic() + op["timeout"]
    secrets = op.get("secrets") or {}
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OpError(f"{os.path.basename(op['argv'][0])} did not finish within {op['timeout']} seconds")
            ready = select.select([proc.stdout], [], [], min(remaining, 1.0))[0]
            if ready:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                transcript += chunk.decode(encoding, errors="replace")
            found = None
            for index, entry in enumerate(op["prompts"]):
                match = re.search(entry[0], transcript[consumed:], re.I)
                if match and (found is None or match.start() < found[0].start()):
                    found = (match, entry, index)
            if found is None:
                if not ready and proc.poll() is not None:
                    break
                continue
            match, entry, index = found
            consumed += match.end()
            reply = entry[1]
            if reply == "abort":
                raise OpError(f"it asked a question the table does not answer: {match.group(0)!r}")
            if "once" in entry[2:] and index in answered:
                raise OpError(f"it asked again for {match.group(0)!r}: the answer was refused")
            answered.add(index)
            if reply == "return":
                if due is not None:
                    shutil.copyfile(files[due], stage["target"])
                    due = None
                reply = ""
            elif reply == "level":
                level = int(match.group(1))
                due = level if level < len(files) else None
                reply = "y" if due is not None else "n"
            elif reply.startswith("secret:"):
                reply = secrets.get(reply[len("secret:"):], "")
            try:
                proc.stdin.write((reply + "\n").encode(encoding))
                proc.stdin.flush()
            except BrokenPipeError:  # it stopped reading; its exit code and output say why
                pass
    except OpError as exc:
        _end_tree(proc)
        raise OpError(f"{exc}; {os.path.basename(op['argv'][0])} was stopped. Output: {transcript[-500:]}") from None
    proc.wait()
    unanswered = [e[0] for i, e in enumerate(op["prompts"]) if "once" in e[2:] and i not in answered]
    return {"rc": proc.returncode, "output": transcript, "tail": transcript[consumed:], "unanswered": unanswered}


def op_read(op):
    if not os.path.isfile(op["path"]):
        return {"exists": False}
    with open(op["path"], "rb") as handle:
        raw = handle.read()
    return {"exists": True, "content": raw.decode(_encoding(op), errors="replace"), "sha256": hashlib.sha256(raw).hexdigest()}


def op_write(op):
    path, data = op["path"], op["content"].encode(_encoding(op))
    current = open(path, "rb").read() if os.path.isfile(path) else None
    if current == data:
        return {"changed": False, "backup_file": None}
    if op.get("expected_sha256") is not None and hashlib.sha256(current or b"").hexdigest() != op["expected_sha256"] \
            and not (current is None and op["expected_sha256"] == ""):
        raise OpError(f"{path} changed since it was read; nothing written")
    backup = None
    if op.get("backup") and current is not None:
        backup = f"{path}.{time.strftime('%Y%m%d%H%M%S')}.bak"
        shutil.copy2(path, backup)
    tmp = f"{path}.{os.getpid()}.partial"
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return {"changed": True, "backup_file": backup}


def op_list(op):
    if not os.path.isdir(op["path"]):
        return {"exists": False, "entries": []}
    entries = []
    for name in sorted(os.listdir(op["path"])):
        if not fnmatch.fnmatchcase(name, op.get("pattern") or "*"):
            continue
        full = os.path.join(op["path"], name)
        entries.append({"name": name, "dir": os.path.isdir(full), "link": os.path.islink(full),
                        "size": os.lstat(full).st_size})
    return {"exists": True, "entries": entries}


def op_stat(op):
    path = op["path"]
    if not os.path.lexists(path):
        return {"exists": False, "dir": False, "link": False}
    return {"exists": True, "dir": os.path.isdir(path), "size": os.lstat(path).st_size, "link": os.path.islink(path),
            "resolved": os.path.realpath(path)}


def op_hash(op):
    if not os.path.isfile(op["path"]):
        return {"exists": False}
    sha256, size = _sha256(op["path"])
    return {"exists": True, "sha256": sha256, "size": size}


def op_mkdir(op):
    if os.path.isdir(op["path"]):
        return {"created": False}
    os.makedirs(op["path"])
    return {"created": True}


def op_remove(op):
    path = op["path"]
    if not os.path.lexists(path):
        return {"removed": False}
    _under(op["root"], path)
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
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {} if os.path.exists(path) else None


def op_lock(op):
    path = op["path"]
    held = _read_lock(path)
    if held is not None and op.get("break_token") and held.get("token") == op["break_token"]:
        os.remove(path)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return {"acquired": False, "holder": _read_lock(path) or {}}
    with os.fdopen(fd, "w") as handle:
        json.dump(dict(op["record"], host=socket.gethostname(), pid=os.getpid()), handle)
    return {"acquired": True}


def op_unlock(op):
    held = _read_lock(op["path"])
    if held and held.get("token") == op["token"]:
        os.remove(op["path"])
        return {"released": True}
    return {"released": False}


def op_service(op):
    raise OpError(f"service {op['name']}: POSIX hosts are driven by ansible.builtin.service, not the executor")


OPERATIONS = {"run": op_run, "prompted": op_prompted, "read": op_read, "write": op_write, "list": op_list,
              "stat": op_stat, "hash": op_hash, "mkdir": op_mkdir, "remove": op_remove, "move": op_move,
              "lock": op_lock, "unlock": op_unlock, "service": op_service}


def _one(op):
    name = op.get("op")
    try:
        if name not in OPERATIONS:
            raise OpError(f"operation {name!r} is not offered on this host")
        return dict(OPERATIONS[name](op), op=name, ok=True)
    except OpError as exc:
        return {"op": name, "ok": False, "error": str(exc)}
    except OSError as exc:
        return {"op": name, "ok": False, "error": f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")}


def run_batch(batch, secrets=None):
    """The operations in order, up to the first that fails; then every cleanup operation."""
    results, failed_at = [], None
    for index, op in enumerate(batch.get("ops", [])):
        if op.get("op") == "prompted":
            op = dict(op, secrets=secrets or {})
        results.append(_one(op))
        if not results[-1]["ok"]:
            failed_at = index
            break
    cleanup = [_one(op) for op in batch.get("cleanup", [])]
    return {"results": results, "cleanup": cleanup, "failed_at": failed_at}


def main(argv):
    try:
        batch = json.loads(argv[1]) if len(argv) > 1 else json.load(sys.stdin)
        result = run_batch(batch, globals().get("SECRETS"))
    except Exception as exc:  # an unforeseen fault still reaches the controller as one readable line
        result = {"results": [], "cleanup": [], "failed_at": 0, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
