"""Runs tasks and playbooks with ansible-playbook against a private copy of the lab."""
import datetime
import json
import os
import subprocess
import sys

import labctl
import labwatch
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "inventories", "lab")
# inventory host -> (lab host, Informix server, platform)
HOSTS = {"lab-main": ("main", "ol_main", "windows"), "lab-linux": ("linux", "ol_linux", "posix")}
# Further Informix servers of the estate, for tests on a destination they share with lab-main.
ESTATE = {"lab-backup": ("backup", "ol_backup", "windows"), "lab-report": ("report", "ol_report", "windows")}
# inventory host -> (lab host, platform) of the web servers and the directory
SERVICE_HOSTS = {"lab-web-iis": ("web-iis", "windows"), "lab-web-tomcat": ("web-tomcat", "posix"),
             "lab-web-sunjava": ("web-sunjava", "posix"), "lab-ldap": ("ldap", "posix"),
             "lab-exchange": ("exchange", "windows"), "lab-wallboard-1": ("wallboard-1", "posix"),
             "lab-domino": ("domino", "posix"), "lab-office365": ("office365", "windows"),
             "lab-google": ("google", "posix")}


class Lab:
    """A private copy of the lab with one Informix host, driven as its inventory says."""

    def __init__(self, root, inventory_host="lab-main", exchange_version="15.0", build=True):
        """build=False: drive a lab built already (a copy, labctl.copy_lab) instead of building the host."""
        self.root = str(root)
        self.inventory_host = inventory_host
        if inventory_host in SERVICE_HOSTS:
            (self.host, self.platform), self.server = SERVICE_HOSTS[inventory_host], None
            if build:
                labctl.init_web_host(self.root, self.host, platform=self.platform,
                                     sunjava=self.host == "web-sunjava",
                                     exchange=exchange_version if self.host == "exchange" else None)
        else:
            self.host, self.server, self.platform = {**HOSTS, **ESTATE}[inventory_host]
            if build:
                labctl.init_host(self.root, self.host, self.server, platform=self.platform)
        self.paths = labctl.host_paths(self.root, self.host)
        self.env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
                        ANSIBLE_PYTHON_INTERPRETER=sys.executable)

    def backups(self):
        return self.paths["backups"]

    def lock_file(self):
        """The server's lock: one per Informix server, beside its ONCONFIG."""
        return os.path.join(self.paths["informixdir"], "etc", f".oscc-{self.server}.lock")

    def spelled(self, key, name):
        """A path as the host spells it (D:\\CCDATA\\x on the simulated Windows host)."""
        return labctl.host_join(self.paths, key, name)

    def here(self, host_path):
        return labctl.to_here(self.paths["base"], host_path)

    def sim_env(self):
        return dict(os.environ, **labctl.environment(self.root, self.host, self.server))

    def sql(self, statement):
        self.sql_on(self.inventory_host, statement)

    def sql_on(self, inventory_host, statement):
        """SQL on an Informix host of the lab."""
        host, server, _platform = {**HOSTS, **ESTATE}[inventory_host]
        env = dict(os.environ, **labctl.environment(self.root, host, server))
        subprocess.run(["dbaccess", "hppc", "-"], input=statement.encode(), env=env, check=True, capture_output=True)

    def rows(self, inventory_host, table="stats_calls"):
        """A table's rows on an Informix host of the lab, sorted."""
        return sorted(labctl.data(self.root, {**HOSTS, **ESTATE}[inventory_host][0])["hppc"][table])

    def data(self):
        return labctl.data(self.root, self.host)

    def mode_rc(self):
        return subprocess.run(["onstat", "-"], env=self.sim_env(), capture_output=True).returncode

    def faults(self, **faults):
        labctl.set_faults(self.root, self.host, self.server, faults)

    def running(self, program):
        """pids of this host's live launches of a simulated Informix program (ontape, cdr, ...)."""
        return labwatch.running(self.root, self.host, program)

    def windows_calls(self):
        return labctl.windows_state(self.root, self.host)["calls"]

    def playbook(self, path, *args, limit=None, check=False, extra=None, background=False):
        limit = limit or self.inventory_host
        argv = ["ansible-playbook", "-i", INVENTORY, path, "-l", limit, "-e", json.dumps({"oscc_lab_root": self.root,
                                                                                          **(extra or {})})]
        argv += (["--check"] if check else []) + list(args)
        if background:  # a process group of its own: a test can kill the controller with its workers
            return subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=ROOT, start_new_session=True)
        proc = subprocess.run(argv, env=self.env, stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT)
        return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    def task(self, module, args, tmp_path, check=False, diff=False, host=None, extra=None):
        """One task as a playbook; returns (run, result of the task on the host)."""
        host = host or self.inventory_host
        play = [{"name": "t", "hosts": host, "gather_facts": False,
                 "tasks": [{"name": "under test", module: args, "register": "out"}]}]
        path = os.path.join(str(tmp_path), f"play-{module.split('.')[-1]}.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(play, handle)
        run = self.playbook(path, *(["--diff"] if diff else []), limit=host, check=check, extra=extra)
        return run, run.result("under test", host)

    def tasks(self, steps, tmp_path, extra=None, name="steps"):
        """Tasks run back to back in one playbook, as separate `task` runs one after the other would run them
        (each task is a fresh worker process on the controller either way), for tests that only look at the
        results and the lab afterwards: one ansible-playbook start instead of one per task.

        steps: (module, args) or (module, args, {"check": bool, "diff": bool, "host": inventory host, "vars": the
        task's variables, over the inventory's as `extra` would be}). A failed step does not stop the next ones
        (ignore_errors: its result still says failed). Steps on another host
        (another Lab of the same root) go into a play of their own, in order. Returns (run, [result of each step])."""
        plays, order = [], []
        for number, step in enumerate(steps, 1):
            module, args, options = (tuple(step) + ({},))[:3]
            host = options.get("host", self.inventory_host)
            task = {"name": f"step {number}", module: args, "register": f"step_{number}", "ignore_errors": True}
            if options.get("check"):
                task["check_mode"] = True
            if options.get("diff"):
                task["diff"] = True
            if "vars" in options:
                task["vars"] = options["vars"]
            if not plays or plays[-1]["hosts"] != host:
                plays.append({"name": f"p{len(plays) + 1}", "hosts": host, "gather_facts": False, "tasks": []})
            plays[-1]["tasks"].append(task)
            order.append((f"step {number}", host))
        path = os.path.join(str(tmp_path), f"play-{name}.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(plays, handle)
        run = self.playbook(path, limit=",".join(sorted({h for _n, h in order})), extra=extra)
        results = []
        for task_name, host in order:
            found = [r for n, r in run.results(host) if n == task_name]
            assert len(found) == 1, (task_name, host, run.stdout[-3000:], run.stderr[-2000:])
            results.append(found[0])
        return run, results


# One backup share for the whole estate, as the README lays it out: each server's archives lie beside the others'.
SHARE = r"\\backupsrv\oscc"


def main_and_backup(tmp_path):
    """The main and the backup server of one lab, writing to one share (SHARE)."""
    root = tmp_path / "lab"
    return Lab(root, "lab-main"), Lab(root, "lab-backup")


def share_dir(lab, share=SHARE):
    """Where the lab keeps the share on this machine."""
    return labctl.to_here(lab.paths["base"], share)


def replication_estate(root):
    """lab-main, lab-backup and lab-report in one simulated Enterprise Replication domain (labctl.init_replication)."""
    lab = Lab(root, "lab-main")
    for host in ("backup", "report"):
        labctl.init_host(lab.root, host, ESTATE[f"lab-{host}"][1], platform="windows")
    labctl.init_replication(lab.root)
    return lab


CHANGING_CDR = {"suspend", "resume", "stop", "start", "cleanstart", "sync", "check"}


def replication_changes(lab, since=0.0, files=True):
    """Every call the three servers recorded after `since` that can change one: a service, a task, or an executor
    batch that writes, removes (without `files`: not these, the files of one change), starts or stops a task, or
    runs a changing cdr command."""
    found = []
    for host in ("main", "backup", "report"):
        for call in labctl.windows_state(lab.root, host)["calls"]:
            if call["time"] < since:
                continue
            if call["module"] in ("win_service", "win_scheduled_task"):
                found.append((host, call["module"], call["args"].get("name")))
                continue
            batch = (call["args"] or {}).get("batch") or {}
            for op in batch.get("ops", []):
                argv = op.get("argv") or []
                if (files and op["op"] in ("write", "remove", "move", "copy")) or \
                        (op["op"] == "cmdlet" and op["name"].startswith(("Start-", "Stop-"))) or \
                        (op["op"] == "run" and argv[0].lower().endswith("cdr.exe") and argv[1] in CHANGING_CDR):
                    found.append((host, op["op"], " ".join(argv[1:3]) or op.get("path") or op.get("name")))
    return found


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

    def span(self, name):
        """When the task `name` ran, in seconds since the epoch as time.time() gives them: (start, end)."""
        duration = next(t["task"]["duration"] for play in self.json["plays"] for t in play["tasks"]
                        if t["task"]["name"] == name)
        return tuple(datetime.datetime.fromisoformat(duration[key].replace("Z", "+00:00")).timestamp()
                     for key in ("start", "end"))


LOCATION = {"informixdir": "{{ oscc_informixdir }}", "informixserver": "{{ oscc_informixserver }}"}


def batch_kind(batch):
    """What one executor batch on the simulated Windows host did, by its operations."""
    ops = batch["ops"]
    names = [op["op"] for op in ops]
    programs = [" ".join(op["argv"][:2]).rsplit("\\", 1)[-1] for op in ops if op["op"] in ("run", "prompted")]
    if names[0] == "env":
        return "probe"
    services = [op for op in ops if op["op"] == "cmdlet" and op["name"] == "Get-Service"]
    if set(names) <= {"hash", "stat"} | ({"cmdlet"} if len(services) == names.count("cmdlet") else set()):
        return "verify"  # the restore's read-only look: archives, chunks, safety folder, services
    if names in (["lock"], ["unlock"]):
        return names[0]
    if any(p.startswith("ontape.exe -r") or p.startswith("onbar.exe -r") for p in programs):
        return "restore"
    if any(p.startswith("ontape.exe -s") for p in programs):
        return "backup"
    return "keep" if "write" in names else "+".join(names)
