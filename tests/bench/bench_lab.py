"""What the benchmarks share: the repository's paths, the lab's modules on sys.path, the three-server estate the
high-availability benches measure (lab-main and lab-backup one warm-standby cluster, lab-report the central report
server), the round trips its hosts record, and call counting for the benches that count a client's calls."""
import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, ".collections"))  # oscc.admin, linked there by scripts/setup
import labctl  # noqa: E402
from playbook_lab import replication_estate  # noqa: E402

LIMIT = "lab-main,lab-backup,lab-report"
HOSTS = {"lab-main": "main", "lab-backup": "backup", "lab-report": "report"}


def check_options(description, check_help):
    """The command line of a bench that only measures: --check, to fail where a count differs from its gate."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help=check_help)
    return parser.parse_args()


def cluster_estate(workdir):
    """The lab's estate in workdir, lab-main and lab-backup the nodes of one cluster, pipelining on: one module run
    is one round trip, as over WinRM."""
    lab = replication_estate(os.path.join(workdir, "lab"))
    labctl.init_cluster(lab.root)
    lab.env["ANSIBLE_PIPELINING"] = "True"
    return lab


def record_calls(lab, log_dir):
    """From here on every round trip to the lab's hosts is a line in a file of log_dir (emptied first)."""
    shutil.rmtree(log_dir, ignore_errors=True)
    os.makedirs(log_dir)
    lab.env["OSCC_LAB_CALL_LOG"] = log_dir


def recorded_round_trips(log_dir):
    """The round trips the hosts recorded in log_dir, over every host."""
    total = 0
    for name in os.listdir(log_dir):
        with open(os.path.join(log_dir, name)) as handle:
            total += sum(1 for _ in handle)
    return total


def counting(function, counter, key):
    """function, with each call counted in counter[key]."""
    def counted(*args, **kwargs):
        counter[key] += 1
        return function(*args, **kwargs)
    return counted
