"""Benchmark: remote operations of restore_standby.yml (manual §8.6.1) on the lab's estate - lab-main and lab-backup
one warm-standby cluster, lab-report the central report server - next to the manual steps it replaces. Counts come
from the hosts themselves: the lab's recording connection logs every round trip per host (pipelining on: one module
run or one executor batch is one round trip).

It reports the round trips of the preflight (every server, read-only once hosts.equiv is right), of the restore
module (its own figure: one per step, docs/windows.md), of the synchronisation's progress reads, and of the rest of
the procedure, with the state changes it made (a service stopped or started, the group offline, online or moved, the
node paused or resumed, the synchronisation started). Gates, all counts: the preflight per server as docs/windows.md
states it, and the rest of the procedure at one round trip per state change beyond its probes, the figure
docs/windows.md states for it.

    python tests/bench/bench_ha_restores.py            # the table
    python tests/bench/bench_ha_restores.py --check    # CI: fails when a count differs
"""
import json
import os
import shutil
import tempfile
import time

from bench_lab import HOSTS, LIMIT, ROOT, check_options, cluster_estate, labctl, record_calls, recorded_round_trips
from doc_figures import figure

# §8.6.1 steps 1-4 and 6, and the eight steps of §8.2 that step 5 refers to.
MANUAL_STEPS = 5 + 8
CHANGING_CMDLETS = ("Start-", "Stop-", "Move-", "Suspend-", "Resume-")


def state_changes(lab, since):
    """The changes the servers recorded after `since`: services, cluster cmdlets that change, the synchronisation's
    task registered or started."""
    found = 0
    for host in HOSTS.values():
        for call in labctl.windows_state(lab.root, host)["calls"]:
            if call["time"] < since:
                continue
            if call["module"] in ("win_service", "win_scheduled_task"):
                found += 1
                continue
            ops = ((call["args"] or {}).get("batch") or {}).get("ops") or []
            found += sum(1 for op in ops if op["op"] == "cmdlet" and op["name"].startswith(CHANGING_CMDLETS))
    return found


def split(run):
    """Round trips of the preflight play, of the restore module, the progress reads (of the synchronisation, and
    of failover_cluster waiting for Warm Standby), and the probes: one per run of a module that reads before it
    changes or only reads (failover_cluster, replication, replication_info)."""
    preflight = restore = polls = probes = 0
    for play in run.json["plays"]:
        checking = play["play"]["name"].startswith("Check the request")
        for task in play["tasks"]:
            for result in task["hosts"].values():
                operations = result.get("remote_operations") or 0
                if checking:
                    preflight += operations
                elif task["task"]["name"].endswith("Restore the Informix instance"):
                    restore += operations
                elif "cluster" in result or "percent_done" in result or "kinds" in result:
                    probes += 1
                polls += result.get("polls") or 0  # a sync's progress reads, failover_cluster's Warm Standby reads
    return preflight, restore, polls, probes


def measure(lab, log_dir):
    record_calls(lab, log_dir)
    since = time.time()
    run = lab.playbook(os.path.join(ROOT, "playbooks", "restore_standby.yml"), limit=LIMIT,
                       extra={"informix_restore_confirm": True, "restore_poll_interval": 1})
    if run.rc != 0:
        raise SystemExit(f"restore_standby.yml failed:\n{run.stdout[-3000:]}")
    total = recorded_round_trips(log_dir)
    preflight, restore, polls, probes = split(run)
    rest = total - preflight - restore - polls
    return {"procedure": "restore_standby", "manual_steps": MANUAL_STEPS, "round_trips": total,
            "preflight": preflight, "restore": restore, "polls": polls, "probes": probes, "rest": rest,
            "state_changes": state_changes(lab, since)}


def main():
    options = check_options(__doc__, "fail when a count differs")
    workdir = tempfile.mkdtemp(prefix="bench-ha-restores-")
    try:
        lab = cluster_estate(workdir)
        # every hosts.equiv right for both kinds of replication (§7.3, §8.1), and the backup to restore
        for playbook, limit, extra in (("replication_resume.yml", LIMIT, {"replication_scope": "all"}),
                                       ("backup.yml", "lab-backup", {})):
            ready = lab.playbook(os.path.join(ROOT, "playbooks", playbook), limit=limit, extra=extra)
            if ready.rc != 0:
                raise SystemExit(f"{playbook} failed:\n{ready.stdout[-3000:]}")
        row = measure(lab, os.path.join(workdir, "calls"))
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{'procedure':<18}{'manual steps':>13}{'round trips':>12}{'preflight':>10}{'restore':>8}{'polls':>6}"
          f"{'rest':>6}{'changes':>8}{'probes':>7}")
    print(f"{row['procedure']:<18}{row['manual_steps']:>13}{row['round_trips']:>12}{row['preflight']:>10}"
          f"{row['restore']:>8}{row['polls']:>6}{row['rest']:>6}{row['state_changes']:>8}{row['probes']:>7}")
    print(json.dumps(row))
    problems = []
    per_server = figure("Replication preflight, per server")
    if row["preflight"] != per_server * len(HOSTS):
        problems.append(f"preflight of {row['preflight']} round trips on {len(HOSTS)} servers "
                        f"(docs/windows.md: {per_server} per server)")
    documented = figure("Standby restore (§8.6.1) beyond the preflight, the restore and the progress reads")
    if row["rest"] != documented:
        problems.append(f"restore_standby: {row['rest']} round trips beyond the preflight, the restore and the "
                        f"progress reads (docs/windows.md: {documented})")
    if row["rest"] > row["state_changes"] + row["probes"]:
        problems.append(f"restore_standby: {row['rest']} round trips for {row['state_changes']} state changes and "
                        f"{row['probes']} probes (target: one per state change beyond the probes)")
    if options.check and problems:
        raise SystemExit("; ".join(problems))


if __name__ == "__main__":
    main()
