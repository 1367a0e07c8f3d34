"""The estate health report (docs/health_report.md) end to end on the lab's estate: lab-main and lab-backup in the
warm-standby cluster, lab-report the central report server, all three in one Enterprise Replication domain. One
server lacks its nightly backup: that check, and only that one, is red in the JSON and on the page headless
Chromium renders (its screenshot is kept as a test artefact)."""
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import time

import labctl
import pytest
import snmpd
from jsonschema import Draft202012Validator
from playbook_lab import ROOT, replication_changes

PLAYBOOKS = os.path.join(ROOT, "playbooks")
SCHEMA = os.path.join(ROOT, "roles", "health_report", "files", "health_report.schema.json")
LIMIT = "lab-main,lab-backup,lab-report"
LAB_HOSTS = {"lab-main": "main", "lab-backup": "backup", "lab-report": "report"}
ARTIFACTS = os.environ.get("TEST_ARTIFACTS") or os.path.join(ROOT, "tests", "artifacts")
# These tests judge the report itself on estates that fail on purpose: the run's own end is tested on its own.
REPORT_ONLY = {"health_report_fail_on": "never"}
# External resources a self-contained page must not name.
EXTERNAL = re.compile(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|<script|<link|\bsrc\s*=|@import|url\((?!#)", re.I)


def chromium(*args):
    """Debian's chromium, headless; as root it needs --no-sandbox."""
    argv = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def executor_calls(lab, since):
    """Each simulated server's executor round trips (win_powershell calls) recorded after `since`."""
    return {host: sum(1 for call in labctl.windows_state(lab.root, name)["calls"]
                      if call["time"] >= since and call["module"] == "win_powershell")
            for host, name in LAB_HOSTS.items()}


def statuses(report):
    return {s["host"]: {c["check"]: c["status"] for c in s["checks"]} for s in report["servers"]}


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (scripts/setup)")
def test_health_report_shows_the_one_failed_check_red(estate, tmp_path):
    labctl.init_cluster(estate.root)
    backup = estate.playbook(os.path.join(PLAYBOOKS, "backup.yml"), limit="lab-main,lab-backup")
    assert backup.rc == 0, backup.stdout[-3000:]

    paths = {"health_report_json_path": str(tmp_path / "health.json"),
             "health_report_html_path": str(tmp_path / "health.html")}
    since = time.time()
    run = estate.playbook(os.path.join(PLAYBOOKS, "health_report.yml"), limit=LIMIT,
                          extra={**paths, **REPORT_ONLY, "health_report_thresholds": {"backup_levels": [0]}})
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    # One round trip per server, and nothing written on any of them.
    assert executor_calls(estate, since) == {"lab-main": 1, "lab-backup": 1, "lab-report": 1}
    assert replication_changes(estate, since) == []
    assert all(run.stats(host)["changed"] == 0 for host in LAB_HOSTS), run.json["stats"]

    with open(paths["health_report_json_path"], encoding="utf-8") as handle:
        report = json.load(handle)
    with open(SCHEMA, encoding="utf-8") as handle:
        schema = json.load(handle)
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(report)) == []
    assert [s["round_trips"] for s in report["servers"]] == [1, 1, 1]

    judged = statuses(report)
    assert judged["lab-report"]["backup_level_0"] == "fail"
    assert report["verdict"] == "fail" and report["counts"] == {"ok": 2, "warn": 0, "fail": 1}
    for host, checks in judged.items():
        others = {c: s for c, s in checks.items() if (host, c) != ("lab-report", "backup_level_0")}
        assert set(others.values()) <= {"ok", "skip"}, (host, others)
    # What applies in the lab is measured, not skipped.
    for check in ("informix_mode", "backup_level_0", "replication", "replication_buffer", "services", "clock"):
        assert judged["lab-main"][check] == "ok", check
    assert judged["lab-main"]["cluster"] == judged["lab-backup"]["cluster"] == "ok"
    assert judged["lab-report"]["cluster"] == "skip"

    with open(paths["health_report_html_path"], encoding="utf-8") as handle:
        page = handle.read()
    assert not EXTERNAL.search(page), EXTERNAL.search(page).group()
    os.makedirs(ARTIFACTS, exist_ok=True)
    screenshot = os.path.join(ARTIFACTS, "health_report.png")
    if os.path.exists(screenshot):
        os.remove(screenshot)
    page_url = "file://" + paths["health_report_html_path"]
    shot = chromium(f"--screenshot={screenshot}", "--window-size=1400,1000", page_url)
    assert shot.returncode == 0 and os.path.getsize(screenshot) > 10000, shot.stderr[-2000:]
    with open(screenshot, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"

    dom = chromium("--dump-dom", page_url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rows = dict(re.findall(r'<tr data-host="([^"]+)" data-verdict="[a-z]+">(.*?)</tr>', dom.stdout))
    assert set(rows) == set(LAB_HOSTS)
    red = re.findall(r'<td class="check fail" data-check="([a-z_0-9]+)"', dom.stdout)
    assert red == ["backup_level_0"]
    assert '<td class="check fail" data-check="backup_level_0" data-status="fail"><span class="status fail">FAIL' \
        in rows["lab-report"]
    assert 'data-status="fail"' not in rows["lab-main"] + rows["lab-backup"]
    assert '<tr data-host="lab-report" data-verdict="fail">' in dom.stdout
    assert dom.stdout.count("<svg") == 2


def test_health_report_reads_the_same_in_check_mode(estate, tmp_path):
    labctl.init_cluster(estate.root)
    paths = {"health_report_json_path": str(tmp_path / "health.json"),
             "health_report_html_path": str(tmp_path / "health.html")}
    since = time.time()
    run = estate.playbook(os.path.join(PLAYBOOKS, "health_report.yml"), limit=LIMIT, check=True,
                          extra={**paths, **REPORT_ONLY})
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert executor_calls(estate, since) == {"lab-main": 1, "lab-backup": 1, "lab-report": 1}
    assert all(run.stats(host)["changed"] == 0 for host in LAB_HOSTS), run.json["stats"]
    with open(paths["health_report_json_path"], encoding="utf-8") as handle:
        report = json.load(handle)
    judged = statuses(report)
    # No backup yet anywhere: the level 0 and level 1 archives fail on every server, the rest is healthy.
    for checks in judged.values():
        assert checks["backup_level_0"] == checks["backup_level_1"] == "fail"
        assert {s for c, s in checks.items() if not c.startswith("backup_")} <= {"ok", "skip"}, checks


@pytest.mark.skipif(not snmpd.available(), reason="snmpd and snmp are installed by scripts/setup")
def test_the_snmp_smoke_test_where_configured(estate, tmp_path):
    agent = snmpd.Snmpd("oscc-health", tmp_path / "snmp").start()
    try:
        judged = {}
        for number, community in enumerate(("oscc-health", "wrong-community")):
            paths = {"health_report_json_path": str(tmp_path / f"report-{number}.json"),
                     "health_report_html_path": str(tmp_path / f"report-{number}.html")}
            asked = {"address": "127.0.0.1", "port": agent.port, "community": community, "timeout": 1}
            run = estate.playbook(os.path.join(PLAYBOOKS, "health_report.yml"), limit="lab-main", check=True,
                                  extra={**paths, **REPORT_ONLY, "health_report_snmp": asked})
            assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
            assert community not in run.stdout + run.stderr
            with open(paths["health_report_json_path"], encoding="utf-8") as handle:
                judged[community] = statuses(json.load(handle))["lab-main"]["snmp"]
    finally:
        agent.stop()
    assert judged == {"oscc-health": "ok", "wrong-community": "fail"}


def test_the_web_smoke_test_where_configured(estate, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>OSCC web</p>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        judged = {}
        for number, urls in enumerate(([f"{base}/index.html"], [f"{base}/index.html", f"{base}/missing.html"])):
            paths = {"health_report_json_path": str(tmp_path / f"report-{number}.json"),
                     "health_report_html_path": str(tmp_path / f"report-{number}.html")}
            run = estate.playbook(os.path.join(PLAYBOOKS, "health_report.yml"), limit="lab-main", check=True,
                                  extra={**paths, **REPORT_ONLY, "health_report_web_urls": urls})
            assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
            with open(paths["health_report_json_path"], encoding="utf-8") as handle:
                web = next(c for c in json.load(handle)["servers"][0]["checks"] if c["check"] == "web")
            judged[len(urls)] = (web["status"], web["detail"])
    finally:
        server.shutdown()
    assert judged[1][0] == "ok"
    assert judged[2] == ("fail", f"{base}/missing.html did not answer 200")


def test_the_report_is_written_when_no_server_can_be_reached(estate, tmp_path):
    """Every server unreachable (the controller's network down, a WinRM credential expired): yesterday's page is
    replaced by one that says so, in the default directory (~/oscc-health-report, not the shell's directory), and
    the run ends failed with one line (health_report_fail_on's default)."""
    home = tmp_path / "home"
    reports = home / "oscc-health-report"
    reports.mkdir(parents=True)
    yesterday = {"generated": "2026-12-06T06:00:00Z", "verdict": "ok"}
    (reports / "oscc-health-report.json").write_text(json.dumps(yesterday))
    (reports / "oscc-health-report.html").write_text("<p>all green yesterday</p>")
    unreachable = tmp_path / "unreachable.yml"
    nowhere = {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 1}
    unreachable.write_text(json.dumps({"all": {"hosts": {host: nowhere for host in LAB_HOSTS}}}))
    estate.env = dict(estate.env, HOME=str(home))
    run = estate.playbook(os.path.join(PLAYBOOKS, "health_report.yml"), "-i", str(unreachable), limit=LIMIT)
    assert run.rc == 2, run.stdout[-3000:] + run.stderr[-2000:]
    with open(reports / "oscc-health-report.json", encoding="utf-8") as handle:
        report = json.load(handle)
    with open(SCHEMA, encoding="utf-8") as handle:
        assert list(Draft202012Validator(json.load(handle)).iter_errors(report)) == []
    assert report["generated"] > yesterday["generated"]
    assert report["verdict"] == "fail" and report["counts"] == {"ok": 0, "warn": 0, "fail": 3}
    for server in report["servers"]:
        assert server["checks"][0]["status"] == "fail"
        assert server["checks"][0]["detail"].startswith("not collected: "), server
    page = (reports / "oscc-health-report.html").read_text()
    assert "all green yesterday" not in page and page.count('data-verdict="fail"') == 3
    assert not os.path.exists(os.path.join(ROOT, "oscc-health-report.json"))
    (reason,) = {result["msg"] for host in LAB_HOSTS for name, result in run.results(host)
                 if result.get("failed") and name.endswith("End the run failed at the estate verdict "
                                                           "health_report_fail_on names")}
    assert reason.startswith(f"estate health fail (0 ok, 0 warn, 3 fail); page {reports}/oscc-health-report.html: ")
    assert "lab-report Informix mode: FAIL not collected: " in reason and len(reason.splitlines()) == 1
