"""Benchmark: playbooks/backup.yml against N lab hosts versus a baseline playbook that only runs the
raw `ontape -s -L 0` per host. Reports the wall-time ratio and remote operations per host, for POSIX
hosts and for simulated Windows hosts (the host executor through the win_powershell stand-in).

    python tests/bench/bench_backup.py --hosts 50          # the full benchmark
    python tests/bench/bench_backup.py --hosts 10 --check  # CI's short form, fails above the targets
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
import labctl  # noqa: E402

TARGET_RATIO = 1.5
TARGET_OPERATIONS = 3  # a verified backup: the probe, the archive, the manifest (docs/windows.md)

BASELINE = """
- name: Baseline - the raw ontape level 0 per host, nothing else
  hosts: oscc_main
  gather_facts: false
  tasks:
    - name: ontape -s -L 0
      ansible.builtin.command:
        argv: [ontape, -s, -L, "0"]
        stdin: " "  # with the added newline: Return at the mount prompt of the TAPEDEV file
      environment:
        INFORMIXDIR: "{{ oscc_informixdir }}"
        INFORMIXSERVER: "{{ oscc_informixserver }}"
        ONCONFIG: "ONCONFIG.{{ oscc_informixserver }}"
        PATH: "{{ oscc_informixdir }}/bin:{{ ansible_env.PATH | default('/usr/bin:/bin') }}"
      changed_when: true
"""


def build(root, count, platform="posix"):
    hosts = {}
    for index in range(1, count + 1):
        name = f"bench{platform[0]}{index:02d}"
        paths = labctl.init_host(root, name, f"ol_{name}", platform=platform)
        hosts[name] = {"oscc_informixserver": f"ol_{name}", "oscc_informixdir": paths["host"]["informixdir"],
                       "oscc_backup_destination": paths["host"]["backups"], "oscc_lab_host_dir": paths["base"]}
    inventory = {"all": {"vars": {"ansible_connection": "lab_recorded", "oscc_platform": platform, "oscc_services": [],
                                  "ansible_python_interpreter": sys.executable},
                         "children": {"oscc_main": {"hosts": hosts}}}}
    path = os.path.join(root, f"inventory-{platform}.json")
    with open(path, "w") as handle:
        json.dump(inventory, handle)
    return path


def play(inventory, playbook, forks, call_log):
    """Run a playbook; the lab connection logs each host's remote round trips into call_log."""
    os.makedirs(call_log, exist_ok=True)
    # OSCC_LAB_BYTECODE_CACHE off: a real host compiles an AnsiballZ module's sources at every run
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_FORKS=str(forks),
               ANSIBLE_PIPELINING="1", OSCC_LAB_CALL_LOG=call_log, OSCC_LAB_BYTECODE_CACHE="",
               ANSIBLE_CONNECTION_PLUGINS=os.path.join(ROOT, "tests", "lab", "plugins", "connection"))
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", "-i", inventory, playbook], env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, cwd=ROOT)
    elapsed = time.monotonic() - start
    if proc.returncode:
        raise SystemExit(f"{playbook} failed:\n{proc.stdout.decode()[:3000]}{proc.stderr.decode()[-2000:]}")
    return elapsed, json.loads(proc.stdout)


def operations_per_host(call_log, count):
    """Remote round trips per host, as the hosts recorded them."""
    total = 0
    for name in os.listdir(call_log):
        with open(os.path.join(call_log, name)) as handle:
            total += sum(1 for _ in handle)
    return total / count


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=2, help="take the fastest of this many runs of each")
    parser.add_argument("--windows-hosts", type=int, default=3, help="simulated Windows hosts for the round trips")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        inventory = build(root, args.hosts)
        baseline_file = os.path.join(root, "baseline.yml")
        with open(baseline_file, "w") as handle:
            handle.write(BASELINE)
        ours = baseline = None
        for round_ in range(args.rounds):
            baseline_log, ours_log = (os.path.join(root, f"calls-{kind}-{round_}") for kind in ("baseline", "ours"))
            baseline_time, _ = play(inventory, baseline_file, args.forks, baseline_log)
            ours_time, _ = play(inventory, os.path.join(ROOT, "playbooks", "backup.yml"), args.forks, ours_log)
            baseline = min(baseline or baseline_time, baseline_time)
            ours = min(ours or ours_time, ours_time)
        ratio = ours / baseline
        ours_ops = operations_per_host(ours_log, args.hosts)
        baseline_ops = operations_per_host(baseline_log, args.hosts)
        windows_ops = None
        if args.windows_hosts:
            windows_log = os.path.join(root, "calls-windows")
            play(build(root, args.windows_hosts, "windows"), os.path.join(ROOT, "playbooks", "backup.yml"), args.forks,
                 windows_log)
            windows_ops = operations_per_host(windows_log, args.windows_hosts)
    print(f"hosts: {args.hosts}, forks: {args.forks}, best of {args.rounds}")
    print(f"baseline (raw ontape):        {baseline_ops:.1f} remote operations per host")
    print(f"backup.yml (verified backup): {ours_ops:.1f} remote operations per POSIX host (target <= {TARGET_OPERATIONS})")
    if windows_ops is not None:
        print(f"backup.yml (verified backup): {windows_ops:.1f} remote operations per Windows host "
              f"(target <= {TARGET_OPERATIONS})")
    print(f"wall-time ratio backup.yml / baseline: {ratio:.2f} (target <= {TARGET_RATIO}; {ours:.1f} s / {baseline:.1f} s)")
    missed = max(ours_ops, windows_ops or 0) > TARGET_OPERATIONS or ratio > TARGET_RATIO
    if args.check and missed:
        raise SystemExit("benchmark target missed")


if __name__ == "__main__":
    main()
