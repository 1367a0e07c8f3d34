"""What a test watches while the lab runs: the simulated Informix programs still alive on a host, and a condition
met within a time."""
import os
import time

import labctl


def running(root, host, program):
    """pids of the lab host's live (not zombie) launches of the simulated `program` (ontape, cdr, ...).

    The host's wrappers run `python -S -c <launcher> <program> ...` (labctl.init_host); a simulated Windows host's
    wrappers export its drives folder (IFXSIM_DRIVES), a POSIX host's programs get its INFORMIXDIR from the caller."""
    paths = labctl.host_paths(root, host)
    if paths["windows"]:
        mark = b"IFXSIM_DRIVES=" + os.path.join(paths["base"], "drives").encode()
    else:
        mark = b"INFORMIXDIR=" + paths["informixdir"].encode()
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if len(argv) > 4 and argv[4] == program.encode() and mark in environ and state != "Z":
            found.append(int(entry))
    return found


def ended(pid):
    """Whether the process is gone or a zombie (killed, its parent not yet told)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_until(condition, seconds=60, interval=0.2):
    """Polls the condition until it holds or the time is up; returns its last value (a test asserts it)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(interval)
    return condition()
