"""The lab's Enterprise Replication (ifxsim cdr, dbaccess capture, labctl.init_replication) and the scheduled-task
cmdlets a background synchronisation runs through: behaviour as the spec of issue 12 and reference §11 describe it."""
import datetime as dt
import json
import os
import subprocess
import sys
import time

import labctl
import labwatch
import pytest
from labwatch import wait_until
from test_lab_cmdlets import lab_cmdlets

HOSTS = ("main", "backup", "report")
REPORT_SET = ["rep_stats_agents", "rep_stats_calls", "rep_stats_contacts", "rep_stats_queues", "rep_stats_routing"]
HOSTS_EQUIV = r"C:\Windows\System32\drivers\etc\hosts.equiv"


class Estate:
    """lab-main, lab-backup and lab-report (simulated Windows servers) in one ER domain."""

    def __init__(self, root):
        self.root = str(root)
        for host in HOSTS:
            labctl.init_host(self.root, host, f"ol_{host}", platform="windows")
        self.domain = labctl.init_replication(self.root)

    def env(self, host):
        return dict(os.environ, **labctl.environment(self.root, host, f"ol_{host}"))

    def run(self, host, *argv, stdin="", check=False):
        done = subprocess.run(list(argv), input=stdin.encode(), env=self.env(host), capture_output=True, check=False)
        done.out, done.err = done.stdout.decode("cp1252"), done.stderr.decode("cp1252")
        if check:
            assert done.returncode == 0, (argv, done.returncode, done.out, done.err)
        return done

    def cdr(self, host, *argv, check=True):
        return self.run(host, "cdr", *argv, check=check)

    def sql(self, host, statement, database="hppc"):
        return self.run(host, "dbaccess", database, "-", stdin=statement, check=True)

    def insert(self, host, table, *keys):
        self.sql(host, "".join(f"insert into {table} values ('{k}', 'row {k}');" for k in keys))

    def keys(self, host, table):
        """The first column of the table's rows as the server holds them (read through dbaccess, which delivers
        first, like every invocation)."""
        out = self.sql(host, f"select * from {table};").out
        return sorted(line.split("|")[0] for line in out.splitlines() if line)

    def servers(self, host):
        """cdr list server as rows {group: (id, state, status, queue)}, read by position as the header gives them."""
        out = self.cdr(host, "list", "server").out.splitlines()
        assert out[0] == "SERVER                 ID STATE    STATUS     QUEUE  CONNECTION CHANGED"
        assert out[1] == "-" * 71
        rows = {}
        for line in out[2:]:
            group, number, state, status, queue, *changed = line.split()
            rows[group] = (int(number), state, status, int(queue))
            if status == "Local":
                assert not changed
            else:
                dt.datetime.strptime(" ".join(changed), "%b %d %H:%M:%S")
        return rows

    def onstat_d(self, host):
        return self.run(host, "onstat", "-d").out

    def set_mode_offline(self, host):
        self.run(host, "onmode", "-ky", check=True)

    def here(self, host, path):
        return labctl.to_here(labctl.host_paths(self.root, host)["base"], path)


@pytest.fixture
def er(tmp_path):
    return Estate(tmp_path / "lab")


def test_init_builds_the_domain_as_the_spec_lays_it_out(er):
    state = labctl.er_state(er.root)
    assert {g: (s["id"], s["running"]) for g, s in state["servers"].items()} == {
        "g_ol_main": (1, True), "g_ol_backup": (2, True), "g_ol_report": (3, True)}
    assert sorted(state["replicate_sets"]["oscc_report"]) == REPORT_SET
    assert sorted(state["replicate_sets"]["oscc_admin"]) == ["rep_agents", "rep_routing"]
    assert state["replicates"]["rep_stats_calls"]["participants"] == {
        "g_ol_main": "primary", "g_ol_backup": "primary", "g_ol_report": "receiveonly"}
    assert state["suspended"] == [] and state == er.domain
    onconfig = open(os.path.join(labctl.host_paths(er.root, "main")["informixdir"], "etc", "ONCONFIG.ol_main")).read()
    for line in ("CDR_QUEUEMEM 500", "CDR_QDATA_SBSPACE cdr_qdata", "CDR_DBSPACE cdr_dbs"):
        assert line in onconfig.splitlines()
    qdata = [ln for ln in er.onstat_d("report").splitlines() if ln.endswith(r"D:\CCDATA\cdr_qdata.000")]
    assert len(qdata) == 1 and qdata[0].split()[4] == "1000"  # size in pages
    assert " cdr_qdata" in er.onstat_d("report")
    tables = labctl.data(er.root, "report")["hppc"]
    expected = {"agents", "routing", "stats_calls", "stats_agents", "stats_queues", "stats_routing", "stats_contacts"}
    assert expected <= set(tables)
    for host in HOSTS:
        assert {row[1:] for row in er.servers(host).values()} == {("Active", "Local", 0), ("Active", "Connected", 0)}


def test_labctl_cli_builds_the_domain(tmp_path):
    root = str(tmp_path / "lab")
    for host in HOSTS:
        labctl.init_host(root, host, f"ol_{host}", platform="windows")
    argv = [sys.executable, labctl.__file__, "replication", "--root", root] + [a for h in HOSTS for a in ("--host", h)]
    subprocess.run(argv, check=True, capture_output=True)
    assert sorted(labctl.er_state(root)["servers"]) == ["g_ol_backup", "g_ol_main", "g_ol_report"]
    missing = subprocess.run(argv[:5] + ["--host", "nowhere"], capture_output=True)
    assert missing.returncode == 2 and b"nowhere" in missing.stderr


def test_rows_written_on_main_reach_report_and_backup_while_active(er):
    er.insert("main", "stats_calls", "c1", "c2")
    assert er.keys("report", "stats_calls") == ["c1", "c2"]
    assert er.keys("backup", "stats_calls") == ["c1", "c2"]
    er.sql("main", "delete from stats_calls where col = 'c1';")
    assert er.keys("report", "stats_calls") == ["c2"]
    er.insert("report", "stats_calls", "r1")  # the report server only receives
    assert er.keys("main", "stats_calls") == ["c2"]
    er.insert("backup", "agents", "1003")  # administration data: backup -> main and report
    assert "1003" in er.keys("main", "agents") and "1003" in er.keys("report", "agents")


def test_a_suspended_report_server_queues_until_resumed(er):
    er.cdr("main", "suspend", "server", "g_ol_report")
    er.cdr("main", "suspend", "server", "g_ol_report")  # idempotent
    er.insert("main", "stats_calls", "c1", "c2")
    assert er.keys("report", "stats_calls") == []
    assert er.keys("backup", "stats_calls") == ["c1", "c2"]  # backup is not suspended
    first = er.servers("main")["g_ol_report"]
    assert first[1:3] == ("Suspended", "Connected") and first[3] == 2 * (len(json.dumps(["c1", "row c1"])) + 64)
    # Suspended is delivery TO the row's server: on the report server its own row, not the main server's
    assert er.servers("report")["g_ol_report"][1:3] == ("Suspended", "Local")
    assert er.servers("report")["g_ol_main"][1] == "Active"
    assert er.servers("main")["g_ol_backup"][1:] == ("Active", "Connected", 0)
    er.insert("main", "stats_calls", "c3")
    assert er.servers("main")["g_ol_report"][3] > first[3]  # the queue grows
    er.cdr("backup", "resume", "server", "g_ol_report")
    assert er.keys("report", "stats_calls") == ["c1", "c2", "c3"]
    assert er.servers("main")["g_ol_report"][1:] == ("Active", "Connected", 0)  # drained


def test_suspending_from_one_source_only(er):
    er.cdr("main", "suspend", "server", "g_ol_report", "g_ol_backup")
    er.insert("main", "stats_calls", "m1")
    er.insert("backup", "stats_calls", "b1")
    assert er.keys("report", "stats_calls") == ["m1"]
    assert er.servers("main")["g_ol_report"][1] == "Active"
    assert er.servers("backup")["g_ol_report"][1] == "Suspended"
    er.cdr("report", "resume", "server", "g_ol_report", "g_ol_backup")
    assert er.keys("report", "stats_calls") == ["b1", "m1"]


@pytest.mark.parametrize("end", ["main", "report"])
def test_which_row_shows_a_suspension_run_on_either_end(er, end):
    er.cdr(end, "suspend", "server", "g_ol_report", "g_ol_main")
    assert er.servers("main")["g_ol_report"][1] == "Suspended"  # main's delivery to the report server
    assert er.servers("main")["g_ol_main"][1] == "Active"  # nothing to main is suspended
    assert er.servers("report")["g_ol_report"][1] == "Suspended"  # its own row: delivery to it
    assert er.servers("report")["g_ol_main"][1] == "Active"
    assert er.servers("backup")["g_ol_report"][1] == "Active"  # backup still delivers to it
    er.insert("backup", "stats_calls", "b1")
    assert er.keys("report", "stats_calls") == ["b1"]
    er.cdr("report" if end == "main" else "main", "resume", "server", "g_ol_report", "g_ol_main")
    assert {row[1] for host in HOSTS for row in er.servers(host).values()} == {"Active"}


def test_high_availability_suspended_both_ways_shows_on_both_rows(er):
    er.cdr("main", "suspend", "server", "g_ol_backup", "g_ol_main")
    er.cdr("main", "suspend", "server", "g_ol_main", "g_ol_backup")
    for host in ("main", "backup"):
        rows = er.servers(host)
        assert (rows["g_ol_main"][1], rows["g_ol_backup"][1], rows["g_ol_report"][1]) == (
            "Suspended", "Suspended", "Active")


def test_a_disconnected_partner_stays_disconnected_until_reset(er):
    er.cdr("report", "disconnect", "server", "g_ol_main")
    er.insert("main", "stats_calls", "c1")
    time.sleep(0.01)
    er.insert("main", "stats_calls", "c2")  # no retry brings it back by itself
    assert er.servers("main")["g_ol_report"][1:3] == ("Active", "Disconnect")
    assert er.servers("main")["g_ol_report"][3] > 0
    assert er.servers("report")["g_ol_main"][1:3] == ("Active", "Disconnect")
    assert er.servers("backup")["g_ol_report"][2] == "Connected"
    assert er.keys("report", "stats_calls") == []
    er.cdr("main", "connect", "server", "g_ol_report")  # the reset, from either end
    assert er.keys("report", "stats_calls") == ["c1", "c2"]
    assert er.servers("main")["g_ol_report"][1:] == ("Active", "Connected", 0)


def test_a_full_queue_spools_into_the_sbspace(er):
    er.cdr("main", "suspend", "server", "g_ol_report")
    free = [ln.split()[5] for ln in er.onstat_d("main").splitlines() if ln.endswith("cdr_qdata.000")]
    assert free == ["1000"]
    er.insert("main", "stats_calls", *[f"call-{n:05d}-{'x' * 200}" for n in range(2500)])
    queued = er.servers("main")["g_ol_report"][3]
    assert queued > 500 * 1024
    used = -(-(queued - 500 * 1024) // 2048)
    free = [ln.split()[5] for ln in er.onstat_d("main").splitlines() if ln.endswith("cdr_qdata.000")]
    assert free == [str(1000 - used)]


def test_stop_then_cleanstart_loses_what_was_written_meanwhile(er):
    er.cdr("main", "suspend", "server", "g_ol_report")
    er.insert("main", "stats_calls", "queued")
    er.cdr("main", "stop")
    er.cdr("main", "stop")  # already stopped: rc 0
    er.insert("main", "stats_calls", "logged")
    assert er.keys("backup", "stats_calls") == ["queued"]  # nothing leaves a stopped server
    stopped = er.cdr("main", "list", "server", check=False)
    assert (stopped.returncode, stopped.err.strip()) == (
        62, "command failed -- Enterprise Replication not active  (62)")
    assert er.servers("report")["g_ol_main"][2] == "Disconnect"
    er.cdr("main", "cleanstart")
    er.cdr("main", "resume", "server", "g_ol_report")
    assert er.keys("report", "stats_calls") == [] and er.keys("backup", "stats_calls") == ["queued"]
    assert er.servers("main")["g_ol_report"][1:] == ("Active", "Connected", 0)


def test_stop_then_start_keeps_what_was_written_meanwhile(er):
    er.cdr("main", "stop")
    er.insert("main", "stats_calls", "logged")
    assert er.keys("report", "stats_calls") == []
    er.cdr("main", "start")
    er.cdr("main", "start")  # already running: rc 0
    assert er.keys("report", "stats_calls") == ["logged"] and er.keys("backup", "stats_calls") == ["logged"]


def test_start_after_the_replay_position_is_gone_fails_with_214(er):
    er.cdr("main", "stop")
    er.insert("main", "stats_calls", "logged")
    labctl.set_faults(er.root, "main", "ol_main", {"er_replay_lost": True})
    failed = er.cdr("main", "start", check=False)
    assert (failed.returncode, failed.err.strip()) == (214, "command failed -- replay position overwritten  (214)")
    assert not labctl.er_state(er.root)["servers"]["g_ol_main"]["running"]
    er.cdr("main", "cleanstart")
    assert er.servers("main")["g_ol_main"][2] == "Local" and er.keys("report", "stats_calls") == []


def test_sync_brings_every_row_back(er):
    er.cdr("main", "stop")
    er.insert("main", "stats_calls", "c1", "c2")
    er.insert("main", "stats_agents", "a1")
    er.cdr("main", "cleanstart")
    er.insert("report", "stats_calls", "stray")  # a row only the target has goes
    assert er.keys("report", "stats_calls") == ["stray"]
    er.cdr("report", "sync", "replicate", "--master=g_ol_main", "--repl=rep_stats_calls", "g_ol_report")
    assert er.keys("report", "stats_calls") == ["c1", "c2"] and er.keys("report", "stats_agents") == []
    done = er.cdr("main", "sync", "replicateset", "--master=g_ol_main", "--replset=oscc_report",
                  "g_ol_report", "g_ol_backup")
    assert done.out == ""
    assert er.keys("report", "stats_agents") == ["a1"] and er.keys("backup", "stats_calls") == ["c1", "c2"]


def test_sync_refuses_unknown_names_and_unreachable_servers(er):
    unknown_set = er.cdr("main", "sync", "replicateset", "--master=g_ol_main", "--replset=nope", "g_ol_report",
                         check=False)
    assert unknown_set.returncode == 99 and unknown_set.err.startswith("command failed -- ")
    unknown_group = er.cdr("main", "sync", "replicateset", "--master=g_x", "--replset=oscc_report", "g_ol_report",
                           check=False)
    assert unknown_group.returncode == 47 and unknown_group.err.startswith("command failed -- sim: ")
    unknown_repl = er.cdr("main", "sync", "replicate", "--master=g_ol_main", "--repl=rep_x", "g_ol_report", check=False)
    assert unknown_repl.returncode != 0 and unknown_repl.err.startswith("command failed -- sim: ")
    er.set_mode_offline("report")
    offline = er.cdr("main", "sync", "replicateset", "--master=g_ol_main", "--replset=oscc_report", "g_ol_report",
                     check=False)
    assert (offline.returncode, offline.err.strip()) == (
        5, "command failed -- unable to connect to server specified  (5)")


def test_check_repair_since_repairs_only_recent_rows(er):
    er.cdr("main", "suspend", "server", "g_ol_report")
    er.insert("main", "stats_calls", "old")
    time.sleep(1.1)
    since = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    er.insert("main", "stats_calls", "new")
    er.cdr("main", "cleanstart")  # the queue to the report server is gone
    er.cdr("main", "resume", "server", "g_ol_report")
    assert er.keys("report", "stats_calls") == []
    done = er.cdr("main", "check", "replicateset", "--master=g_ol_main", "--replset=oscc_report", "g_ol_report",
                  "--repair", f"--since={since}")
    assert done.out and all(line.startswith("sim: ") for line in done.out.splitlines())
    assert er.keys("report", "stats_calls") == ["new"]
    er.cdr("main", "check", "replicateset", "--master=g_ol_main", "--replset=oscc_report", "g_ol_report", "--repair")
    assert er.keys("report", "stats_calls") == ["new", "old"]


def test_list_server_for_an_off_line_instance(er):
    er.set_mode_offline("report")
    assert er.servers("main")["g_ol_report"][2] == "Connecting"
    er.insert("main", "stats_calls", "c1")
    assert er.servers("main")["g_ol_report"][3] > 0  # queued for the server that is down
    local = er.cdr("report", "list", "server", check=False)
    assert (local.returncode, local.err.strip()) == (5, "command failed -- unable to connect to server specified  (5)")
    er.run("report", "oninit", check=True)
    assert er.keys("report", "stats_calls") == ["c1"]
    assert er.servers("main")["g_ol_report"][1:] == ("Active", "Connected", 0)


def test_list_replicateset_and_the_rest_of_the_command_line(er):
    listed = er.cdr("backup", "list", "replicateset", "oscc_report").out.splitlines()
    assert listed[:3] == [
        "REPLICATE SET:oscc_report", "CURRENTLY DEFINED REPLICATES", "-------------------------------"]
    assert [ln.split(":", 1)[1].strip() for ln in listed if ln.startswith("REPLICATE:")] == REPORT_SET
    missing = er.cdr("backup", "list", "replicateset", "nope", check=False)
    assert (missing.returncode, missing.err.strip()) == (99, "command failed -- replicate set not found  (sim)")
    group = er.cdr("main", "suspend", "server", "g_nowhere", check=False)
    assert group.returncode == 47 and group.err.startswith("command failed -- ")
    other = er.cdr("main", "define", "server", check=False)
    assert other.returncode == 1 and other.err.startswith("sim: usage: cdr")
    assert os.path.exists(os.path.join(labctl.host_paths(er.root, "main")["informixdir"], "bin", "cdr.exe"))


def test_a_trusted_connection_needs_the_partners_hosts_equiv(er):
    probe = "select count(*) from systables;"
    refused = er.run("main", "dbaccess", "sysmaster@ol_report", "-", stdin=probe)
    assert (refused.returncode, refused.err.strip()) == (1, "956: Client host or user informix@lab-main is not trusted "
                                                            "by the server.")
    assert refused.err.startswith("  956:")
    equiv = er.here("report", HOSTS_EQUIV)
    os.makedirs(os.path.dirname(equiv), exist_ok=True)
    with open(equiv, "w", newline="\r\n") as handle:
        handle.write("lab-backup\nlab-backup.lab.invalid\n")
    assert er.run("main", "dbaccess", "sysmaster@ol_report", "-", stdin=probe).returncode == 1
    assert er.run("backup", "dbaccess", "sysmaster@ol_report", "-", stdin=probe).returncode == 0
    with open(equiv, "a", newline="\r\n") as handle:
        handle.write("lab-main.lab.invalid informix\n")
    trusted = er.run("main", "dbaccess", "sysmaster@ol_report", "-", stdin=probe, check=True)
    assert trusted.out.split()[-1].isdigit()
    assert er.run("main", "dbaccess", "sysmaster@ol_main", "-", stdin=probe).returncode == 0  # the same host
    er.run("main", "dbaccess", "hppc@ol_report", "-", stdin="insert into stats_calls values ('x', 'on report');",
           check=True)
    assert er.keys("report", "stats_calls") == ["x"] and er.keys("main", "stats_calls") == []
    unknown = er.run("main", "dbaccess", "sysmaster@ol_nowhere", "-", stdin=probe)
    assert unknown.returncode != 0 and "908" in unknown.err


def test_two_cdr_processes_at_once_keep_the_state_whole(er):
    """A long synchronisation in the background and probes and writes meanwhile: the probes are not held up by
    the sync, and no change is lost."""
    labctl.er_configure(er.root, sync_seconds_per_replicate=0.4)
    sync = subprocess.Popen(
        ["cdr", "sync", "replicateset", "--master=g_ol_main", "--replset=oscc_report", "g_ol_report"],
        env=er.env("backup"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = time.monotonic()
    writers = [subprocess.Popen(["dbaccess", "hppc", "-"], env=er.env("main"), stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(12)]
    for number, writer in enumerate(writers):
        writer.communicate(f"insert into stats_queues values ('q{number:02d}', 'x');".encode())
    probes = 0
    while sync.poll() is None:
        assert er.servers("report")["g_ol_main"][1] == "Active"
        probes += 1
    assert sync.returncode == 0, sync.stderr.read()
    assert probes >= 3 and time.monotonic() - started >= 5 * 0.4
    assert all(w.returncode == 0 for w in writers)
    state = labctl.er_state(er.root)
    assert state["queues"]["g_ol_main"]["g_ol_report"] == []
    assert er.keys("report", "stats_queues") == [f"q{n:02d}" for n in range(12)]


# ---- the scheduled-task cmdlets (ScheduledTasks) a background synchronisation is started and stopped with

class Windows:
    def __init__(self, path):
        self.path = path
        self.data = json.load(open(path))

    def save(self):
        json.dump(self.data, open(self.path, "w"))


def task(er, name, ops, path="\\OSCC\\"):
    """A task as win_scheduled_task registers it: the host executor on a saved batch in C:\\ProgramData\\oscc.admin."""
    batch_file = r"C:\ProgramData\oscc.admin" + "\\" + name.replace(" ", "_") + ".json"
    os.makedirs(os.path.dirname(er.here("main", batch_file)), exist_ok=True)
    with open(er.here("main", batch_file), "w") as handle:
        json.dump({"ops": ops}, handle)
    state = Windows(os.path.join(labctl.host_paths(er.root, "main")["base"], "windows.json"))
    state.data.setdefault("scheduled_tasks", {})[path + name] = {
        "actions": [{"path": "powershell.exe", "arguments": '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File '
                     rf'"C:\ProgramData\oscc.admin\executor.ps1" -BatchFile "{batch_file}"'}],
        "multiple_instances": 2}
    state.save()
    return state


@pytest.fixture
def host_env(er, monkeypatch):
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", labctl.host_paths(er.root, "main")["base"])
    monkeypatch.setenv("OSCC_LAB_REPO", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    return er


def cmdlet(state, name, select=None, **parameters):
    session = lab_cmdlets.Session(state)
    return session.run({"op": "cmdlet", "module": "ScheduledTasks", "name": name, "parameters": parameters,
                        **({"select": select} if select else {})})


def task_state(state, name):
    got = cmdlet(state, "Get-ScheduledTask", ["State"], TaskName=name)
    assert got["ok"], got
    return got["objects"][0]["State"]


def syncing(er):
    """Live cdr processes of the lab's main host."""
    return labwatch.running(er.root, "main", "cdr")


def test_a_started_task_runs_its_batch_detached_and_stop_ends_it(host_env):
    er = host_env
    labctl.er_configure(er.root, sync_seconds_per_replicate=0.5)
    cdr = r"C:\Program Files\Informix\bin\cdr.exe"
    env = {k: v for k, v in labctl.environment(er.root, "main", "ol_main").items() if k != "PATH"}
    env["INFORMIXDIR"] = r"C:\Program Files\Informix"
    sync = {"op": "run",
            "argv": [cdr, "sync", "replicateset", "--master=g_ol_main", "--replset=oscc_report", "g_ol_report"],
            "env": env, "timeout": 60}
    state = task(er, "OSCC replication sync", [sync])
    assert task_state(state, "OSCC replication sync") == "Ready"
    before = time.monotonic()
    assert cmdlet(state, "Start-ScheduledTask", TaskName="OSCC replication sync", TaskPath="\\OSCC\\")["ok"]
    assert time.monotonic() - before < 2  # not waited for (the sync takes 2.5 s)
    assert task_state(state, "OSCC replication sync") == "Running"
    run = state.data["scheduled_task_runs"]["\\OSCC\\OSCC replication sync"]
    assert os.getsid(run["pid"]) == run["pid"]  # a session of its own
    assert cmdlet(state, "Start-ScheduledTask", TaskName="OSCC replication sync", TaskPath="\\OSCC\\")["ok"]
    assert state.data["scheduled_task_runs"]["\\OSCC\\OSCC replication sync"]["pid"] == run["pid"]  # IgnoreNew
    wait_until(lambda: task_state(state, "OSCC replication sync") != "Running", seconds=20, interval=0.1)
    assert task_state(state, "OSCC replication sync") == "Ready"
    result = json.load(open(run["output"]))
    assert result["failed_at"] is None and result["results"][0]["rc"] == 0
    assert open(run["rc_file"]).read().strip() == "0"

    labctl.er_configure(er.root, sync_seconds_per_replicate=30)
    assert cmdlet(state, "Start-ScheduledTask", TaskName="OSCC replication sync", TaskPath="\\OSCC\\")["ok"]
    assert task_state(state, "OSCC replication sync") == "Running"
    assert wait_until(lambda: syncing(er), seconds=10, interval=0.05)
    stopped = time.monotonic()
    assert cmdlet(state, "Stop-ScheduledTask", TaskName="OSCC replication sync", TaskPath="\\OSCC\\")["ok"]
    assert time.monotonic() - stopped < 6 and task_state(state, "OSCC replication sync") == "Ready"
    assert not syncing(er)  # the executor and the cdr it started (in a session of its own) are gone
    # not running
    assert cmdlet(state, "Stop-ScheduledTask", TaskName="OSCC replication sync", TaskPath="\\OSCC\\")["ok"]


def test_an_unknown_or_disabled_task_is_an_error(host_env):
    state = task(host_env, "OSCC replication sync", [])
    for name in ("Start-ScheduledTask", "Stop-ScheduledTask"):
        assert cmdlet(state, name, TaskName="nope", TaskPath="\\OSCC\\") == {
            "op": "cmdlet", "ok": False, "error": "The system cannot find the file specified."}
        # without -TaskPath the cmdlet looks in the root folder
        assert not cmdlet(state, name, TaskName="OSCC replication sync")["ok"]
    missing = cmdlet(state, "Get-ScheduledTask", TaskName="nope")
    assert not missing["ok"] and "No MSFT_ScheduledTask objects found" in missing["error"]
    assert cmdlet(state, "Get-ScheduledTask", TaskName="nope", ErrorAction="SilentlyContinue")["objects"] == []
    got = cmdlet(state, "Get-ScheduledTask", ["TaskName", "TaskPath", "State"], TaskName="OSCC*")
    assert got["objects"] == [{"TaskName": "OSCC replication sync", "TaskPath": "\\OSCC\\", "State": "Ready"}]
    assert cmdlet(state, "Get-ScheduledTask", TaskName="x", Frob=1)["error"] == \
        "A parameter cannot be found that matches parameter name 'Frob'."
    state.data["scheduled_tasks"]["\\OSCC\\OSCC replication sync"]["enabled"] = False
    assert task_state(state, "OSCC replication sync") == "Disabled"
    refused = cmdlet(state, "Start-ScheduledTask", TaskName="OSCC replication sync", TaskPath="\\OSCC\\")
    assert not refused["ok"] and "refused the request" in refused["error"]
