"""Benchmark: remote operations per replication procedure (manual chapter 7, and §8.1.5.1 on the warm-standby
cluster) on the lab's estate, next to the manual steps each one replaces. Counts come from the hosts themselves: the
lab's recording connection logs every round trip per host (pipelining on: one module run or one executor batch is
one round trip).

For each procedure it reports the round trips of the preflight (every participating server, read-only once
hosts.equiv is right), of the procedure itself, and the state changes it made (a service stopped or started, a
cdr command that changes the replication, a task registered or started). Gates, all counts: the preflight's and
a pause's round trips (with a change and with nothing to change) and those of the high-availability restart of all
replication as docs/windows.md states them, at most one remote operation per state change beyond the procedure's
probes and progress reads, and no second registration of the sync task.

    python tests/bench/bench_replication.py            # the table
    python tests/bench/bench_replication.py --check    # CI: fails when a count differs
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

from bench_lab import HOSTS, LIMIT, ROOT, check_options, cluster_estate, labctl, record_calls, recorded_round_trips
from doc_figures import figure
from playbook_lab import replication_changes

# The manual's steps each procedure replaces: §7.1.2 steps 1-4 (resume, §7.1.2.1, is its mirror); §7.1.3.1
# step 1 on each of the three servers, then steps 2-5; §7.2 steps 1-6.
# §8.1.5.1 steps 1-6, then §8.2 steps 2-8 (step 2 reaching the central report server) and §8.3 steps 1-4.
MANUAL_STEPS = {"pause": 4, "pause again": 4, "restart": 3 + 4, "sync report_data_all": 6,
                "sync report_data_all again": 6, "HA restart all": 6 + 7 + 4}
PREFLIGHT_TASK = "oscc.admin.replication_preflight : "


def preflight_ops(run):
    """Round trips of the preflight role (every server taking part), the progress reads of a sync, and the other
    module runs on the host executor (each one probe: oscc.admin.replication's check-mode run before services stop
    and the change itself, oscc.admin.failover_cluster's before it takes the group offline or online)."""
    preflight = polls = probes = 0
    for play in run.json["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                if task["task"]["name"].startswith(PREFLIGHT_TASK):
                    preflight += result.get("remote_operations") or 0
                elif "remote_operations" in result:  # one run of a module on the host executor: its probe
                    probes += 1
                polls += result.get("polls") or 0
    return preflight, polls, probes


def measure(lab, log_dir, name, playbook, **extra):
    record_calls(lab, log_dir)
    since = time.time()
    run = lab.playbook(os.path.join(ROOT, "playbooks", playbook), limit=LIMIT, extra=extra)
    if run.rc != 0:
        raise SystemExit(f"{name}: {playbook} failed:\n{run.stdout[-3000:]}")
    total = recorded_round_trips(log_dir)
    preflight, polls, probes = preflight_ops(run)
    seconds = time.time() - since
    changes = replication_changes(lab, since, files=False)
    registrations = sum(1 for _host, kind, _name in changes if kind == "win_scheduled_task")
    return {"procedure": name, "manual_steps": MANUAL_STEPS[name], "round_trips": total, "preflight": preflight,
            "procedure_round_trips": total - preflight, "polls": polls, "probes": probes,
            "state_changes": len(changes), "registrations": registrations, "seconds": round(seconds, 1)}


def main():
    options = check_options(__doc__, "fail above the targets")
    workdir = tempfile.mkdtemp(prefix="bench-replication-")
    try:
        lab = cluster_estate(workdir)  # lab-main and lab-backup the warm-standby cluster's nodes (§8.1.5.1)
        log_dir = os.path.join(workdir, "calls")
        # hosts.equiv written once, with the names of every kind of replication (the HA restart's preflight reads all)
        lab.playbook(os.path.join(ROOT, "playbooks", "replication_resume.yml"), limit=LIMIT,
                     extra={"replication_scope": "all"})
        rows = [measure(lab, log_dir, "pause", "replication_pause.yml"),
                measure(lab, log_dir, "pause again", "replication_pause.yml"),
                measure(lab, log_dir, "restart", "replication_restart.yml", replication_confirm=True,
                        replication_hppc_group_offline=True),
                measure(lab, log_dir, "sync report_data_all", "replication_sync.yml",
                        replication_sync_kind="report_data_all", replication_poll_interval=1),
                measure(lab, log_dir, "sync report_data_all again", "replication_sync.yml",
                        replication_sync_kind="report_data_all", replication_poll_interval=1)]
        # §8.1.5 on lab-main without a playbook (its step is one cdr command): only the restart is measured
        main_env = dict(lab.env, **labctl.environment(lab.root, "main", "ol_main"))
        subprocess.run(["cdr", "stop"], env=main_env, check=True, stdout=subprocess.DEVNULL)
        rows.append(measure(lab, log_dir, "HA restart all", "ha_replication_restart_all.yml", replication_confirm=True,
                            replication_poll_interval=1))
    finally:
        subprocess.run(["pkill", "-f", workdir], check=False)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{'procedure':<28}{'manual steps':>13}{'round trips':>12}{'preflight':>10}{'procedure':>10}{'polls':>6}"
          f"{'changes':>8}{'seconds':>8}")
    for row in rows:
        print(f"{row['procedure']:<28}{row['manual_steps']:>13}{row['round_trips']:>12}{row['preflight']:>10}"
              f"{row['procedure_round_trips']:>10}{row['polls']:>6}{row['state_changes']:>8}{row['seconds']:>8}")
    print(json.dumps(rows))
    problems = []
    per_server = figure("Replication preflight, per server")
    for row in rows:
        if row["preflight"] != per_server * len(HOSTS):
            problems.append(f"{row['procedure']}: preflight of {row['preflight']} round trips on {len(HOSTS)} servers "
                            f"(docs/windows.md: {per_server} per server)")
        budget = row["state_changes"] + row["probes"] + row["polls"]  # one per change, the probes, the progress reads
        if row["procedure_round_trips"] > budget:
            problems.append(f"{row['procedure']}: {row['procedure_round_trips']} round trips for "
                            f"{row['state_changes']} state changes")
    documented = figure("Replication pause, resume, stop, restart")
    pause = next(r for r in rows if r["procedure"] == "pause")
    if pause["procedure_round_trips"] != documented or pause["state_changes"] != 1:
        problems.append(f"pause: {pause['procedure_round_trips']} round trips, {pause['state_changes']} changes "
                        f"(docs/windows.md: {documented}; target: 1 change)")
    documented = figure("Replication pause, resume, stop, restart with nothing to change")
    again = next(r for r in rows if r["procedure"] == "pause again")
    if again["procedure_round_trips"] != documented or again["state_changes"] != 0:
        problems.append(f"pause of a paused partner: {again['procedure_round_trips']} round trips, "
                        f"{again['state_changes']} changes (docs/windows.md: {documented}; target: no change)")
    documented = figure("High-availability restart of all replication, nothing to wait for")
    restart_all = next(r for r in rows if r["procedure"] == "HA restart all")
    # the figure counts no task registration: the report server's task is registered by the syncs above already
    if restart_all["procedure_round_trips"] - restart_all["registrations"] != documented:
        problems.append(f"HA restart all: {restart_all['procedure_round_trips']} round trips with "
                        f"{restart_all['registrations']} task registrations (docs/windows.md: {documented} and 1 per "
                        f"registration)")
    again = next(r for r in rows if r["procedure"] == "sync report_data_all again")
    if again["state_changes"] != 3:  # AutoPA stopped, the task started, AutoPA started: no second registration
        problems.append(f"a second sync made {again['state_changes']} state changes (target: 3)")
    if options.check and problems:
        raise SystemExit("; ".join(problems))


if __name__ == "__main__":
    main()
