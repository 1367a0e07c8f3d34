"""Lab test equipment: one long-lived process per simulated host that runs every executor batch sent to it, one after
another, in that same process, as PSRP's wsmprovhost.exe runs every module of a task in one process (same $PID).

The win_powershell stand-in sends a batch here instead of starting a new Python per batch when the host runs with
`oscc_lab_one_process` (tests/lab/README.md): `run(host_dir, source, argv)` starts the server on first use (a unix
socket `executor.sock` in the host's lab directory) and returns what the executor printed. Each batch runs as a fresh
`__main__` of the executor's source (a new runspace), with the caller's environment and folder; the process, its pid
and whatever the batch left open in it live on. Every batch served is logged to `one_process.log` (pid, time,
operations), so a test can prove that all batches of a task ran in one process. The server ends after IDLE_SECONDS
without a batch, or on `stop(host_dir)`.
"""
import contextlib
import fcntl
import io
import json
import os
import socket
import subprocess
import sys
import time
import traceback

SOCKET_NAME = "executor.sock"
LOG_NAME = "one_process.log"
ERRORS_NAME = "one_process.err"  # what the server itself printed (a crash)
IDLE_SECONDS = 300


@contextlib.contextmanager
def _inside(folder):
    """A unix socket's path is at most 108 bytes; a pytest lab's is longer: bind and connect relative to it."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _receive(conn):
    chunks = []
    for chunk in iter(lambda: conn.recv(1 << 16), b""):
        chunks.append(chunk)
    return b"".join(chunks)


def _run_batch(request):
    """One batch as a fresh run of the executor's source in this process: its stdout, stderr and exit code."""
    out, err, code = io.StringIO(), io.StringIO(), 0
    try:
        os.environ.clear()  # the caller's, as a new process would have it; the process itself lives on
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = ["-", *request["argv"]]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(request["source"], "executor_posix.py", "exec"), {"__name__": "__main__"})  # noqa: S102
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # the executor crashed: the stand-in reports it as it reports a crashed subprocess
        err.write(traceback.format_exc())
        code = 1
    return {"stdout": out.getvalue(), "stderr": err.getvalue(), "rc": code, "pid": os.getpid()}


def _log(host_dir, request):
    try:
        ops = [op.get("op") for op in json.loads(request["argv"][0]).get("ops", [])]
    except (ValueError, IndexError, AttributeError):
        ops = []
    with open(os.path.join(host_dir, LOG_NAME), "a") as handle:
        handle.write(json.dumps({"pid": os.getpid(), "time": time.time(), "ops": ops}) + "\n")


def serve(host_dir):
    host_dir = os.path.abspath(host_dir)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with _inside(host_dir):
        with contextlib.suppress(FileNotFoundError):
            os.remove(SOCKET_NAME)  # a server that died left it; the caller holds the start lock
        listener.bind(SOCKET_NAME)
    listener.listen(16)
    listener.settimeout(IDLE_SECONDS)
    try:
        while True:
            try:
                conn, _address = listener.accept()
            except socket.timeout:
                return
            with conn:
                conn.settimeout(None)
                request = json.loads(_receive(conn))
                if request.get("stop") or request.get("probe"):
                    conn.sendall(b"{}")
                    if request.get("stop"):
                        return
                    continue
                _log(host_dir, request)
                conn.sendall(json.dumps(_run_batch(request)).encode())
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(host_dir, SOCKET_NAME))


def _ask(host_dir, request):
    """The server's answer, or None when no server listens."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _inside(host_dir):
            client.connect(SOCKET_NAME)
    except (FileNotFoundError, ConnectionRefusedError):
        client.close()
        return None
    with client:
        client.sendall(json.dumps(request).encode())
        client.shutdown(socket.SHUT_WR)
        return json.loads(_receive(client))


def _start(host_dir):
    with open(os.path.join(host_dir, ERRORS_NAME), "a") as log:
        subprocess.Popen([sys.executable, os.path.abspath(__file__), host_dir], stdin=subprocess.DEVNULL, stdout=log,
                         stderr=log, start_new_session=True, cwd=host_dir)
    deadline = time.monotonic() + 30
    while _ask(host_dir, {"probe": True}) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"lab stand-in: the host process of {host_dir} did not start")
        time.sleep(0.02)


def run(host_dir, source, argv, env=None):
    """(stdout, stderr, rc) of the executor's source run on argv by the host's one process, started if need be."""
    request = {"source": source, "argv": list(argv), "env": dict(env or os.environ), "cwd": os.getcwd()}
    with open(os.path.join(host_dir, SOCKET_NAME + ".start"), "a") as starting:
        fcntl.flock(starting, fcntl.LOCK_EX)  # one caller starts it; the others wait for it
        if _ask(host_dir, {"probe": True}) is None:
            _start(host_dir)
    answer = _ask(host_dir, request)
    if answer is None:
        raise RuntimeError(f"lab stand-in: the host process of {host_dir} is gone")
    return answer["stdout"], answer["stderr"], answer["rc"]


def stop(host_dir):
    """Ends the host's process, if one runs."""
    if os.path.exists(os.path.join(host_dir, SOCKET_NAME)):
        _ask(host_dir, {"stop": True})


def served(host_dir):
    """Every batch the host's process ran: {"pid", "time", "ops"} in order."""
    path = os.path.join(host_dir, LOG_NAME)
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle]


if __name__ == "__main__":
    serve(sys.argv[1])
