"""maintenance_shutdown.yml (manual §6.1) on one server of the lab, pipelining on (one module run is one round
trip, as over WinRM): the round trips the host records for the stop, the reboot and the check after it, against the
figure of docs/windows.md, and the manual's steps they carry out (each OSCC service stopped, Informix off-line, its
service stopped, the check before the power-off, the reboot, the check after). --check fails when the count
differs."""
import json
import os
import shutil
import tempfile

from bench_lab import ROOT, check_options, record_calls, recorded_round_trips
from doc_figures import figure
from playbook_lab import Lab

# the manual's steps the run carries out: two OSCC services, Informix off-line, its service, the check before the
# power-off, the reboot, the check after it
MANUAL_STEPS = 7


def main():
    options = check_options(__doc__, "fail when the round trips differ from docs/windows.md")
    workdir = tempfile.mkdtemp(prefix="bench-maintenance-")
    try:
        lab = Lab(os.path.join(workdir, "lab"), "lab-main")
        lab.env["ANSIBLE_PIPELINING"] = "True"
        log_dir = os.path.join(workdir, "calls")
        record_calls(lab, log_dir)
        run = lab.playbook(os.path.join(ROOT, "playbooks", "maintenance_shutdown.yml"),
                           extra={"maintenance_confirm": True})
        if run.rc != 0:
            raise SystemExit(f"maintenance_shutdown.yml failed:\n{run.stdout[-3000:]}")
        row = {"procedure": "maintenance_shutdown", "manual_steps": MANUAL_STEPS,
               "round_trips": recorded_round_trips(log_dir)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{'procedure':<22}{'manual steps':>13}{'round trips':>12}")
    print(f"{row['procedure']:<22}{row['manual_steps']:>13}{row['round_trips']:>12}")
    print(json.dumps(row))
    documented = figure("Maintenance stop, reboot and check (one server)")
    if options.check and row["round_trips"] != documented:
        raise SystemExit(f"maintenance_shutdown: {row['round_trips']} round trips (docs/windows.md: {documented})")


if __name__ == "__main__":
    main()
