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


# The documented layout (HCL's cdr list server): group names wider than the SERVER column push the row to the right,
# every STATE and STATUS word, a QUEUE of 0 and one wide enough to fill its column and touch a ten-letter STATUS.
EVERY_WORD = """SERVER                 ID STATE    STATUS     QUEUE  CONNECTION CHANGED
-----------------------------------------------------------------------
g_oscc_main_site_frankfurt_primary    1 Active   Local           0
g_oscc_backup_site_frankfurt_standby    2 Suspended Connected       0 Oct 13 17:31:15
g_report    3 Active   Connecting12345678 Oct 13 17:31:16
g_four      4 Active   Disconnect      0 Oct 13 17:31:17
g_five      5 Deleted  Dropped    165527 Oct 13 17:31:18
g_six       6 Disabled Timeout         0 Oct 13 17:31:19
g_seven     7 Quiescent Connected       0 Oct 13 17:31:20
"""


def test_every_documented_word_and_column_overflow_is_read():
    rows = {r["group"]: r for r in rep.parse_server_list(EVERY_WORD)}
    assert [(r["id"], r["state"], r["status"], r["queue"]) for r in rows.values()] == [
        (1, "Active", "Local", 0), (2, "Suspended", "Connected", 0), (3, "Active", "Connecting", 12345678),
        (4, "Active", "Disconnect", 0), (5, "Deleted", "Dropped", 165527), (6, "Disabled", "Timeout", 0),
        (7, "Quiescent", "Connected", 0)]
    assert rows["g_oscc_backup_site_frankfurt_standby"]["changed"] == "Oct 13 17:31:15"
    assert rows["g_report"]["changed"] == "Oct 13 17:31:16"
    states = {group: rep.partner_state(row, None) for group, row in rows.items()}
    assert states == {"g_oscc_main_site_frankfurt_primary": "active", "g_oscc_backup_site_frankfurt_standby": "paused",
                      "g_report": "connecting", "g_four": "disconnected", "g_five": "deleted", "g_six": "disabled",
                      "g_seven": "defining"}
    for row in rows.values():  # each word has its documented meaning, none is "not a word the documentation lists"
        assert "documentation" not in rep.meaning(row), row
    assert "until it is reset" in rep.meaning(rows["g_four"])
    assert "delivery of replication data to the server" in rep.meaning(rows["g_oscc_backup_site_frankfurt_standby"])
    assert rep.buffer({"CDR_QUEUEMEM": "131072"}, "", list(rows.values()))["queued_bytes"] == 12345678 + 165527


@pytest.mark.parametrize("status,state", [("Connected", "active"), ("Timeout", "active"), ("Connecting", "connecting"),
                                          ("Dropped", "connecting"), ("Disconnect", "disconnected"),
                                          ("Frozen", "unknown")])
def test_a_partners_connection_in_the_modules_words(status, state):
    row = {"group": "g_r", "id": 3, "state": "Active", "status": status, "queue": 0, "changed": None}
    assert rep.partner_state(row, None) == state
    assert rep.partner_state(dict(row, state="Suspended"), None) == "paused"  # the pause is what was asked
    assert rep.partner_state(dict(row, state="Sleeping"), None) == "unknown"


def _rows(text):
    return {r["group"]: r for r in rep.parse_server_list(text)}


LISTED_ON_REPORT = """SERVER                 ID STATE    STATUS     QUEUE  CONNECTION CHANGED
-----------------------------------------------------------------------
g_ol_backup             2 Active   Connected       0 Dec  2 03:10:04
g_ol_main               1 Active   Connected       0 Dec  2 03:10:04
g_ol_report             3 {report:<8} Local           0
"""


def test_on_the_report_server_its_own_row_says_whether_delivery_to_it_is_paused():
    kinds = {"central_reporting": ["g_ol_main", "g_ol_backup"]}
    active = _rows(LISTED_ON_REPORT.format(report="Active"))
    paused = _rows(LISTED_ON_REPORT.format(report="Suspended"))
    pause = [["suspend", "server", "g_ol_report", "g_ol_main"], ["suspend", "server", "g_ol_report", "g_ol_backup"]]
    assert rep.state_plan("paused", None, "g_ol_report", kinds, active, "central_report") == pause
    assert rep.state_plan("paused", None, "g_ol_report", kinds, paused, "central_report") == []  # idempotent
    assert rep.state_plan("active", None, "g_ol_report", kinds, paused, "central_report") == [
        ["resume"] + command[1:] for command in pause]
    assert rep.state_plan("active", None, "g_ol_report", kinds, active, "central_report") == []
    pairs = rep.deliveries("central_reporting", "central_report", "g_ol_report", "g_ol_main")
    assert pairs == [("g_ol_main", "g_ol_report")]
    receivers = rep.receiver_rows(paused, pairs)
    assert receivers == [paused["g_ol_report"]]
    assert rep.partner_state(paused["g_ol_main"], None, receivers) == "paused"
    assert rep.partner_state(active["g_ol_main"], None, [active["g_ol_report"]]) == "active"


def test_high_availability_is_paused_when_both_rows_say_so():
    listed = LAB.replace("g_ol_report             3 Suspended Connected",
                         "g_ol_report             3 Active    Connected")
    kinds = {"high_availability": ["g_ol_backup"]}
    one_way = _rows(listed.replace("g_ol_backup             2 Active  ", "g_ol_backup             2 Suspended"))
    both = _rows(listed.replace("g_ol_backup             2 Active  ", "g_ol_backup             2 Suspended")
                 .replace("g_ol_main               1 Active  ", "g_ol_main               1 Suspended"))
    pairs = rep.deliveries("high_availability", "main", "g_ol_main", "g_ol_backup")
    assert pairs == [("g_ol_main", "g_ol_backup"), ("g_ol_backup", "g_ol_main")]
    assert rep.partner_state(one_way["g_ol_backup"], None, rep.receiver_rows(one_way, pairs)) == "partly_paused"
    assert rep.partner_state(both["g_ol_backup"], None, rep.receiver_rows(both, pairs)) == "paused"
    # only the delivery not yet suspended is suspended, only the suspended one resumed
    assert rep.state_plan("paused", None, "g_ol_main", kinds, one_way, "main") == [
        ["suspend", "server", "g_ol_main", "g_ol_backup"]]
    assert rep.state_plan("active", None, "g_ol_main", kinds, one_way, "main") == [
        ["resume", "server", "g_ol_backup", "g_ol_main"]]
    assert rep.state_plan("paused", None, "g_ol_main", kinds, both, "main") == []
    # a disabled partner takes no suspend
    disabled = dict(both, g_ol_backup=dict(both["g_ol_backup"], state="Disabled"))
    assert rep.state_plan("active", None, "g_ol_main", kinds, disabled, "main") == []


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


def test_ending_one_kind_closes_its_connections_and_a_restart_opens_them_again():
    rows = {r["group"]: r for r in rep.parse_server_list(LAB)}
    ha = {"high_availability": ["g_ol_backup"]}
    assert rep.state_plan("disconnected", None, "g_ol_main", ha, rows, "main") == [
        ["disconnect", "server", "g_ol_backup"]]
    closed = dict(rows, g_ol_backup=dict(rows["g_ol_backup"], status="Disconnect"))
    assert rep.state_plan("disconnected", None, "g_ol_main", ha, closed, "main") == []  # idempotent (§8.1.3)
    assert rep.state_plan("disconnected", "stopped", "g_ol_main", ha, {}, "main") == []
    # §8.1.3.1: the tool run twice (stop, then restart) and the closed connection reset in the same batch
    assert rep.state_plan("restarted", None, "g_ol_main", ha, closed, "main") == [
        ["stop"], ["cleanstart"], ["connect", "server", "g_ol_backup"]]
    # a closed connection of another kind is not the restart's to open
    assert rep.state_plan("restarted", None, "g_ol_main", {"central_reporting": ["g_ol_report"]}, closed,
                          "main") == [["stop"], ["cleanstart"]]
    assert rep.reconnect_plan(ha, rows) == []


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
    # §8.2: between main and backup, the server the task runs on was down and receives the partner's data
    assert rep.sync_master("m1", "b1", GROUPS) == ("b1", "m1")


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


def test_an_unfinished_report_data_all_is_named():
    left = rep.unfinished(rep.read_progress("run report_data_all g_m g_r 5\ndone rep_a\ndone rep_b\n"))
    assert left == "a report_data_all from g_m to g_r that has not finished (2 of 5 replicates done)"
    finished = "run report_data_all g_m g_r 2\ndone rep_a\ndone rep_b\n"
    assert rep.unfinished(rep.read_progress(finished)) is None
    assert rep.unfinished(rep.read_progress("run admin_data g_m g_b 1\n")) is None
    assert rep.unfinished(rep.read_progress(None)) is None


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
    ended = rep.gui_steps("disconnected", "high_availability", "oscc1")
    assert "Replikation mit dem Remote-Server-Computer beenden" in ended[-1]
    assert rep.gui_steps("stopped", "high_availability", "oscc1")[0].startswith("§8.1.5 ")
