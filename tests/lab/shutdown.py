#!/usr/bin/env python3
"""Lab test equipment: shutdown.exe of a simulated Windows server, as far as oscc.admin runs it.

`shutdown /s /t <seconds> /c <comment>` powers the host off: every service stops (windows.json) and the host's
record `powered_off` keeps the time and the Informix mode at that moment, so tests can assert that no shutdown met a
running server (manual §6.1). The lab host stays reachable (it is this machine); a test reads `powered_off`. Other
switches are refused with a `sim:` text.
"""
import fcntl
import json
import os
import sys
import time


def informix_mode(base, data):
    environment = data.get("machine_environment") or {}
    folder, server = environment.get("INFORMIXDIR"), environment.get("INFORMIXSERVER")
    if not folder or not server:
        return None
    here = os.path.join(base, "drives", folder[0].upper(), *folder[3:].replace("\\", "/").split("/"))
    try:
        with open(os.path.join(here, "sim", server + ".json")) as handle:
            return json.load(handle)["mode"]
    except FileNotFoundError:
        return None


def main(argv):
    words = [w.lower() for w in argv]
    if "/s" not in words or "/r" in words:
        print("sim: only shutdown /s is simulated")
        return 1
    base = os.environ["OSCC_LAB_HOST_DIR"]
    path = os.path.join(base, "windows.json")
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(path) as handle:
            data = json.load(handle)
        for service in data.get("services", {}).values():
            service["state"] = "stopped"
        data["powered_off"] = {"time": time.time(), "informix_mode": informix_mode(base, data), "argv": argv}
        tmp = path + ".shutdown.tmp"
        with open(tmp, "w") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
