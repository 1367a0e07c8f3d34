#!/usr/bin/env python3
"""Lab test equipment: a Domino server's console as `server -c "<command>"` (Linux) or `nserver -c` (Windows)
reaches it (docs/vendor-facts.md, Domino), with the notes.ini it keeps.

  set config NAME=VALUE     writes NAME=VALUE into notes.ini's [Notes] section (replacing a line of that name)
  load compact <db> <opts>  compacts a database named relative to the data directory (recorded)
  load updall <db> <opts>   updates its indexes (recorded)

Every command is recorded in state.json next to the console (the server's console log). A stopped
server (state "running": false) refuses with "Server is not running" and exit code 1. Exit code 0
otherwise: the console hands the command to the server and does not wait for its outcome.
"""
import json
import os
import re
import sys

STATE = os.environ["DOMINO_STATE"]


def load():
    with open(STATE) as handle:
        return json.load(handle)


def set_config(state, name, value):
    path = state["notes_ini"]
    with open(path, newline="") as handle:
        text = handle.read()
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    pattern = re.compile(rf"^{re.escape(name)}\s*=", re.I)
    for index, line in enumerate(lines):
        if pattern.match(line):
            lines[index] = f"{name}={value}"
            break
    else:
        while lines and lines[-1] == "":
            lines.pop()
        lines += [f"{name}={value}", ""]
    with open(path, "w", newline="") as handle:
        handle.write(newline.join(lines))


def main(argv):
    if len(argv) != 3 or argv[1] != "-c":
        print("usage: server -c \"<console command>\"")
        return 2
    state, command = load(), argv[2].strip()
    if not state["running"]:
        print("Server is not running")
        return 1
    state["console"].append(command)
    match = re.match(r"(?i)^set\s+config(?:uration)?\s+([^=\s]+)\s*=\s*(.*)$", command)
    load_task = re.match(r"(?i)^load\s+(compact|updall)\s+(\S+)\s*(.*)$", command)
    if match:
        set_config(state, match.group(1), match.group(2))
    elif load_task:
        task, database, options = load_task.group(1).lower(), load_task.group(2), load_task.group(3).split()
        found = os.path.isfile(os.path.join(state["data_dir"], *re.split(r"[\\/]", database)))
        state.setdefault(task, []).append({"database": database, "options": options, "found": found})
    with open(STATE, "w") as handle:
        json.dump(state, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
