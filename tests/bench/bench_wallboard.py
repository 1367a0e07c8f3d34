"""Benchmark: reading the state of N emulated Lantronix units (tests/lab/lantronix.py) with one round of
parallel 77FEh queries against asking them one after the other, and a converged playbooks/wallboard.yml
run over all of them, which must save (and so reboot) none.

Gates, all counts the units record: every unit answers each question of the parallel read once, and the
converged run opens no setup session and saves no unit. The times are printed against their target, never
gated: they move with the machine's load.

    python tests/bench/bench_wallboard.py               # 20 units
    python tests/bench/bench_wallboard.py --check       # CI: fails when a count differs
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

import bench_lab  # first: it puts tests/lab and the collection on sys.path
import lantronix

ROOT = bench_lab.ROOT

TARGET_SECONDS_PER_UNIT = 0.1  # "well under a second per unit"; printed, not gated
QUESTIONS = 3  # F6 (type, MAC), F4 (version), F8 (setup record): one of each per unit and read


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--check", action="store_true")
    options = parser.parse_args()
    from ansible_collections.oscc.admin.plugins.module_utils import _lantronix as lx

    units = [lantronix.Unit(f"127.0.1.{10 + i}", f"00:20:4a:00:01:{10 + i:02d}", local_port=10001 + i)
             for i in range(options.units)]
    questions, setup_sessions = collections.Counter(), collections.Counter()
    for unit in units:
        unit.answer = bench_lab.counting(unit.answer, questions, unit.mac)
    fleet = lantronix.Fleet(units)
    fleet._serve_setup = bench_lab.counting(fleet._serve_setup, setup_sessions, "all")  # the telnet menu, before a save
    fleet.start()
    try:
        addresses = [u.ip for u in units]
        start = time.perf_counter()
        together = lx.query(addresses, fleet.query_port, timeout=2)
        parallel = time.perf_counter() - start
        asked_once = sum(1 for unit in units if questions[unit.mac] == QUESTIONS)
        start = time.perf_counter()
        for address in addresses:
            lx.query([address], fleet.query_port, timeout=2)
        sequential = time.perf_counter() - start
        if len(together) != options.units or not all(0xF8 in r for r in together.values()):
            sys.exit(f"bench_wallboard: {len(together)} of {options.units} units answered")
        with tempfile.TemporaryDirectory() as tmp:
            hosts = {f"bench-wallboard-{i}": {"ansible_host": u.ip, "wallboard_mac": u.mac.lower(),
                                               "wallboard_port": u.values()["local_port"], "oscc_lab_host": f"w{i}"}
                     for i, u in enumerate(units)}
            inventory = os.path.join(tmp, "hosts.json")
            with open(inventory, "w") as handle:
                json.dump({"all": {"vars": {"ansible_connection": "local", "oscc_lab_root": tmp},
                                   "children": {"oscc_wallboards": {"hosts": hosts, "vars": {
                                       "wallboard_query_port": fleet.query_port,
                                       "wallboard_setup_port": fleet.setup_port,
                                       "wallboard_timeout": 5, "wallboard_netmask": "255.255.255.0"}}}}}, handle)
            questions.clear()
            start = time.perf_counter()
            run = subprocess.run(["ansible-playbook", "-i", inventory, os.path.join(ROOT, "playbooks", "wallboard.yml"),
                                  "-f", str(options.units)], capture_output=True, text=True, cwd=ROOT,
                                 env=dict(os.environ, ANSIBLE_PYTHON_INTERPRETER=sys.executable))
            converged = time.perf_counter() - start
        if run.returncode != 0:
            sys.exit(f"bench_wallboard: the converged run failed:\n{run.stdout[-3000:]}")
        saves = sum(u.saves for u in units)
        per_unit = parallel / options.units
        print(f"units: {options.units}")
        print(f"state read, parallel: units asked each of the {QUESTIONS} questions once: {asked_once}")
        print(f"state read, parallel: {per_unit * 1000:.1f} ms per unit (target < {TARGET_SECONDS_PER_UNIT * 1000:.0f} "
              f"ms, not gated); one after the other / parallel: {sequential / parallel:.1f}")
        print(f"converged playbook run: questions answered {sum(questions.values())}, setup sessions "
              f"{setup_sessions['all']}, units saved (rebooted) {saves}; {converged / options.units:.2f} s per unit")
        if options.check and (asked_once != options.units or setup_sessions["all"] or saves):
            sys.exit("bench_wallboard: a unit was asked more than once, or a converged run opened a setup session "
                     "or saved a unit")
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
