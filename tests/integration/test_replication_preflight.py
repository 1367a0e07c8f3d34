"""The replication preflight role and plugin on the lab's three simulated Windows servers (manual §7.1, §7.3
steps 1-6, §8.1): everything measured first, judged across servers, hosts.equiv written only when every check of
every server passed, the trusted connections checked again, a second run changing nothing."""
import os

import labctl
import pytest
import yaml
from playbook_lab import replication_estate

SERVERS = ("lab-main", "lab-backup", "lab-report")
LIMIT = ",".join(SERVERS)
MEASURE = "Check this server, read-only (§7.1 clock, §7.3 steps 1-6)"
JUDGE = "Judge every participating server together (clock spread §7.1, §8.1; §7.3 steps 1-6)"
WRITE = "Add the missing server names to hosts.equiv (§7.3 steps 4-5)"
STOP = "Stop on every server before any change when a check failed"
NAMES = {"main": ["lab-main", "lab-main.lab.invalid"], "backup": ["lab-backup", "lab-backup.lab.invalid"],
         "report": ["lab-report", "lab-report.lab.invalid"]}


def preflight(lab, tmp_path, *args, check=False, **variables):
    play = [{"name": "preflight", "hosts": "oscc_main:oscc_backup:oscc_central_report", "gather_facts": False,
             "roles": [{"role": "oscc.admin.replication_preflight", "vars": variables}]}]
    path = os.path.join(str(tmp_path), "preflight.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(play, handle)
    return lab.playbook(path, *args, limit=LIMIT, check=check)


def report(run):
    return run.result(JUDGE, "lab-main")["ansible_facts"]["replication_preflight_report"]


def equiv(lab, host):
    path = labctl.hosts_equiv(lab.root, host)
    return open(path, "rb").read().decode() if os.path.exists(path) else None


def writes(lab):
    """The executor write operations recorded on any of the three servers."""
    found = []
    for host in ("main", "backup", "report"):
        for call in labctl.windows_state(lab.root, host)["calls"]:
            batch = call["args"].get("batch") or {}
            operations = batch.get("ops", []) + batch.get("cleanup", [])
            found += [(host, op["path"]) for op in operations if op["op"] == "write"]
    return found


def test_a_sound_estate_passes_every_step_gets_its_hosts_equiv_and_a_second_run_changes_nothing(estate, tmp_path):
    run = preflight(estate, tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    verdict = report(run)
    assert not verdict["failed"] and verdict["problems"] == []
    assert verdict["clock_spread_seconds"] < 0.01
    for host in SERVERS:
        steps = {c["step"] for c in verdict["checks"][host]}
        assert steps == {"7.1", "7.3 step 1", "7.3 step 2", "7.3 step 3", "7.3 step 4", "7.3 step 5", "7.3 step 6"}
        assert run.stats(host)["changed"] == 1
    # The central report server trusts the main and backup servers; each of them trusts the report server, and
    # (scope all: high availability too) each other.
    assert equiv(estate, "report") == "\r\n".join(NAMES["report"] + NAMES["main"] + NAMES["backup"]) + "\r\n"
    assert equiv(estate, "main") == "\r\n".join(NAMES["main"] + NAMES["report"] + NAMES["backup"]) + "\r\n"
    rechecked = run.result("Judge the trusted connections (§7.3 step 6)", "lab-main")["ansible_facts"]
    step6 = rechecked["replication_preflight_report"]["trusted_connections"]
    assert not step6["failed"] and len(step6["summary"]) == 6 and all(": ok - " in line for line in step6["summary"])
    measured = run.result(MEASURE, "lab-main")
    assert measured["remote_operations"] == 1 and not measured["changed"]

    again = preflight(estate, tmp_path)
    assert again.rc == 0 and all(again.stats(h)["changed"] == 0 for h in SERVERS)
    assert all(r.get("skipped") for n, r in again.results("lab-report") if n.endswith(WRITE))


def test_central_reporting_alone_pairs_the_report_server_with_main_and_backup(estate, tmp_path):
    run = preflight(estate, tmp_path, replication_preflight_scope="central_reporting")
    assert run.rc == 0, run.stdout[-3000:]
    assert equiv(estate, "backup") == "\r\n".join(NAMES["backup"] + NAMES["report"]) + "\r\n"
    assert run.result(MEASURE, "lab-main")["time_reference"] == "lab-report.lab.invalid"


def test_a_clock_one_and_a_half_seconds_off_warns(estate, tmp_path):
    labctl.set_clock_offset(estate.root, "main", 1.5)
    run = preflight(estate, tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    verdict = report(run)
    assert 1.49 < verdict["clock_spread_seconds"] < 1.51
    assert any("§7.1 clock spread" in w and "warning - above 1 s" in w for w in verdict["warnings"])
    main_clock = next(c for c in verdict["checks"]["lab-main"] if c["step"] == "7.1")
    assert main_clock["status"] == "warning" and main_clock["detail"].startswith("+1.4")


def test_a_clock_spread_of_two_and_a_half_seconds_stops_every_server_with_nothing_written(estate, tmp_path):
    labctl.set_clock_offset(estate.root, "main", 1.2)
    labctl.set_clock_offset(estate.root, "backup", -1.3)  # each under 2 s from the reference, 2.5 s apart
    run = preflight(estate, tmp_path)
    assert run.rc != 0
    assert all(run.stats(h)["failures"] == 1 for h in SERVERS)
    assert all("above 2 s" in run.result(STOP, h)["msg"] for h in SERVERS)
    assert [equiv(estate, h) for h in ("main", "backup", "report")] == [None, None, None]
    assert writes(estate) == []


def test_a_missing_system_variable_is_reported_as_step_1_and_stops_everything(estate, tmp_path):
    labctl.set_machine_environment(estate.root, "report", "ONCONFIG", None)
    run = preflight(estate, tmp_path)
    assert run.rc != 0
    problems = report(run)["problems"]
    step_1 = "lab-report: §7.3 step 1 system environment variables: failed"
    assert problems == [p for p in problems if p.startswith(step_1)]
    assert "ONCONFIG" in problems[0] and len(problems) == 1
    assert writes(estate) == []


def test_a_wrong_reverse_entry_is_reported_as_step_3_by_the_servers_that_look_it_up(estate, tmp_path):
    labctl.set_dns_reverse(estate.root, "127.0.1.3", "lab-old.lab.invalid")
    run = preflight(estate, tmp_path)
    assert run.rc != 0
    problems = report(run)["problems"]
    assert sorted(p.split(":")[0] for p in problems) == ["lab-backup", "lab-main"]
    assert all("§7.3 step 3 127.0.1.3 resolves back to lab-report.lab.invalid: failed" in p and "lab-old" in p
               for p in problems)
    assert writes(estate) == []


def test_an_unreachable_partner_fails_steps_2_and_the_clock_with_a_clear_reason(estate, tmp_path):
    labctl.set_reachable(estate.root, "report", False)
    run = preflight(estate, tmp_path)
    assert run.rc != 0
    problems = report(run)["problems"]
    assert any(p.startswith("lab-main: §7.1 clock offset from lab-report.lab.invalid: failed")
               and "did not answer w32tm" in p and "0x800705B4" in p for p in problems)
    assert any(p.startswith("lab-main: §7.3 step 2 lab-report.lab.invalid answers a ping: failed") for p in problems)


def test_check_mode_and_diff_show_the_hosts_equiv_change_and_write_nothing(estate, tmp_path):
    run = preflight(estate, tmp_path, "--diff", check=True)
    assert run.rc == 0, run.stdout[-3000:]
    planned = run.result(WRITE, "lab-report")
    assert planned["changed"] and planned["diff"]["before"] == ""
    assert planned["diff"]["after"].split("\r\n")[:2] == NAMES["report"]
    assert [equiv(estate, h) for h in ("main", "backup", "report")] == [None, None, None]
    assert writes(estate) == []


def test_a_foreign_line_is_kept_and_the_old_file_backed_up(estate, tmp_path):
    path = labctl.hosts_equiv(estate.root, "main")
    with open(path, "wb") as handle:
        handle.write(b"# maintained by ops\r\nbuildhost\r\nlab-report\r\n")
    run = preflight(estate, tmp_path, "--diff")
    assert run.rc == 0, run.stdout[-3000:]
    text = equiv(estate, "main")
    assert text.startswith("# maintained by ops\r\nbuildhost\r\nlab-report\r\n")
    assert text.split("\r\n")[3:-1] == ["lab-main", "lab-main.lab.invalid", "lab-report.lab.invalid", "lab-backup",
                                        "lab-backup.lab.invalid"]
    written = run.result(WRITE, "lab-main")
    assert written["hosts_equiv"]["backup_file"].startswith("C:\\Windows\\System32\\drivers\\etc\\hosts.equiv.")
    assert written["remote_operations"] == 2


def test_the_trusted_connection_fails_as_step_6_until_hosts_equiv_is_fixed(estate, tmp_path):
    checked = preflight(estate, tmp_path, replication_preflight_hosts_equiv="check")
    assert checked.rc != 0
    problems = report(checked)["problems"]
    trust = [p for p in problems if "§7.3 step 6" in p]
    assert len(trust) == 6 and all("956: Client host or user informix@lab-" in p for p in trust)
    assert any("§7.3 step 5 hosts.equiv lists the servers: failed - missing: " in p for p in problems)
    assert writes(estate) == []
    fixed = preflight(estate, tmp_path)
    assert fixed.rc == 0, fixed.stdout[-3000:]
    assert report(fixed)["trust_deferred"]
    again = preflight(estate, tmp_path, replication_preflight_hosts_equiv="check")
    assert again.rc == 0 and not report(again)["problems"]


PARTNER = {"name": "lab-report", "fqdn": "lab-report.lab.invalid", "address": "127.0.1.3",
           "informixserver": "ol_report"}
ARGS = {"local_name": "lab-main", "local_fqdn": "lab-main.lab.invalid", "partners": [PARTNER],
        "time_reference": "lab-report", "informixdir": "{{ oscc_informixdir }}", "informixserver": "ol_main"}


BAD_INPUT = {
    "no address": ({"partners": [{k: v for k, v in PARTNER.items() if k != "address"}]}, "address"),
    "fqdn": ({"partners": [dict(PARTNER, fqdn="lab-report\nevil")]},
             "partners[0].fqdn must be a fully-qualified host name"),
    "local_name": ({"local_name": "lab main"}, "local_name must be a short host name"),
    "hosts_equiv": ({"hosts_equiv": "fix"}, "hosts_equiv"),
    "checks": ({"checks": ["dns"]}, "checks"),
}


@pytest.fixture(scope="module")
def bad_input_results(tmp_path_factory):
    """Every row of BAD_INPUT on one estate, back to back in one playbook (each is refused before it reads
    anything): name -> (run, result)."""
    tmp_path = tmp_path_factory.mktemp("preflight-bad-input")
    run, results = replication_estate(tmp_path / "lab").tasks(
        [("oscc.admin.replication_preflight", dict(ARGS, **change)) for change, _message in BAD_INPUT.values()],
        tmp_path)
    return {name: (run, result) for name, result in zip(BAD_INPUT, results)}


@pytest.mark.xdist_group("test_replication_preflight_bad_input")  # one worker runs the shared playbook (loadgroup)
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_one_line_naming_the_option_and_nothing_is_read(bad_input_results, case):
    run, result = bad_input_results[case]
    message = BAD_INPUT[case][1]
    assert result["failed"] and message in result["msg"] and "\n" not in result["msg"]
    assert "Traceback" not in run.stdout


def test_the_plugin_alone_is_read_only_by_default_and_reads_in_one_round_trip(estate, tmp_path):
    _run, result = estate.task("oscc.admin.replication_preflight", ARGS, tmp_path)
    assert result["remote_operations"] == 1 and not result["changed"]
    names = ["lab-main", "lab-main.lab.invalid", "lab-report", "lab-report.lab.invalid"]
    assert result["hosts_equiv"] == {"path": "C:\\Windows\\System32\\drivers\\etc\\hosts.equiv", "exists": False,
                                     "lines": [], "planned_lines": names, "added": names, "removed": [],
                                     "changed": False, "backup_file": None}
    assert result["failed"] and "§7.3 step 5" in result["msg"] and "§7.3 step 6" in result["msg"]
    assert all(sorted(c) == ["check", "detail", "partner", "status", "step"] for c in result["checks"])
    assert writes(estate) == []
