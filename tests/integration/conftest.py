"""Runs tasks and playbooks with ansible-playbook against a private copy of the lab."""
import json
import os
import subprocess
import sys

import labctl
import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "inventories", "lab")
SERVERS = {"main": "ol_main", "backup": "ol_backup", "report": "ol_report"}


class Lab:
    def __init__(self, root, hosts=("main",)):
        self.root = str(root)
        for host in hosts:
            labctl.init_host(self.root, host, SERVERS[host])
        self.env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
                        ANSIBLE_PYTHON_INTERPRETER=sys.executable)

    def backups(self, host="main"):
        return labctl.host_paths(self.root, host)["backups"]

    def sim_env(self, host="main"):
        return dict(os.environ, **labctl.environment(self.root, host, SERVERS[host]))

    def sql(self, statement, host="main"):
        subprocess.run(["dbaccess", "hppc", "-"], input=statement.encode(), env=self.sim_env(host), check=True,
                       capture_output=True)

    def data(self, host="main"):
        return labctl.data(self.root, host)

    def mode_rc(self, host="main"):
        return subprocess.run(["onstat", "-"], env=self.sim_env(host), capture_output=True).returncode

    def faults(self, host="main", **faults):
        labctl.set_faults(self.root, host, SERVERS[host], faults)

    def playbook(self, path, *args, limit="lab-main", check=False, extra=None, background=False):
        argv = ["ansible-playbook", "-i", INVENTORY, path, "-l", limit, "-e", json.dumps({"oscc_lab_root": self.root,
                                                                                          **(extra or {})})]
        argv += (["--check"] if check else []) + list(args)
        if background:
            return subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=ROOT)
        proc = subprocess.run(argv, env=self.env, stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT)
        return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    def task(self, module, args, tmp_path, check=False, diff=False, host="lab-main", extra=None):
        """One task as a playbook; returns (run, result of the task on the host)."""
        play = [{"name": "t", "hosts": host, "gather_facts": False,
                 "tasks": [{"name": "under test", module: args, "register": "out"}]}]
        path = os.path.join(str(tmp_path), f"play-{module.split('.')[-1]}.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(play, handle)
        run = self.playbook(path, *(["--diff"] if diff else []), limit=host, check=check, extra=extra)
        return run, run.result("under test", host)


class Run:
    def __init__(self, rc, stdout, stderr):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr
        try:
            self.json = json.loads(stdout)
        except ValueError:
            raise AssertionError(f"ansible-playbook printed no JSON (rc {rc}):\n{stdout}\n{stderr}") from None

    def results(self, host="lab-main"):
        return [(t["task"]["name"], t["hosts"][host]) for play in self.json["plays"] for t in play["tasks"]
                if host in t["hosts"]]

    def result(self, name, host="lab-main"):
        return next(r for n, r in self.results(host) if n.endswith(name))

    def stats(self, host="lab-main"):
        return self.json["stats"][host]


@pytest.fixture
def lab(tmp_path):
    return Lab(tmp_path / "lab")


LOCATION = {"informixdir": "{{ oscc_informixdir }}", "informixserver": "{{ oscc_informixserver }}"}
