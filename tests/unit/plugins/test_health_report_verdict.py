"""The estate health report (docs/health_report.md): each server's health_info facts judged ok, warn or fail per
check, the report valid against its schema, and its page self-contained, with every status readable without
colour."""
import copy
import json
import os
import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.filter.health_report import (
    THRESHOLDS,
    health_report_failure,
    health_report_html,
    health_report_problems,
    health_report_summary,
    health_report_verdict,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCHEMA = os.path.join(ROOT, "roles", "health_report", "files", "health_report.schema.json")
NOW = "2026-12-07T06:00:00Z"
HEALTHY = {
    "changed": False, "remote_operations": 1, "host_time": NOW, "platform": "windows",
    "informix": {"server": "ol_main", "mode": "On-Line", "onstat_rc": 5, "version": "12.10.FC14"},
    "archives": {"destination": "D:\\OSCC-Backups", "readable": True, "skipped": 0,
                 "levels": {"0": {"name": "ol_main_20261207T010000000_L0", "start": "x", "age_hours": 5.0},
                            "1": {"name": "ol_main_20261204T130000000_L1", "start": "x", "age_hours": 65.0}}},
    "replication": {"local_state": "running", "detected": True,
                    "partners": [{"kind": "central_reporting", "host": "lab-report", "state": "active",
                                  "queued_bytes": 0}],
                    "buffer": {"percent": 10.0, "level": "ok", "queued_bytes": 10, "capacity_bytes": 100}},
    "cluster": {"node": "LAB-MAIN", "cluster_service": "Running", "group": "HPPC Group", "owner": "lab-main",
                "group_state": "Online", "nodes": {"lab-main": "Up", "lab-backup": "Up"}, "error": None},
    "services": {"OpenScape Contact Center": "Running", "OpenScape Contact Center AutoPA": "Running"},
    "clock": {"reference": "lab-report.lab.invalid", "offset_seconds": 0.2, "error": None},
}


def schema():
    with open(SCHEMA, encoding="utf-8") as handle:
        return json.load(handle)


def report(**hosts):
    hostvars = {host: {"health": facts} for host, facts in hosts.items()}
    return health_report_verdict(hostvars, list(hosts), "health", NOW)


def statuses(server):
    return {c["check"]: c["status"] for c in server["checks"]}


def changed(**paths):
    facts = copy.deepcopy(HEALTHY)
    for path, value in paths.items():
        *parents, last = path.split("__")
        where = facts
        for key in parents:
            where = where[key]
        where[last] = value
    return facts


def test_a_healthy_server_is_ok_on_every_check_that_applies():
    done = report(main=HEALTHY)
    assert done["verdict"] == "ok" and done["counts"] == {"ok": 1, "warn": 0, "fail": 0}
    assert statuses(done["servers"][0]) == {
        "informix_mode": "ok", "backup_level_0": "ok", "backup_level_1": "ok", "replication": "ok",
        "replication_buffer": "ok", "cluster": "ok", "services": "ok", "clock": "ok", "snmp": "skip", "web": "skip"}
    assert health_report_problems(done, schema()) == []


@pytest.mark.parametrize("paths, check, status", [
    ({"informix__mode": "Off-Line"}, "informix_mode", "fail"),
    ({"informix__mode": "Quiescent"}, "informix_mode", "warn"),
    ({"archives__levels__0": None}, "backup_level_0", "fail"),
    ({"archives__levels__0__age_hours": 30.0}, "backup_level_0", "warn"),
    ({"archives__levels__0__age_hours": 50.5}, "backup_level_0", "fail"),
    ({"archives__levels__1__age_hours": 99.0}, "backup_level_1", "fail"),
    ({"replication__local_state": "stopped"}, "replication", "fail"),
    ({"replication__partners": [{"kind": "central_reporting", "host": "r", "state": "paused", "queued_bytes": 9}]},
     "replication", "warn"),
    ({"replication__partners": [{"kind": "central_reporting", "host": "r", "state": "disconnected",
                                 "queued_bytes": 9}]}, "replication", "fail"),
    ({"replication__buffer__percent": 50.0}, "replication_buffer", "warn"),
    ({"replication__buffer__percent": 95.0}, "replication_buffer", "fail"),
    ({"cluster__group_state": "Offline"}, "cluster", "fail"),
    ({"cluster__nodes": {"lab-main": "Up", "lab-backup": "Paused"}}, "cluster", "warn"),
    ({"cluster__nodes": {"lab-main": "Up", "lab-backup": "Down"}}, "cluster", "fail"),
    ({"cluster__error": "Get-ClusterNode failed: the cluster service is not running"}, "cluster", "fail"),
    ({"services__OpenScape Contact Center": "Stopped"}, "services", "fail"),
    ({"clock__offset_seconds": -1.5}, "clock", "warn"),
    ({"clock__offset_seconds": 2.5}, "clock", "fail"),
    ({"clock__offset_seconds": None, "clock__error": "error: 0x800705B4"}, "clock", "fail"),
])
def test_one_failed_or_doubtful_check_is_judged_alone(paths, check, status):
    done = report(main=changed(**paths), other=HEALTHY)
    judged = statuses(done["servers"][0])
    assert judged[check] == status
    healthy = statuses(done["servers"][1])
    assert healthy[check] == "ok" and {c: s for c, s in judged.items() if c != check} == \
        {c: s for c, s in healthy.items() if c != check}
    assert done["servers"][0]["verdict"] == status and done["servers"][1]["verdict"] == "ok"
    assert done["verdict"] == status
    assert health_report_problems(done, schema()) == []


def test_an_unreadable_destination_fails_every_scheduled_level():
    done = report(main=changed(archives__readable=False))
    judged = statuses(done["servers"][0])
    assert judged["backup_level_0"] == judged["backup_level_1"] == "fail"
    assert done["servers"][0]["checks"][1]["detail"] == "destination D:\\OSCC-Backups cannot be read"


def test_what_does_not_apply_is_skipped_and_does_not_count():
    facts = changed(cluster=None, services=None, clock=None, replication=None)
    facts["archives"] = {"destination": None, "readable": False, "skipped": 0, "levels": {"0": None, "1": None}}
    done = report(linux=facts)
    assert done["verdict"] == "ok"
    assert {c: s for c, s in statuses(done["servers"][0]).items() if s != "skip"} == {"informix_mode": "ok"}


def test_a_host_without_a_result_fails_with_its_reason():
    done = report(main={"failed": True, "msg": "the host executor failed:\nunreachable"})
    server = done["servers"][0]
    assert server["verdict"] == "fail"
    assert server["checks"][0]["detail"] == "not collected: the host executor failed: unreachable"
    assert health_report_problems(done, schema()) == []


def test_thresholds_are_options_and_unknown_ones_are_refused():
    hostvars = {"main": {"health": changed(archives__levels__0__age_hours=30.0)}}
    relaxed = health_report_verdict(hostvars, ["main"], "health", NOW, {"backup_level_0_warn_hours": 31})
    assert statuses(relaxed["servers"][0])["backup_level_0"] == "ok"
    assert relaxed["thresholds"] == dict(THRESHOLDS, backup_level_0_warn_hours=31)
    only_full = health_report_verdict(hostvars, ["main"], "health", NOW, {"backup_levels": [0]})
    assert statuses(only_full["servers"][0])["backup_level_1"] == "skip"
    with pytest.raises(AnsibleFilterError, match="unknown 'backup_hours'"):
        health_report_verdict(hostvars, ["main"], "health", NOW, {"backup_hours": 3})
    with pytest.raises(AnsibleFilterError, match="clock_fail_seconds must be a number"):
        health_report_verdict(hostvars, ["main"], "health", NOW, {"clock_fail_seconds": "two"})


def test_smoke_results_are_taken_where_configured():
    hostvars = {"main": {"health": HEALTHY, "web": {"failed": True, "msg": "Status code was 503"},
                         "snmp": {"failed": False, "detail": "sysUpTime 4711"}}}
    done = health_report_verdict(hostvars, ["main"], "health", NOW, None, "snmp", "web")
    judged = statuses(done["servers"][0])
    assert judged["web"] == "fail" and judged["snmp"] == "ok" and done["verdict"] == "fail"


def test_the_schema_refuses_what_the_report_never_holds():
    done = report(main=HEALTHY)
    done["servers"][0]["checks"][0]["status"] = "great"
    done["extra"] = 1
    problems = health_report_problems(done, schema())
    assert "$: Additional properties are not allowed ('extra' was unexpected)" in problems
    assert any(p.startswith("$.servers[0].checks[0].status: 'great' is not one of") for p in problems)


def test_the_page_is_self_contained_and_reads_without_colour():
    done = report(main=changed(informix__mode="Off-Line"), other=HEALTHY)
    page = health_report_html(done)
    assert not re.search(r"https?://|<script|<link|\bsrc=|@import|url\((?!#)", page, re.I)
    assert page.count("<svg") == 2 and 'id="chart-backup-age"' in page and 'id="chart-buffer-fill"' in page
    row = re.search(r'<tr data-host="main" data-verdict="fail">(.*?)</tr>', page).group(1)
    assert '<td class="check fail" data-check="informix_mode" data-status="fail">' \
           '<span class="status fail">FAIL</span>' in row
    assert 'data-check="backup_level_0" data-status="ok"><span class="status ok">OK</span>' in row
    healthy = re.search(r'<tr data-host="other" data-verdict="ok">(.*?)</tr>', page).group(1)
    assert 'data-status="fail"' not in healthy and 'data-status="warn"' not in healthy
    # Greyscale: every status differs by its label and its border pattern, not by colour alone.
    for status, label, pattern in (("ok", "OK", "solid"), ("warn", "WARN", "dashed"), ("fail", "FAIL", "double"),
                                   ("skip", "n/a", "dotted")):
        assert f'<span class="status {status}">{label}</span>' in page
        assert re.search(rf"\.{status}\{{[^}}]*border:3px {pattern}", page)
    assert 'fill="url(#p-fail)"' not in page or 'id="p-fail"' in page


def test_the_page_escapes_what_the_hosts_said():
    done = report(main=changed(informix__mode="<script>alert(1)</script>"))
    page = health_report_html(done)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_the_summary_a_job_keeps_names_every_problem_and_the_files():
    done = report(main=HEALTHY, backup=changed(informix__mode="Quiescent"),
                  report={"unreachable": True, "msg": "Failed to connect\nto the host"})
    summary = health_report_summary(done, "/srv/oscc/health.json", "/srv/oscc/health.html")
    assert summary["verdict"] == "fail" and summary["counts"] == {"ok": 1, "warn": 1, "fail": 1}
    assert summary["servers"] == {"main": "ok", "backup": "warn", "report": "fail"}
    assert summary["problems"] == ["backup Informix mode: WARN Quiescent",
                                   "report Informix mode: FAIL not collected: Failed to connect to the host"]
    assert (summary["json_path"], summary["html_path"]) == ("/srv/oscc/health.json", "/srv/oscc/health.html")
    assert summary["generated"] == NOW and json.loads(json.dumps(summary)) == summary


def test_the_run_fails_at_the_verdict_fail_on_names_with_one_line():
    failed = report(main=HEALTHY, backup=changed(informix__mode="Quiescent"),
                    report={"failed": True, "msg": "the host executor failed:\nunreachable"})
    reason = health_report_failure(failed, "fail", "/srv/oscc/health.html")
    assert reason == ("estate health fail (1 ok, 1 warn, 1 fail); page /srv/oscc/health.html: report Informix mode: "
                      "FAIL not collected: the host executor failed: unreachable")
    assert "\n" not in reason
    both = health_report_failure(failed, "warn")
    assert "backup Informix mode: WARN Quiescent" in both and "report Informix mode: FAIL" in both
    assert health_report_failure(failed, "never") == ""
    warned = report(main=HEALTHY, backup=changed(informix__mode="Quiescent"))
    assert health_report_failure(warned, "fail") == ""
    assert health_report_failure(warned, "warn").startswith("estate health warn (1 ok, 1 warn, 0 fail): backup")
    assert health_report_failure(report(main=HEALTHY), "warn") == ""
    with pytest.raises(AnsibleFilterError, match="fail_on must be one of fail, warn, never"):
        health_report_failure(warned, "red")
