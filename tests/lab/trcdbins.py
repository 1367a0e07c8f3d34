#!/usr/bin/env python3
"""Lab test equipment: trcdbins.exe, OSCC's replication configuration tool (manual §7.3), as far as it has a
command line: `trcdbins -activate` runs its configuration tests, writes its diagnostic files trcdbins.000,
trcdbins.001, ... into the folder it was started from and exits 0; with `trcdbins_fail` set in the host's
windows.json it writes them and exits 1. The files' contents and any other use are `sim:`.
"""
import json
import os
import sys
import time

FILES = 3  # the manual names trcdbins.000 ... trcdbins.025; a run writes a few of them


def main(argv):
    base = os.environ["OSCC_LAB_HOST_DIR"]
    if [a.lower() for a in argv] != ["-activate"]:
        print("sim: trcdbins: the only documented option is -activate")
        return 2
    with open(os.path.join(base, "windows.json")) as handle:
        state = json.load(handle)
    fail = bool(state.get("trcdbins_fail"))
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    for index in range(FILES):
        outcome = "FAILED" if fail and index == FILES - 1 else "passed"
        with open(f"trcdbins.{index:03d}", "w", newline="\r\n") as handle:
            handle.write(f"sim: trcdbins diagnostic file {index:03d}\n"
                         f"{stamp} configuration test {index + 1}: {outcome}\n")
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
