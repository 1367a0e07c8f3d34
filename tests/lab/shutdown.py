#!/usr/bin/env python3
"""Lab test equipment: shutdown.exe of a simulated Windows server, as far as oscc.admin runs it.

`shutdown /s /t <seconds> /c <comment>` powers the host off: `<host>/powered_off.json` keeps the time, the arguments
and the Informix mode at that moment, so tests can assert that no shutdown met a running server (manual §6.1). The
lab host stays reachable (it is this machine). Other switches are refused with a `sim:` text.
"""
import json
import os
import sys
import time

POWERED_OFF = "powered_off.json"


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
    # windows.json is held by the stand-in that runs this program: the power-off is kept beside it
    with open(os.path.join(base, "windows.json")) as handle:
        data = json.load(handle)
    with open(os.path.join(base, POWERED_OFF), "w") as handle:
        json.dump({"time": time.time(), "informix_mode": informix_mode(base, data), "argv": argv}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
