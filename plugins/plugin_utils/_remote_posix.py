# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Remote procedures for POSIX Informix hosts. The Target seam sends this file's source to the
# host's Python (`python -c <source> <procedure> <json>`), so it must stay self-contained: standard
# library only, no imports from the collection. Every rule it applies (success words, archive
# table pattern) comes in the parameters from plugin_utils, so it is written once.
import contextlib
import glob
import hashlib
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone


class Problem(Exception):
    """A failure to report as {"failed": true, "msg": ...}; extra keys are returned too."""

    def __init__(self, msg, **extra):
        super().__init__(msg)
        self.extra = extra


def utc_now():
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def discover_onconfig(etc, server):
    """OSCC names it ONCONFIG.<server>; otherwise the one file whose DBSERVERNAME is the server."""
    for name in (f"ONCONFIG.{server}", f"onconfig.{server}"):
        if os.path.isfile(os.path.join(etc, name)):
            return name
    found = []
    for path in sorted(glob.glob(os.path.join(etc, "ONCONFIG*")) + glob.glob(os.path.join(etc, "onconfig*"))):
        if path.endswith((".std", ".bak", ".partial", "~")) or not os.path.isfile(path):
            continue  # the template, our backups and editor leftovers are never the live file
        with open(path, errors="replace") as handle:
            if re.search(r"^\s*DBSERVERNAME\s+" + re.escape(server) + r"(\s|$)", handle.read(), re.M):
                found.append(path)
    if len(found) != 1:
        raise Problem(f"cannot discover the ONCONFIG of {server} in {etc} "
                      f"({'none' if not found else 'several'} name DBSERVERNAME {server}); give the onconfig option")
    return found[0]


def informix_env(p):
    informixdir = p.get("informixdir") or os.environ.get("INFORMIXDIR")
    server = p.get("informixserver") or os.environ.get("INFORMIXSERVER")
    if not informixdir:
        raise Problem("INFORMIXDIR is not set on the host; give the informixdir option")
    if not server:
        raise Problem("INFORMIXSERVER is not set on the host; give the informixserver option")
    onconfig = p.get("onconfig") or os.environ.get("ONCONFIG")
    etc = os.path.join(informixdir, "etc")
    if not onconfig:
        onconfig = discover_onconfig(etc, server)
    path = onconfig if os.path.isabs(onconfig) else os.path.join(etc, onconfig)
    if not os.path.isfile(path):
        raise Problem(f"ONCONFIG file {path} does not exist")
    env = dict(os.environ, INFORMIXDIR=informixdir, INFORMIXSERVER=server, ONCONFIG=os.path.basename(path)
               if os.path.dirname(path) == etc else path)
    env["PATH"] = os.path.join(informixdir, "bin") + os.pathsep + env.get("PATH", "")
    return env, path


def run(argv, env, stdin=b"", stdout=None, timeout=None):
    """Run a program; returns (rc, text). With stdout given, the text is what it wrote to stderr."""
    try:
        proc = subprocess.run(argv, input=stdin, env=env, stdout=stdout or subprocess.PIPE, check=False,
                              stderr=subprocess.PIPE if stdout else subprocess.STDOUT, timeout=timeout)
    except FileNotFoundError:
        raise Problem(f"{argv[0]} not found in {env['PATH'].split(os.pathsep)[0]}") from None
    except subprocess.TimeoutExpired:
        raise Problem(f"{' '.join(argv)} did not finish within {timeout} seconds") from None
    text = proc.stderr if stdout else proc.stdout
    return proc.returncode, text.decode("utf-8", errors="replace")


def sha256_of(path):
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def write_atomic(path, data):
    tmp = path + ".partial"
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_path(env):
    """One lock per Informix server, on the server itself: whatever destination a backup or a restore uses."""
    return os.path.join(env["INFORMIXDIR"], "etc", f".oscc-{env['INFORMIXSERVER']}.lock")


def read_lock(path):
    try:
        with open(path) as handle:
            lock = json.load(handle)
    except (OSError, ValueError):
        return None if not os.path.exists(path) else {"path": path, "stale": False, "unreadable": True}
    if not isinstance(lock, dict):
        return {"path": path, "stale": False, "unreadable": True}
    lock["path"] = path
    # A backup's process is gone (the run was killed), or a restore's lease has run out.
    try:
        gone = bool(lock.get("pid")) and lock.get("host") == socket.gethostname() and not pid_alive(int(lock["pid"]))
        lock["stale"] = gone or (lock.get("expires") is not None and time.time() > float(lock["expires"]))
    except (TypeError, ValueError):  # a record of the wrong shape: nobody wrote it as a lock
        lock.update(stale=False, unreadable=True)
    return lock


@contextlib.contextmanager
def lock_guard(path):
    """Reading, breaking and creating the lock happen under this guard, one process at a time: two runs that
    both find a stale lock never both take it, and a lock is never read half written."""
    import fcntl

    with open(path + ".guard", "a") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)


def holder_text(lock):
    if lock.get("controller"):
        return f"from controller {lock['controller']}, pid {lock.get('controller_pid')}, since {lock.get('started')}"
    return f"pid {lock.get('pid')} on {lock.get('host')}, since {lock.get('started')}"


def acquire_lock(path, record, break_token=None):
    """Take the lock with `record` (its token releases it). Under the guard a lock that is unreadable was left
    by a run that died while writing it, so it is broken like a stale one."""
    with lock_guard(path):
        lock = read_lock(path)
        if lock and (lock.get("stale") or lock.get("unreadable") or (break_token and lock.get("token") == break_token)):
            os.remove(path)  # its run was killed: nothing guards the server any more
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            holder = read_lock(path) or {}
            raise Problem(f"another {holder.get('operation', 'backup')} is running on this server "
                          f"({holder_text(holder)}); lock {path}", lock=holder) from None
        with os.fdopen(fd, "w") as handle:
            json.dump(dict(record, host=socket.gethostname(), started=utc_now()), handle)
    return path


def release_lock(path, token):
    """Remove the lock only while it is still this run's."""
    with lock_guard(path):
        if (read_lock(path) or {}).get("token") == token:
            os.remove(path)


def check_held(path, token):
    held = read_lock(path) or {}
    if held.get("token") != token:
        raise Problem(f"the server's lock {path} is not held by this run any more ({holder_text(held) if held else 'none'})",
                      lock=held, touched=False)


def lock(p):
    """The lock a restore holds across its round trips: acquired with a lease of ttl seconds, released by its token."""
    path = lock_path(informix_env(p)[0])
    if p["action"] == "release":
        release_lock(path, p["token"])
        return {"changed": True, "path": path}
    record = {k: p.get(k) for k in ("operation", "token", "controller", "controller_pid")}
    acquire_lock(path, dict(record, expires=time.time() + p["ttl"]), p.get("break_token"))
    return {"changed": True, "path": path}


def list_manifests(destination):
    """Every *.json in the destination as it is; the controller decides whose it is and whether to trust it."""
    manifests = []
    for path in sorted(glob.glob(os.path.join(destination, "*.json"))):
        try:
            with open(path) as handle:
                manifest = json.load(handle)
            if not isinstance(manifest, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            manifests.append({"manifest": path, "unreadable": str(exc)[:200]})
            continue
        manifest.update(manifest=path, manifest_link=os.path.islink(path))
        archive = manifest.get("archive")
        if isinstance(archive, str) and archive:
            where = os.path.join(destination, archive)
            manifest.update(archive_link=os.path.islink(where), archive_resolved=os.path.realpath(where))
        manifests.append(manifest)
    return manifests


def server_state(env):
    rc, header = run(["onstat", "-"], env)
    arc = run(["onstat", "-g", "arc"], env)[1] if rc != 255 else ""
    return {"onstat_rc": rc, "onstat": header, "onstat_arc": arc}


# ---------------------------------------------------------------- procedures
def probe(p):
    env, onconfig = informix_env(p)
    with open(onconfig, "rb") as handle:
        raw = handle.read()
    # latin-1 maps every byte to one character, so the text goes back to the host unchanged.
    result = {"onconfig_path": onconfig, "onconfig_text": raw.decode("latin-1"),
              "onconfig_sha256": hashlib.sha256(raw).hexdigest(),
              "environment": {k: env[k] for k in ("INFORMIXDIR", "INFORMIXSERVER", "ONCONFIG")}}
    result.update(server_state(env))
    result.update(computer_name=socket.gethostname(), oscc_version=None,  # OSCC server software runs on Windows only
                  lock=read_lock(lock_path(env)))
    destination = p.get("destination")
    if destination:
        result["destination_exists"] = os.path.isdir(destination)
        result["destination_is_file"] = os.path.exists(destination) and not os.path.isdir(destination)
        if result["destination_exists"]:
            result["destination_resolved"] = os.path.realpath(destination)
            result["manifests"] = list_manifests(destination)
            result["free_bytes"] = shutil.disk_usage(destination).free
        if result["onstat_rc"] != 255:
            result["onstat_d"] = run(["onstat", "-d"], env)[1]
    return result


def ontape_backup(p, env, partial):
    level = str(p["level"])
    method = p["method"]
    if method == "stdio":
        with open(partial, "wb") as handle:
            return run(["ontape", "-s", "-L", level, "-t", "STDIO"], env, stdout=handle, timeout=p["timeout"])
    if method == "directory":
        env = dict(env, IFX_ONTAPE_FILE_PREFIX=p["name"])  # a unique name: nothing of ours is renamed
        rc, text = run(["ontape", "-s", "-L", level, "-d"], env, timeout=p["timeout"])
        produced = os.path.join(p["tapedev"], f"{p['name']}_L{level}")
        if os.path.exists(produced):
            shutil.move(produced, partial)
        return rc, text
    # A single TAPEDEV file is overwritten by every run: move the archive to its own generation at once.
    rc, text = run(["ontape", "-s", "-L", level], env, stdin=b"\n", timeout=p["timeout"])
    if os.path.getsize(p["tapedev"]) > 0:
        shutil.move(p["tapedev"], partial)
        open(p["tapedev"], "wb").close()
    return rc, text


def ontape_to_file(p, env, partial):
    """ontape into <name>.arc.partial, judged by its words; returns (output, sha256, size)."""
    try:
        rc, output = ontape_backup(p, env, partial)
    except OSError as exc:
        rc, output = -1, f"error: {exc}"
    failure = None
    if re.search(p["failure_pattern"], output, re.I):
        failure = "ontape reported a failure"
    elif p["success_text"] not in output:
        failure = "ontape ended without '" + p["success_text"] + "' (interrupted or killed)"
    elif not os.path.exists(partial) or os.path.getsize(partial) == 0:
        failure = "ontape wrote no archive data"
    if failure:
        if os.path.exists(partial):
            os.remove(partial)
        raise Problem(f"backup failed: {failure}; nothing was kept and no older backup was touched",
                      rc=rc, output=output)
    sha256, size = sha256_of(partial)
    return output, sha256, size


def onbar_meaning(p, rc):
    return p["onbar_codes"].get(str(rc), "see BAR_ACT_LOG")


def onbar_backup(p, env):
    """onbar into the storage manager; with verify, onbar -v checks that it can be restored."""
    rc, output = run(["onbar", "-b", "-L", str(p["level"])], env, timeout=p["timeout"])
    if rc == 0 and p["verify"]:
        rc, verified = run(["onbar", "-v"], env, timeout=p["timeout"])
        output += verified
    if rc != 0:
        raise Problem(f"backup failed: onbar returned {rc} ({onbar_meaning(p, rc)}); no older backup was touched",
                      rc=rc, output=output)
    return output


def checkpoint_order(c):
    """As _informix.checkpoint_order: log unique ID, then log position, then the date."""
    return int(c["log"]), int(c["position"], 16) if c.get("position") else -1, c["date"][6:10] + c["date"][0:5] + c["date"][10:]


def last_checkpoint(arc_text, p, level):
    """The server's newest archive of a level in `onstat -g arc`, as {date, log, position}, or None.
    The host's patterns have numbered groups; their names come beside them (arc_row_groups)."""
    rows = [dict(zip(p["arc_row_groups"], m.groups())) for m in
            (re.match(p["arc_row_pattern"], ln.strip()) for ln in arc_text.splitlines()) if m]
    rows = [{"date": r["date"], "log": int(r["log"]), "position": r["position"]} for r in rows if int(r["level"]) == level]
    return max(rows, key=checkpoint_order, default=None)


def plain_name(name):
    return isinstance(name, str) and bool(name) and not re.search(r"[/\\:\x00-\x1f]|\.\.", name)


def backup(p):
    env = informix_env(p)[0]
    destination = p["destination"]
    if os.path.exists(destination) and not os.path.isdir(destination):
        raise Problem(f"destination {destination} is a file, not a directory")
    os.makedirs(destination, exist_ok=True)
    lock = lock_path(env)
    if p.get("lock_token"):  # a restore's safety backup: the restore holds the server's lock
        check_held(lock, p["lock_token"])
    else:
        token = f"backup-{os.getpid()}-{time.time_ns()}"
        acquire_lock(lock, {"operation": "backup", "pid": os.getpid(), "token": token}, p.get("break_token"))
    try:
        # Leftovers of this server's runs that were killed; we hold its lock, so none of them is being written.
        # Other servers' files in a shared destination are never touched.
        own = re.compile(re.escape(env["INFORMIXSERVER"]) + r"_\d{8}T\d{9}_L[012]\.(arc|json)\.partial$")
        for leftover in os.listdir(destination):
            if own.match(leftover):
                os.remove(os.path.join(destination, leftover))
        partial = os.path.join(destination, p["name"] + ".arc.partial")
        taken = [path for path in (partial[:-8], os.path.join(destination, p["name"] + ".json")) if os.path.exists(path)]
        if taken:
            raise Problem(f"{taken[0]} already exists; no backup overwrites another")
        start = utc_now()
        if p["tool"] == "onbar":
            output, sha256, size = onbar_backup(p, env), None, None
        else:
            output, sha256, size = ontape_to_file(p, env, partial)
        state = server_state(env)
        checkpoint = last_checkpoint(state["onstat_arc"], p, p["level"])
        previous = p.get("previous_checkpoint")
        # A new archive starts with a new checkpoint: later in the log than the server's last one of this level.
        if p["verify"] and (checkpoint is None or (previous and checkpoint_order(checkpoint) <= checkpoint_order(previous))):
            if os.path.exists(partial):
                os.remove(partial)
            raise Problem(f"backup not verified: onstat -g arc shows no new level {p['level']} archive", output=output,
                          onstat_arc=state["onstat_arc"])
        dbspaces = run(["onstat", "-d"], env)[1].splitlines()
        chunks = [m.group(1) for m in (re.match(p["chunk_row_pattern"], ln) for ln in dbspaces) if m]
        archive = None
        if p["tool"] == "ontape":
            archive = os.path.join(destination, p["name"] + ".arc")
            os.replace(partial, archive)
        manifest = dict(p["manifest"], start=start, end=utc_now(), size=size, sha256=sha256,
                        archive=os.path.basename(archive) if archive else None,
                        checkpoint=checkpoint, informix_banner=state["onstat"].strip(),
                        verified=bool(p["verify"]), chunks=chunks, ontape_output=output[-4000:])
        manifest_path = os.path.join(destination, p["name"] + ".json")
        # The manifest is written last: its presence is what marks the backup complete.
        write_atomic(manifest_path, json.dumps(manifest, indent=1, sort_keys=True).encode())
        deleted = []
        for name in p.get("delete", []):  # retention names files of this destination only
            path = os.path.join(destination, name)
            if plain_name(name) and os.path.lexists(path) and not os.path.isdir(path):
                os.remove(path)
                deleted.append(path)
        manifest.update(manifest=manifest_path, archive_path=archive)
        return {"changed": True, "manifest": manifest, "deleted": deleted, "output": output,
                "onstat_rc": state["onstat_rc"]}
    finally:
        if not p.get("lock_token"):
            release_lock(lock, token)


def scheduled(p):
    """What the scheduled task runs (manual §6.3.1), with no controller to plan: name the archive,
    record the checkpoint of the archive it builds on (the controller links the chain by it), back
    up, and append one line to the results file. It never deletes anything."""
    try:
        env, onconfig = informix_env(p)
        state = server_state(env)
        if state["onstat_rc"] != 5:
            raise Problem(f"the Informix server is not On-Line (onstat - rc {state['onstat_rc']})")
        level = p["level"]
        base = last_checkpoint(state["onstat_arc"], p, level - 1) if level else None
        if level and base is None:
            raise Problem(f"the server has no level {level - 1} archive for a level {level} backup to build on")
        with open(onconfig, errors="replace") as handle:
            tapedev = next((ln.split()[1] for ln in handle if ln.split()[:1] == ["TAPEDEV"] and len(ln.split()) > 1), None)
        now = datetime.now(timezone.utc)  # the name has the form of _archives.archive_name
        name = f"{env['INFORMIXSERVER']}_{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}_L{level}"
        manifest = dict(p["manifest"], name=name, level=level, parent=None, parent_checkpoint=base,
                        chain=None if level else name, purpose="scheduled", informixserver=env["INFORMIXSERVER"],
                        computer_name=socket.gethostname())
        manifest.setdefault("oscc_version", None)  # OSCC server software runs on Windows only
        result = backup(dict(p, name=name, manifest=manifest, tapedev=tapedev, delete=[],
                             previous_checkpoint=last_checkpoint(state["onstat_arc"], p, level)))
        line = f"{utc_now()} OK level {level} {result['manifest']['manifest']} sha256 {result['manifest']['sha256']}"
    except Problem as exc:
        result = dict(exc.extra, failed=True, msg=str(exc))
        line = f"{utc_now()} FAILED level {p.get('level')}: {exc}"
    with open(p["results_file"], "a") as handle:
        handle.write(line + "\n")
    return result


def verify_archives(p):
    results = []
    for item in p["archives"]:
        entry = {"archive": item["archive"], "ok": False}
        if not os.path.isfile(item["archive"]):
            entry["reason"] = "archive file is missing"
        else:
            sha256, size = sha256_of(item["archive"])
            entry.update(sha256=sha256, size=size)
            if sha256 != item["sha256"] or size != item["size"]:
                entry["reason"] = f"checksum mismatch: manifest {item['sha256']}, file {sha256}"
            else:
                entry["ok"] = True
        results.append(entry)
    return {"archives": results}


def drive_prompts(argv, env, prompts, timeout, secrets=None, stage=None, levels=0, cwd=None):
    """Run a program interactively, answering each prompt by the table `prompts`.
    Returns {rc, text (all it printed), tail (what it printed after the last prompt answered),
    unanswered (the patterns of "once" prompts it never asked)}.

    Entries are (pattern, action[, "once"]). Answers go to the earliest prompt in what the program
    printed since the last answer. Actions: "abort" stops it; "return" is an empty line, preceded by
    stage(level) when the previous "level" answer asked for another archive; "secret:<key>" answers
    secrets[key]; anything else is the literal reply. A "once" prompt asked again means the answer
    was refused: the program is stopped rather than answered forever.
    """
    name = os.path.basename(argv[0])
    try:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    except OSError as exc:
        raise Problem(f"{argv[0]} could not be started: {exc.strerror}", touched=False) from None
    transcript, consumed, due, answered = "", 0, None, set()
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Problem(f"{name} did not finish within {timeout} seconds", output=transcript, touched=True)
            ready = select.select([proc.stdout], [], [], min(remaining, 1.0))[0]
            if ready:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                transcript += chunk.decode("utf-8", errors="replace")
            rest = transcript[consumed:]
            found = None
            for index, entry in enumerate(prompts):
                match = re.search(entry[0], rest, re.I)
                if match and (found is None or match.start() < found[0].start()):
                    found = (match, entry, index)
            if found is None:
                if not ready and proc.poll() is not None:
                    break
                continue
            match, entry, index = found
            consumed += match.end()
            action = entry[1]
            if action == "abort":
                raise Problem(f"{name} asked a question the driver does not answer: {match.group(0)!r}; {name} was stopped",
                              output=transcript, touched=True)
            if "once" in entry[2:] and index in answered:
                raise Problem(f"{name} asked again for {match.group(0)!r}: it refused the answer; {name} was stopped",
                              output=transcript, touched=True)
            answered.add(index)
            if action == "return":
                if due is not None:
                    stage(due)
                    due = None
                reply = ""
            elif action == "level":
                level = int(match.group(1))
                due = level if level < levels else None
                reply = "y" if due is not None else "n"
            elif action.startswith("secret:"):
                reply = (secrets or {})[action[len("secret:"):]]
            else:
                reply = action
            try:
                proc.stdin.write((reply + "\n").encode())
                proc.stdin.flush()
            except BrokenPipeError:  # it stopped reading; its exit code and output say why
                pass
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    unanswered = [entry[0] for index, entry in enumerate(prompts) if "once" in entry[2:] and index not in answered]
    return {"rc": proc.returncode, "text": transcript, "tail": transcript[consumed:], "unanswered": unanswered}


def wait_for_mode(env, wanted, timeout):
    deadline = time.monotonic() + timeout
    while True:
        rc, text = run(["onstat", "-"], env)
        if rc in wanted:
            return rc
        if time.monotonic() > deadline:
            raise Problem(f"server did not reach mode {wanted} within {timeout} s (onstat - rc {rc})", touched=True)
        time.sleep(1)


def restore(p):
    env = informix_env(p)[0]
    check_held(lock_path(env), p["lock_token"])  # the controller took the server's lock for the whole restore
    bad = [a for a in verify_archives(p)["archives"] if not a["ok"]]
    if bad:
        raise Problem(f"refusing to restore: {bad[0]['archive']}: {bad[0]['reason']}", touched=False)
    if p["method"] == "onbar":
        rc, output = run(["onbar", "-v"], env, timeout=p["timeout"])  # restorable? asked before anything is touched
        if rc != 0:
            raise Problem(f"refusing to restore: onbar -v returned {rc} ({onbar_meaning(p, rc)})", output=output,
                          touched=False)
    try:
        return restore_touching(p, env)
    except Exception as exc:  # the server may be down now: say in which mode it was left
        problem = exc if isinstance(exc, Problem) else Problem(f"restore failed: {type(exc).__name__}: {exc}")
        problem.extra.update(touched=problem.extra.get("touched", True), onstat_rc=run(["onstat", "-"], env)[0])
        raise problem from None


def restore_touching(p, env):
    transcript = []
    if run(["onstat", "-"], env)[0] != 255:
        transcript.append(run(["onmode", "-ky"], env)[1])
        wait_for_mode(env, (255,), p["timeout"])
    created = []
    for chunk in p.get("chunks", []):
        if not os.path.exists(chunk):
            os.makedirs(os.path.dirname(chunk), exist_ok=True)
            open(chunk, "wb").close()  # manual 6.3.3: missing chunk files are created empty first
            created.append(chunk)
    files = [a["archive"] for a in p["archives"]]
    staged = []
    method = p["method"]
    try:
        if method == "onbar":
            rc, output = run(["onbar", "-r"], env, timeout=p["timeout"])
            if rc != 0:
                raise Problem(f"onbar -r returned {rc} ({onbar_meaning(p, rc)}); the server is left as onbar left it",
                              output=output, touched=True, created_chunks=created)
            output += "\n" + p["success_text"]  # onbar reports by return code, not in words
        elif method == "stdio":
            proc = subprocess.Popen(["ontape", "-r", "-t", "STDIO"], env=env, stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            errors = []
            reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()))
            reader.start()
            try:
                for path in files:
                    with open(path, "rb") as handle:
                        shutil.copyfileobj(handle, proc.stdin, 1 << 20)
                proc.stdin.close()
            except BrokenPipeError:
                pass
            proc.wait(timeout=p["timeout"])
            reader.join()
            output = b"".join(errors).decode("utf-8", errors="replace")
        elif method == "directory":
            prefix = "oscc_restore"
            for level, path in enumerate(files):
                target = os.path.join(p["tapedev"], f"{prefix}_L{level}")
                if os.path.exists(target):
                    raise Problem(f"{target} exists in TAPEDEV; move it away before restoring", touched=True)
                shutil.copyfile(path, target)
                staged.append(target)
            output = run(["ontape", "-r", "-d"], dict(env, IFX_ONTAPE_FILE_PREFIX=prefix), timeout=p["timeout"])[1]
        else:
            # The manual's TAPEDEV file: ontape asks for each level in turn, and each must be in the file then.
            saved = p["tapedev"] + ".oscc-saved"
            shutil.move(p["tapedev"], saved)
            staged.append(p["tapedev"])
            try:
                shutil.copyfile(files[0], p["tapedev"])
                output = drive_prompts(["ontape", "-r"], env, p["prompts"], p["timeout"], levels=len(files),
                                       stage=lambda level: shutil.copyfile(files[level], p["tapedev"]))["text"]
            finally:
                os.replace(saved, p["tapedev"])
                staged.remove(p["tapedev"])
    finally:
        for path in staged:
            os.remove(path)
    transcript.append(output)
    if re.search(p["failure_pattern"], output, re.I) or p["success_text"] not in output:
        raise Problem("ontape restore failed; the server is left as ontape left it", output=output, touched=True,
                      created_chunks=created)
    rc = wait_for_mode(env, (1, 7, 5), p["timeout"])
    if rc != 5:
        transcript.append(run(["onmode", "-m"], env)[1])
        rc = wait_for_mode(env, (5,), p["timeout"])
    return {"changed": True, "output": output, "transcript": transcript, "onstat_rc": rc, "created_chunks": created,
            "touched": True}


PROCEDURES = {"probe": probe, "lock": lock, "backup": backup, "verify_archives": verify_archives, "restore": restore,
              "scheduled": scheduled}


def main(argv):
    try:
        if argv[2].startswith("@"):  # the scheduled task keeps its parameters in a file
            with open(argv[2][1:]) as handle:
                params = json.load(handle)
        else:
            params = json.loads(argv[2])
        # Secrets come inside the program text on stdin (see _target.Target.procedure), never in argv.
        params.update(globals().get("SECRETS") or {})
        result = PROCEDURES[argv[1]](params)
    except Problem as exc:
        result = dict(exc.extra, failed=True, msg=str(exc))
    except Exception as exc:  # an unforeseen fault still reaches the controller as one readable line
        result = {"failed": True, "msg": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
