"""The replication parsers, levels and plans (plugin_utils/_replication/cdr.py) on recorded output."""
import datetime as dt

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._replication import cdr as rep

LIST = """SERVER                 ID STATE    STATUS     QUEUE  CONNECTION CHANGED
-----------------------------------------------------------------------
g_2_cer10_5_0_98000_9000    2 Active   Local           0
g_3_cer10_5_0_98000_9000    3 Active   Connected       0 Oct 13 17:31:15
"""
LAB = """SERVER                 ID STATE    STATUS     QUEUE  CONNECTION CHANGED
-----------------------------------------------------------------------
g_ol_backup             2 Active   Connected       0 Dec  2 03:10:04
g_ol_main               1 Active   Local           0
g_ol_report             3 Suspended Connected   1234 Dec  2 03:10:04
"""
GROUPS = {"oscc_main": ["m1"], "oscc_backup": ["b1"], "oscc_central_report": ["r1"]}


def test_the_documented_server_list_is_read():
    rows = rep.parse_server_list(LIST)
    assert [(r["group"], r["id"], r["state"], r["status"], r["queue"]) for r in rows] == [
        ("g_2_cer10_5_0_98000_9000", 2, "Active", "Local", 0),
        ("g_3_cer10_5_0_98000_9000", 3, "Active", "Connected", 0)]
    assert rows[1]["changed"] == "Oct 13 17:31:15" and rows[0]["changed"] is None


def test_failure_rows_and_a_suspended_partner():
    rows = rep.parse_server_list(LIST.replace("Connected       0 Oct", "Connecting 165527 Oct"))
    assert rows[1]["status"] == "Connecting" and rows[1]["queue"] == 165527
    assert rep.partner_state(rows[1], None) == "connecting"
    lab = {r["group"]: r for r in rep.parse_server_list(LAB)}
    assert rep.partner_state(lab["g_ol_report"], None) == "paused"
    assert rep.partner_state(lab["g_ol_backup"], None) == "active"
    assert rep.partner_state(lab["g_ol_backup"], "stopped") == "stopped"
    assert rep.partner_state(None, None) == "unknown"
    assert rep.parse_server_list("SERVER ID\n") == []


@pytest.mark.parametrize("rc,text,reason", [
    (0, LIST, None),
    (62, "command failed -- Enterprise Replication not active  (62)\n", "stopped"),
    (5, "command failed -- unable to connect to server specified  (5)\n", "offline"),
    (1, "usage: cdr ...", "error"),
])
def test_why_the_list_failed(rc, text, reason):
    assert rep.list_failure(rc, text) == reason


@pytest.mark.parametrize("percent,found", [(None, "unknown"), (0.0, "ok"), (49.9, "ok"), (50.0, "warning_hourly"),
                                           (74.9, "warning_hourly"), (75.0, "warning"), (94.9, "warning"),
                                           (95.0, "critical"), (100.0, "critical")])
def test_the_manuals_buffer_levels(percent, found):
    assert rep.level(percent) == found


ONSTAT_D = """
Dbspaces
address          number   flags      fchunk   nchunks  pgsize   flags    owner    name
4b2e1028         1        0x60001    1        1        2048     N  BA    informix rootdbs
4b2e2028         2        0x68001    2        1        2048     N SBA    informix cdr_qdata
 2 active, 2047 maximum

Chunks
address          chunk/dbs     offset     size       free       bpages     flags pathname
4b2e2028         1      1      0          150000     74215                 PO-B-- D:\\CCDATA\\rootdbs.000
4b2e3028         2      2      0          1000       900                   POSB-- D:\\CCDATA\\cdr_qdata.000
 2 active, 32766 maximum
"""


def test_the_buffer_is_queued_bytes_against_queue_memory_and_sbspace():
    rows = rep.parse_server_list(LAB)
    found = rep.buffer({"CDR_QUEUEMEM": "500", "CDR_QDATA_SBSPACE": "cdr_qdata"}, ONSTAT_D, rows)
    assert found["capacity_bytes"] == 500 * 1024 + 1000 * 2048
    assert found["queued_bytes"] == 1234
    assert found["percent"] == round(100 * 1234 / (500 * 1024 + 2048000), 2) and found["level"] == "ok"
    full = rep.buffer({"CDR_QUEUEMEM": "500", "CDR_QDATA_SBSPACE": "cdr_qdata"}, ONSTAT_D,
                      [dict(rows[2], queue=int(0.96 * found["capacity_bytes"]))])
    assert full["level"] == "critical" and "stops" in full["meaning"]
    assert rep.buffer({}, "", [])["percent"] is None


def test_partners_follow_the_inventory_groups():
    assert rep.partners("m1", "central_reporting", GROUPS) == {"central_reporting": ["r1"]}
    assert rep.partners("r1", "all", GROUPS) == {"central_reporting": ["m1", "b1"]}
    assert rep.partners("m1", "all", GROUPS) == {"central_reporting": ["r1"], "high_availability": ["b1"]}
    assert rep.partners("b1", "high_availability", GROUPS) == {"high_availability": ["m1"]}
    assert rep.partners("m1", "high_availability", {"oscc_main": ["m1"]}) == {}


def test_pause_is_planned_only_for_partners_not_paused():
    rows = {r["group"]: r for r in rep.parse_server_list(LAB)}
    kinds = {"central_reporting": ["g_ol_report"]}
    assert rep.state_plan("paused", None, "g_ol_main", kinds, rows, "main") == []
    assert rep.state_plan("active", None, "g_ol_main", kinds, rows, "main") == [
        ["resume", "server", "g_ol_report", "g_ol_main"]]
    rows["g_ol_report"] = dict(rows["g_ol_report"], state="Active")
    assert rep.state_plan("paused", None, "g_ol_main", kinds, rows, "main") == [
        ["suspend", "server", "g_ol_report", "g_ol_main"]]
    assert rep.state_plan("active", None, "g_ol_main", kinds, rows, "main") == []
    # on the central report server: delivery to it from the main server
    assert rep.state_plan("paused", None, "g_ol_report", {"central_reporting": ["g_ol_main"]},
                          {"g_ol_main": dict(rows["g_ol_report"], group="g_ol_main")}, "central_report") == [
        ["suspend", "server", "g_ol_report", "g_ol_main"]]
    # high availability: both directions (§8.1.1: either server)
    assert rep.state_plan("paused", None, "g_ol_main", {"high_availability": ["g_ol_backup"]}, rows, "main") == [
        ["suspend", "server", "g_ol_backup", "g_ol_main"], ["suspend", "server", "g_ol_main", "g_ol_backup"]]


def test_stop_start_and_restart():
    assert rep.state_plan("stopped", None, "g", {}, {}, "main") == [["stop"]]
    assert rep.state_plan("stopped", "stopped", "g", {}, {}, "main") == []
    assert rep.state_plan("restarted", None, "g", {}, {}, "main") == [["stop"], ["cleanstart"]]
    assert rep.state_plan("restarted", "stopped", "g", {}, {}, "main") == [["cleanstart"]]
    assert rep.state_plan("active", "stopped", "g", {"central_reporting": ["r"]}, {}, "main") == [["start"]]
    assert rep.state_plan("paused", "stopped", "g", {"central_reporting": ["r"]}, {}, "main") == []


@pytest.mark.parametrize("today,since", [(dt.date(2026, 12, 2), "2026-11-01 00:00:00"),
                                         (dt.date(2026, 1, 31), "2025-12-01 00:00:00"),
                                         (dt.date(2024, 3, 1), "2024-02-01 00:00:00")])
def test_recent_is_this_and_the_previous_month(today, since):
    assert rep.since_recent(today) == since


def test_the_main_server_is_the_master():
    assert rep.sync_master("r1", "m1", GROUPS) == ("m1", "r1")
    assert rep.sync_master("m1", "r1", GROUPS) == ("m1", "r1")
    assert rep.sync_master("b1", "r1", GROUPS) == ("b1", "r1")
    assert rep.sync_master("b1", "m1", GROUPS) == ("m1", "b1")


def test_sync_commands_and_progress():
    sets = dict(rep.DEFAULT_SETS)
    today = dt.date(2026, 12, 2)
    assert rep.sync_commands("report_data_all", "g_m", "g_r", sets, ["rep_a", "rep_b"], ["rep_a"], today) == [
        ["sync", "replicate", "--master=g_m", "--repl=rep_b", "g_r"]]
    assert rep.sync_commands("admin_data", "g_m", "g_b", sets, [], [], today) == [
        ["sync", "replicateset", "--master=g_m", "--replset=oscc_admin", "g_b"]]
    recent = rep.sync_commands("report_data_recent", "g_m", "g_r", sets, [], [], today)[0]
    assert recent[-1] == "--since=2026-11-01 00:00:00" and "--repair" in recent
    progress = rep.read_progress("run report_data_all g_m g_r 5\ndone rep_a\ndone rep_b\ndone rep_a\ngarbage\n")
    assert progress == {"kind": "report_data_all", "master": "g_m", "target": "g_r", "total": 5,
                        "done": ["rep_a", "rep_b"]}
    assert rep.percent_done(progress) == 40.0
    assert rep.percent_done(rep.read_progress(None)) == 0.0


def test_replicate_set_listing():
    text = "REPLICATE SET:oscc_report\nCURRENTLY DEFINED REPLICATES\n----\nREPLICATE:        rep_a\nREPLICATE: rep_b\n"
    assert rep.parse_replicate_set(text) == ["rep_a", "rep_b"]


def test_gui_steps_name_the_manuals_options():
    steps = rep.gui_steps("paused", "central_reporting", "oscc1")
    assert steps[0].startswith("§7.1.2 ") and "trcdbins" in steps[0]
    assert "Replikation mit dem zentralen Report-Server-Computer anhalten" in steps[-1]
    both = rep.gui_steps("restarted", "all", "oscc1")
    assert any("stop the services" in s for s in both) and sum("neu starten" in s for s in both) == 2
    assert "Remote-Server: oscc1" in rep.gui_steps("report_data_all", "central_reporting", "rep", "oscc1")[-1]
