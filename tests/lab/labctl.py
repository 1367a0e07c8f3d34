"""Builds and inspects the lab's simulated Informix instances (test equipment)."""
import argparse
import json
import os
import stat
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "informix", "ifxsim.py")
PROGRAMS = ("ontape", "onstat", "onmode", "oninit", "dbaccess")
SEED = {
    "hppc": {
        "agents": [["1001", "Anna Berger", "ready"], ["1002", "Jonas Keller", "work"]],
        "routing": [["sales", "6021"], ["support", "6022"]],
    },
    "sysmaster": {},
}


def host_paths(root, host):
    base = os.path.join(os.path.abspath(root), host)
    return {
        "base": base,
        "informixdir": os.path.join(base, "informix"),
        "data": os.path.join(base, "data"),
        "tape": os.path.join(base, "tape"),
        "backups": os.path.join(base, "backups"),
    }


def init_host(root, host, server, python=sys.executable):
    paths = host_paths(root, host)
    for key in ("informixdir", "data", "tape", "backups"):
        os.makedirs(paths[key], exist_ok=True)
    for sub in ("bin", "etc", "sim"):
        os.makedirs(os.path.join(paths["informixdir"], sub), exist_ok=True)
    for program in PROGRAMS:
        wrapper = os.path.join(paths["informixdir"], "bin", program)
        with open(wrapper, "w") as handle:
            handle.write(f'#!/bin/sh\nexec "{python}" "{SIM}" {program} "$@"\n')
        os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IEXEC)
    root_chunk = os.path.join(paths["data"], "rootdbs.000")
    data_chunk = os.path.join(paths["data"], "ccdata.000")
    tapedev = os.path.join(paths["tape"], "BACKUP.001")
    onconfig = os.path.join(paths["informixdir"], "etc", f"ONCONFIG.{server}")
    with open(onconfig, "w") as handle:
        handle.write(
            "# ONCONFIG of a simulated OSCC instance\n"
            f"ROOTNAME rootdbs\nROOTPATH {root_chunk}\nSERVERNUM 0\nDBSERVERNAME {server}\n"
            f"TAPEDEV {tapedev}  # manual 6.3.2.2: one pre-created file\n"
            "TAPEBLK 16\nTAPESIZE 0\nLTAPEDEV NUL\nLTAPEBLK 16\nLTAPESIZE 0\n"
        )
    open(tapedev, "a").close()
    with open(root_chunk, "w") as handle:
        json.dump(SEED, handle, sort_keys=True)
    open(data_chunk, "w").close()
    state = {"mode": "On-Line", "started": time.time(), "log": 10, "archives": [], "bases": {},
             "spaces": ["rootdbs", "ccdata"], "chunks": [root_chunk, data_chunk]}
    with open(os.path.join(paths["informixdir"], "sim", f"{server}.json"), "w") as handle:
        json.dump(state, handle, indent=1)
    faults = os.path.join(paths["informixdir"], "sim", f"{server}.faults")
    if os.path.exists(faults):
        os.remove(faults)
    return paths


def environment(root, host, server):
    paths = host_paths(root, host)
    return {"INFORMIXDIR": paths["informixdir"], "INFORMIXSERVER": server, "ONCONFIG": f"ONCONFIG.{server}",
            "PATH": os.path.join(paths["informixdir"], "bin") + os.pathsep + os.environ.get("PATH", "")}


def data(root, host):
    with open(os.path.join(host_paths(root, host)["data"], "rootdbs.000")) as handle:
        return json.load(handle)


def set_faults(root, host, server, faults):
    path = os.path.join(host_paths(root, host)["informixdir"], "sim", f"{server}.faults")
    with open(path, "w") as handle:
        json.dump(faults, handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["init", "ensure", "dump"], help="ensure: init hosts not built yet")
    parser.add_argument("--root", required=True)
    parser.add_argument("--host", action="append", required=True, help="host:server, e.g. main:ol_main")
    args = parser.parse_args()
    for spec in args.host:
        host, _, server = spec.partition(":")
        server = server or f"ol_{host}"
        built = os.path.exists(os.path.join(host_paths(args.root, host)["informixdir"], "sim", f"{server}.json"))
        if args.command == "init" or (args.command == "ensure" and not built):
            init_host(args.root, host, server)
        else:
            print(json.dumps({host: data(args.root, host)}, indent=1))


if __name__ == "__main__":
    main()
