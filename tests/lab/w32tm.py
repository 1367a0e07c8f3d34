#!/usr/bin/env python3
"""Lab test equipment: w32tm.exe of a simulated Windows server, the one command the preflight runs.

`w32tm /stripchart /computer:<name> /dataonly /samples:<n>` prints how far <name>'s clock is from this host's
clock (remote - local, as w32tm's offset column: positive when the remote clock is ahead), one line per sample,
without waiting between samples. Each host's clock is its `clock_offset_seconds` (windows.json) from the lab's
true time; names resolve through <root>/dns.json and an unreachable address answers `error: 0x800705B4` per sample
(rc 0). The decimal separator follows the host's `locale` (windows.json, default en-US; de-DE writes a comma).
Layout: docs/vendor-facts.md, Clocks: w32tm /stripchart; texts not given there start with `sim:`.
"""
import json
import os
import sys
import time

# Sub-millisecond differences between samples, as a real network shows them.
JITTER = (0.0012345, 0.0011210, 0.0012901, 0.0011873, 0.0012044)


def state(base):
    with open(os.path.join(base, "windows.json")) as handle:
        return json.load(handle)


def options(argv):
    """/stripchart /computer:<n> /dataonly /samples:<k> in any order and case, as w32tm reads them."""
    found = {}
    for word in argv:
        if not word.startswith("/"):
            return None
        key, _sep, value = word[1:].partition(":")
        found[key.lower()] = value
    if "stripchart" not in found or not found.get("computer"):
        return None
    return found


def main(argv):
    base = os.environ["OSCC_LAB_HOST_DIR"]
    found = options(argv)
    if found is None:
        print("sim: w32tm: only /stripchart /computer:<target> [/dataonly] [/samples:<count>] is simulated")
        return 87  # ERROR_INVALID_PARAMETER
    try:
        samples = int(found.get("samples") or 0) or 1
    except ValueError:
        print("The parameter is incorrect. (0x80070057)")
        return 87
    name = found["computer"]
    local = state(base)
    with open(os.path.join(os.path.dirname(base), "dns.json")) as handle:
        dns = json.load(handle)
    address = next((a for n, a in dns["forward"].items() if n.lower() == name.lower()), None)
    if address is None:
        print("sim: The following error occurred: No such host is known. (0x80072AF9)")
        return 1
    comma = str(local.get("locale", "en-US")).lower().startswith("de")
    clock = time.time() + float(local.get("clock_offset_seconds", 0.0))
    print(f"Tracking {name} [{address}:123].")
    print(f"Collecting {samples} samples.")
    now = time.localtime(clock)
    print(f"The current time is {now.tm_mon}/{now.tm_mday}/{now.tm_year} {(now.tm_hour + 11) % 12 + 1}:"
          f"{now.tm_min:02d}:{now.tm_sec:02d} {'AM' if now.tm_hour < 12 else 'PM'}.")
    remote_host = dns["hosts"].get(address)
    reachable = remote_host is not None and address not in dns["unreachable"] and \
        os.path.exists(os.path.join(os.path.dirname(base), remote_host, "windows.json"))
    offset = None
    if reachable:
        remote = state(os.path.join(os.path.dirname(base), remote_host))
        offset = float(remote.get("clock_offset_seconds", 0.0)) - float(local.get("clock_offset_seconds", 0.0))
    for index in range(samples):
        stamp = time.strftime("%H:%M:%S", time.localtime(clock + 2 * index))
        if offset is None:
            print(f"{stamp}, error: 0x800705B4")
            continue
        value = offset + JITTER[index % len(JITTER)]
        text = f"{'+' if value >= 0 else '-'}{abs(value):010.7f}s"
        print(f"{stamp}, {text.replace('.', ',') if comma else text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
