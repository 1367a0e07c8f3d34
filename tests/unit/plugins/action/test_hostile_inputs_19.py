"""Issue 19's hostile inputs for the Informix, replication and wallboard modules, one row each: the module, what it
was given, and the one line (naming the option) or the result it must now give. Each row runs the module's own
validation or planning, or the action plugin with the host faked (tests/unit/plugins/action/conftest.py); what
needs a real host is in the lab tests (tests/integration/test_replication_modules.py). The web, mail and LDAP rows
are in test_hostile_inputs_19_web_mail.py."""
import dataclasses
import importlib
import json
import ntpath
import os
import posixpath
from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix as posix
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import signing
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import Probe

COLLECTION = "ansible_collections.oscc.admin.plugins"
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plugin_utils", "fixtures",
                        "informix")
WINDOWS = {"informixdir": "C:\\Informix", "informixserver": "ol_main"}
BACKUPS = "D:\\OSCC-Backups"
SCHEDULE = {**WINDOWS, "destination": BACKUPS, "schedules": [{"level": 0, "time": "01:00"}]}
PREFLIGHT = {"local_name": "oscc1", "local_fqdn": "oscc1.contact.example.com", "informixdir": "C:\\Informix",
             "informixserver": "ol_oscc1",
             "partners": [{"name": "osccrep", "fqdn": "osccrep.contact.example.com", "address": "10.20.30.13",
                           "informixserver": "ol_osccrep"}]}
RESTORE = {"include_levels": None, "allow_version_mismatch": False, "chunks": None,
           "services": ["OpenScape Contact Center"]}
ONCONFIG_TEXT = "TAPEDEV STDIO\nTAPESIZE 1024\n"
SERVER_LIST = ("SERVER                 ID STATE    STATUS     QUEUE  CONNECTION CHANGED\n"
               "-----------------------------------------------------------------------\n"
               "g_ol_main              10 Active   Local          0\n"
               "g_ol_report            30 Active   Connected   4096 Dec  2 10:00:00\n")


def action(name):
    return importlib.import_module(f"{COLLECTION}.action.{name}")


# The recordings' manifests signed as the controller that wrote them would have (test_informix_plans.py).
TRUST = signing.Trust.of("unit-test manifest key, not a secret")


def recorded_probe(name="probe_shared_destination.json") -> Probe:
    with open(os.path.join(FIXTURES, name)) as handle:
        recording = json.load(handle)
    recording.pop("platform")
    for entry in recording["results"].get("manifests", {}).get("entries", []):
        content = json.loads(entry.get("content") or "null")
        if isinstance(content, dict) and "format" in content:
            entry["content"] = json.dumps(signing.sign(content, TRUST))
    return Probe.from_results(**recording, path=posixpath, trust=TRUST)


def outcome(run):
    """What a hostile input ended in, as text: the task's error, or its result."""
    try:
        ended = run()
    except AnsibleActionFail as exc:
        return str(exc)
    if isinstance(ended, dict) and ended.get("failed"):
        return ended["msg"]
    return json.dumps(ended, default=str)


# ---------------------------------------------------------------- the ways a row reaches the code
def task(host, tmp_path, monkeypatch, module, args, platform="windows", check=False, answers=()):
    """The action plugin as ansible-core runs it; `answers`: the executor's results of its batches, in turn."""
    host.recorded.extend(answers)
    return outcome(lambda: host.run(action(module).ActionModule, args, check=check, platform=platform))


def onconfig_task(host, tmp_path, monkeypatch, module, args):
    """onconfig on a server whose probe read ONCONFIG_TEXT."""
    plugin = action("onconfig")

    def probe(target, location):
        return SimpleNamespace(onconfig_path="C:\\Informix\\etc\\ONCONFIG.ol_main", onconfig_sha256="00" * 32,
                               text=SimpleNamespace(onconfig=ONCONFIG_TEXT))

    monkeypatch.setattr(plugin.informix_host, "probe", probe)
    return task(host, tmp_path, monkeypatch, module, args, check=True)


def schedule_task(host, tmp_path, monkeypatch, module, args):
    """informix_backup_schedule on a server whose probe passed and found results_file a folder (its stat rides on
    the probe's round trip)."""
    plugin = action("informix_backup_schedule")
    folder = {"exists": True, "dir": True, "link": False}

    def probe(self, target, args, also):
        assert also == {"results_file": {"op": "stat", "path": args["results_file"]}}
        return SimpleNamespace(onconfig_values={}, also={"results_file": folder})
    monkeypatch.setattr(plugin.ActionModule, "probe", probe)
    monkeypatch.setattr(plugin, "check_devices", lambda backup, values: None)
    return task(host, tmp_path, monkeypatch, module, args, check=True, answers=[])


def replication_activate(host, tmp_path, monkeypatch, module, args):
    """replication activate in check mode, its estate granted; the executor says trcdbins.exe is not there."""
    plugin = action("replication")
    monkeypatch.setattr(plugin, "Estate", lambda *given: SimpleNamespace())
    missing = [{"exists": False, "dir": False, "link": False}]
    return task(host, tmp_path, monkeypatch, module, args, check=True, answers=[missing])


def backup_into_link(host, tmp_path, monkeypatch, module, args):
    """informix_backup on ol_main, whose probe (recorded) finds the destination is a link to another folder."""
    plugin = action("informix_backup")
    link = args.pop("link")

    def probe(self, target, given, destination=None, also=None, trust=None):
        return dataclasses.replace(recorded_probe(), destination_link=link)

    monkeypatch.setattr(plugin.ActionModule, "probe", probe)
    return task(host, tmp_path, monkeypatch, module, args, platform="posix", check=True)


def onconfig_folder(host, tmp_path, monkeypatch, module, args):
    """The probe of informix_info on this machine (POSIX executor), ONCONFIG given as the etc folder."""
    (tmp_path / "etc").mkdir()
    given = {**args, "informixdir": str(tmp_path), "onconfig": str(tmp_path / "etc")}
    return task(host, tmp_path, monkeypatch, module, given, platform="posix")


def onconfig_path_folder(host, tmp_path, monkeypatch, module, args):
    """The onconfig module's probe on this machine (POSIX executor), its path option given the etc folder."""
    (tmp_path / "etc").mkdir()
    given = {**args, "informixdir": str(tmp_path), "path": str(tmp_path / "etc")}
    return task(host, tmp_path, monkeypatch, module, given, platform="posix")


def restore_plan(host, tmp_path, monkeypatch, module, args):
    """The restore's plan on a recorded probe (ol_main's newest chain is a level 0 alone), as its report says."""
    from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_plan import plan_restore

    wanted = args.pop("manifest", None)
    probe = recorded_probe()
    if wanted:  # a folder beside the manifests, named as a manifest
        probe = dataclasses.replace(probe, files={**probe.files, wanted: {"name": wanted, "dir": True, "link": False}})
    return outcome(lambda: plan_restore({**RESTORE, **args}, probe, wanted, posixpath).report())


def restore_foreign_chunk(host, tmp_path, monkeypatch, module, args):
    """A chunk inside the server's chunk locations that exists and is none of its chunks (the executor's stat)."""
    from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_plan import foreign_chunk, plan_restore

    probe = recorded_probe()
    chunks = [posixpath.join(probe.chunk_locations[0], name) for name in args["chunks"]]

    def run():
        plan = plan_restore({**RESTORE, "chunks": chunks}, probe, None, posixpath)
        stats = {c: {"exists": True, "dir": False, "link": False} for c in chunks}
        problem = foreign_chunk(plan.chunks, stats, plan.known_chunks, posixpath)
        if problem:
            raise AnsibleActionFail(problem)
        return plan.report()

    return outcome(run)


class LookingTarget:
    """A host for the restore's read-only look: a safety folder as `safety` says, and its services (Windows:
    Get-Service; POSIX: service_facts, a SysV script and a systemd unit)."""

    path = ntpath

    def __init__(self, safety, platform="windows"):
        self.safety, self.sent, self.platform = safety, [], platform

    def module(self, name, args):
        assert name == "ansible.builtin.service_facts" and self.platform == "posix"
        return {"ansible_facts": {"services": {"informix": {"name": "informix", "source": "sysv", "state": "running"},
                                               "oscc-report.service": {"name": "oscc-report.service",
                                                                       "source": "systemd", "state": "running"}}}}

    def batch(self, ops, read_only=False, check=True):
        self.sent.append((ops, read_only))
        answers = {"stat": self.safety,
                   "cmdlet": {"objects": [{"Name": "OSCC", "DisplayName": "OpenScape Contact Center"}]}}
        return {"results": [dict(answers[op["op"]], op=op["op"], ok=True) for op in ops], "failed_at": None}


def restore_look(host, tmp_path, monkeypatch, module, args):
    """What the restore finds before anything is touched: the safety folder and the services (Get-Service)."""
    plugin = action("informix_restore").ActionModule
    safety = {"exists": True, "dir": True, "link": bool(args.get("link")), "resolved": "\\\\nas\\ol_backup",
              "identity": args.get("identity")}
    target = LookingTarget(safety, args.get("platform", "windows"))

    def run():
        found = plugin._look(target, [], [], [], ntpath.join(BACKUPS, "safety"), args["services"])
        assert all(read_only for _ops, read_only in target.sent)
        problem = plugin._look_problem(found, ntpath.join(BACKUPS, "safety"), BACKUPS,
                                       args.get("destination_identity"))
        if problem:
            raise AnsibleActionFail(problem)
        return found

    return outcome(run)


def restore_safety(host, tmp_path, monkeypatch, module, args):
    from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_plan import safety_folder

    return outcome(lambda: safety_folder(args, BACKUPS, ntpath))


def replication_buffer(host, tmp_path, monkeypatch, module, args):
    """replication_info's reading of a probe whose ONCONFIG read found no file."""
    base = importlib.import_module(f"{COLLECTION}.plugin_utils._replication.action").ReplicationAction
    estate = SimpleNamespace(host="lab-main", role="main", local_group="g_ol_main",
                             kinds={"central_reporting": {"lab-report": "g_ol_report"}})
    found = {"onconfig": args["onconfig"], "onstat": {"ok": True, "rc": 5, "output": ""},
             "onstat_d": {"ok": True, "rc": 0, "output": ""},
             "servers": {"ok": True, "rc": 0, "output": SERVER_LIST}}
    return outcome(lambda: base.read_probe(SimpleNamespace(informixserver="ol_main"), estate, found)["buffer"])


def preflight_judged(host, tmp_path, monkeypatch, module, args):
    """The preflight's judgement of what its batch read of hosts.equiv."""
    pf = importlib.import_module(f"{COLLECTION}.plugin_utils._replication.preflight")
    options = {**PREFLIGHT, "checks": ["hosts_equiv"], "hosts_equiv": "present", "exclusive": False,
               "hosts_equiv_path": args["hosts_equiv_path"]}
    return outcome(lambda: pf.judge(options, {"hosts_equiv": args["read"]}, None)["checks"])


def sync_record(host, tmp_path, monkeypatch, module, args):
    """replication's reading of a sync's record whose first cdr run the host ended at the run's time."""
    plugin = action("replication")
    run = plugin.Batch().add("lock", {"op": "lock", "path": "C:\\w\\s.lock", "record": {}})
    run.add(("cdr", 0), {"op": "run", "argv": ["cdr", "sync"], "timeout": 5})
    results = [{"op": "lock", "ok": True, "acquired": True},
               {"op": "run", "ok": True, "halt": True, "rc": -9, "output": "", "timed_out": True}]
    record = {"exists": True, "content": json.dumps({"results": results, "failed_at": 1})}
    progress = {"done": [], "percent_done": 0.0, "elapsed_seconds": 5, "progress_file": "C:\\w\\s.progress",
                "polls": 2}
    return outcome(lambda: plugin.ActionModule._finished(None, None, {}, record, progress, run, 5,
                                                         args["run_for_hours"]))


def lantronix(host, tmp_path, monkeypatch, module, args):
    """lantronix_device's validation of its options."""
    device = importlib.import_module(f"{COLLECTION}.modules.lantronix_device")
    params = {"host": "10.0.0.5", "mac": None, "ip": None, "netmask": None, "gateway": None, "local_port": None,
              "interface_mode": None, "setup_port": 9999, "query_port": 30718, "timeout": 10, **args}

    def fail_json(msg, **_result):
        raise AnsibleActionFail(msg)

    return outcome(lambda: device.validate(SimpleNamespace(params=params, fail_json=fail_json)))


def named_server(host, tmp_path, monkeypatch, module, args):
    """informix_info on this machine (POSIX executor), its ONCONFIG naming DBSERVERNAME ol_main and the alias
    ol_main_tcp; the result names the lock file every probe read (no onstat here: the probe fails after it)."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "ONCONFIG.ol_main").write_text("DBSERVERNAME ol_main\nDBSERVERALIASES ol_main_tcp\n")
    given = {**args, "informixdir": str(tmp_path), "onconfig": "ONCONFIG.ol_main"}
    ended = task(host, tmp_path, monkeypatch, module, given, platform="posix")
    locks = [os.path.basename(op["path"]) for op in host.ops("read") if op["path"].endswith(".lock")]
    return f"{ended} locks read: {locks}"


# ---------------------------------------------------------------- the table: module, args, what it must end in
ROWS = [
    # exceptions that reached the user
    ("informix_backup", {**WINDOWS, "destination": BACKUPS, "timeout": 10 ** 12},
     "timeout must be at most 2592000 seconds (30 days), got 1000000000000", task),
    ("informix_backup", {"informixdir": "/opt/informix", "informixserver": "ol_main", "destination": "/srv/b\0x"},
     "destination holds a NUL character", lambda *a: task(*a, platform="posix")),
    # silently taken
    ("informix_restore", {"chunks": ["/etc/shadow"]},
     "chunks[0] '/etc/shadow' is outside the server's chunk locations", restore_plan),
    ("informix_restore", {"chunks": ["notes.txt"]},
     "notes.txt exists and is a file that is none of the server's chunks", restore_foreign_chunk),
    ("informix_backup_schedule", {**SCHEDULE, "username": ""}, "username must name an account", schedule_task),
    ("informix_backup_schedule", {**SCHEDULE, "username": "OSCC\\backup-admin"},
     "is no service account (SYSTEM, LOCAL SERVICE, NETWORK SERVICE): give its password", schedule_task),
    ("informix_backup_schedule", {**SCHEDULE, "results_file": BACKUPS + "\\results"},
     "results_file D:\\OSCC-Backups\\results is a folder, not a file", schedule_task),
    ("onconfig", {**WINDOWS, "parameters": {"TAPEDEV": "D:\\tape\0x"}},
     "ONCONFIG parameter TAPEDEV must be one line without CR, LF or NUL characters (NUL found)", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"NOT_A_PARAMETER_XYZ": 1}},
     "parameters: NOT_A_PARAMETER_XYZ is not an Informix ONCONFIG parameter", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"NOT_A_PARAMETER_XYZ": 1}, "allow_unknown": True},
     '"NOT_A_PARAMETER_XYZ": {"before": null, "after": "1"}', onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"TAPESIZE": 0}, "path": "C:\\x\\ONCONFIG", "onconfig": "ONCONFIG.ol_x"},
     "parameters are mutually exclusive: path|onconfig", onconfig_task),
    # the review of issue 19: '..' and numbers in path-valued parameters, as '..' is refused in chunks
    ("onconfig", {**WINDOWS, "parameters": {"ROOTPATH": "D:\\..\\x"}},
     "parameters: ONCONFIG parameter ROOTPATH: value 'D:\\\\..\\\\x' contains '..'", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"MSGPATH": "../online.log"}},
     "parameters: ONCONFIG parameter MSGPATH: value '../online.log' contains '..'", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"TAPEDEV": 1.5e300}},
     "parameters: ONCONFIG parameter TAPEDEV is a path and needs a text value, got the number 1.5e+300", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"LTAPEDEV": 5}},
     "ONCONFIG parameter LTAPEDEV is a path and needs a text value, got the number 5", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"TAPEDEV": "D:\\a..b\\tape", "MIRRORPATH": "D:\\mirror.000"}},
     '"TAPEDEV": {"before": "STDIO", "after": "D:\\\\a..b\\\\tape"}', onconfig_task),
    # review 19c F10: paths absolute, server names, no chunk in the Windows directory, ASCII only
    ("onconfig", {**WINDOWS, "parameters": {"MSGPATH": "online.log"}},
     "parameters: ONCONFIG parameter MSGPATH: value 'online.log' is not an absolute path", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"MSGPATH": "%TEMP%\\online.log"}},
     "parameters: ONCONFIG parameter MSGPATH: value '%TEMP%\\\\online.log' holds '%'", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"DBSERVERNAME": "ol_main&x"}},
     "parameters: ONCONFIG parameter DBSERVERNAME: 'ol_main&x' is not an Informix server name", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"DBSERVERALIASES": "ol_main_tcp,OL_X"}},
     "parameters: ONCONFIG parameter DBSERVERALIASES: 'OL_X' is not an Informix server name", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"ROOTPATH": "C:\\Windows\\System32\\config\\SAM"}},
     "ONCONFIG parameter ROOTPATH: value 'C:\\\\Windows\\\\System32\\\\config\\\\SAM' lies in the Windows directory",
     onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"TAPEDEV": "D:\\B\u00e4nder"}},
     "parameters: ONCONFIG parameter TAPEDEV: value 'D:\\\\B\u00e4nder' has characters outside ASCII", onconfig_task),
    ("onconfig", {**WINDOWS, "parameters": {"TAPEDEV": "STDIO", "LTAPEDEV": "NUL", "DBSERVERALIASES": "ol_a,ol_b"}},
     '"DBSERVERALIASES": {"before": null, "after": "ol_a,ol_b"}', onconfig_task),
    # review 19c F8: informixserver is a server name, never a path or blank-padded text
    ("informix_info", {"informixdir": "C:\\Informix", "informixserver": "ol_main "},
     "informixserver must be an Informix server name", task),
    ("informix_backup", {**WINDOWS, "informixserver": "..\\..\\Windows\\x", "destination": BACKUPS},
     "informixserver must be an Informix server name", task),
    ("informix_info", {"informixserver": "ol_other"},
     "informixserver 'ol_other' is not a server name of ", named_server),
    ("informix_info", {"informixserver": "ol_other"}, "(DBSERVERNAME ol_main, DBSERVERALIASES ol_main_tcp)",
     named_server),
    ("informix_info", {"informixserver": "ol_main_tcp"}, "locks read: ['.oscc-ol_main_tcp.lock', '.oscc-ol_main.lock']",
     named_server),
    ("onconfig", {"informixserver": "ol_main", "parameters": {"TAPESIZE": 0}},
     "is a folder, not a file; give the path option the ONCONFIG file's name or path", onconfig_path_folder),
    ("replication_info", {**WINDOWS, "replicate_sets": {"report_data": "oscc report"}},
     "replicate_sets.report_data must be a name of letters, digits and _", task),
    ("replication_info", {"onconfig": {"ok": True, "exists": False}},
     '"level": "unknown", "meaning": "unknown: the ONCONFIG could not be read', replication_buffer),
    ("replication", {"state": "paused", "task_username": ""}, "task_username must name an account", task),
    ("replication", {"sync": "report_data_recent", "partner": "lab-main", "task_username": "LAB\\oscc"},
     "task_username 'LAB\\\\oscc' is no service account", task),
    ("replication", {**WINDOWS, "activate": True, "oscc_dir": "C:\\Nowhere"},
     "oscc_dir C:\\Nowhere holds no trcdbins.exe", replication_activate),
    ("replication_preflight", {**PREFLIGHT, "exclusive": True},
     "exclusive applies with hosts_equiv=present only", task),
    ("lantronix_device", {"setup_password": "12345"}, "setup_password must be at most 4 printable ASCII", lantronix),
    # issue item 5: the services, looked at before anything is touched
    ("informix_restore", {"services": ["OpenScape Contact Centre"]},
     "services: 'OpenScape Contact Centre' is not a service of this host", restore_look),
    # on POSIX the services are the names service_facts lists, looked at before anything is touched too
    ("informix_restore", {"services": ["OpenScape Contact Center"], "platform": "posix"},
     "services: 'OpenScape Contact Center' is not a service of this host (ansible.builtin.service_facts lists no "
     "such service); the OSCC services run on Windows: give services: []", restore_look),
    ("informix_restore", {"services": ["INFORMIX", "oscc-report"], "platform": "posix"},
     '"posix_services": true', restore_look),
    # issue item 4
    ("informix_restore", {"services": ["OpenScape Contact Center"], "link": True},
     "safety_destination D:\\OSCC-Backups\\safety is a link (to \\\\nas\\ol_backup)", restore_look),
    ("informix_backup", {"informixdir": "/opt/informix", "informixserver": "ol_main", "destination": "/lab/share",
                         "link": "/lab/ol_backup"},
     "destination /lab/share is a link (to /lab/ol_backup); backups are written into real folders only",
     backup_into_link),
    ("informix_restore", {"safety_destination": "d:\\oscc-backups\\"},
     "safety_destination d:\\oscc-backups\\ is the destination", restore_safety),
    # the destination's own folder by another spelling (an FQDN, an address, a mapped drive): one identity
    ("informix_restore", {"services": ["OpenScape Contact Center"], "identity": "9c1e:2a",
                          "destination_identity": "9c1e:2a"},
     "safety_destination D:\\OSCC-Backups\\safety is the folder of destination D:\\OSCC-Backups by another name",
     restore_look),
    ("informix_restore", {"include_levels": [0, 2]},
     "include_levels: level(s) 2 are not in the chain ending at ol_main_", restore_plan),
    # replication results that misled
    ("replication", {"run_for_hours": True},
     '"stopped_at_deadline": true, "msg": "stopped after run_for_hours at 0.0 %', sync_record),
    ("replication", {"run_for_hours": False}, "did not finish within sync_timeout (5 s)", sync_record),
    # messages that misled
    ("informix_info", {"informixserver": "ol_main"}, "/etc' is a folder, not a file", onconfig_folder),
    ("informix_restore", {"manifest": "OSCC-Backups"}, "manifest 'OSCC-Backups' is a folder, not a manifest file",
     restore_plan),
    ("replication_preflight", {"hosts_equiv_path": "C:\\Windows", "read": {"ok": True, "exists": False, "dir": True}},
     "is a folder, not a file: hosts_equiv_path must name the hosts.equiv file", preflight_judged),
]


@pytest.mark.parametrize("module, args, expected, reach", ROWS, ids=[f"{r[0]}-{n}" for n, r in enumerate(ROWS)])
def test_a_hostile_input_gets_one_line_naming_the_option_or_the_right_result(
        host, tmp_path, monkeypatch, module, args, expected, reach):
    ended = reach(host, tmp_path, monkeypatch, module, dict(args))
    assert expected in ended and "\n" not in ended and "Traceback" not in ended, ended


def test_a_batch_with_a_time_limit_ends_its_programs_by_then():
    """The host side of run_for_hours: a saved batch's program gets only the batch's time left."""
    sleeper = {"op": "run", "argv": ["sleep", "30"], "timeout": 600}
    done = posix.run_batch({"ops": [sleeper], "cleanup": [], "time_limit": 1})
    assert done["results"][0]["timed_out"], done
