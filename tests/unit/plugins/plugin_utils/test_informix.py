"""Parsers and ONCONFIG rules against the recorded strings of docs/vendor-facts.md, Informix."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx

ARC = """
IBM Informix Dynamic Server Version 11.50.FC8     -- On-Line -- Up 9 days 13:30:30 -- 101950928 Kbytes

Dbspaces - Archive Status
name               number level date             log        log-position
rootdbs            1      0     07/30/2009.09:59 28         0x320018
rootdbs            1      1     08/01/2009.10:15 31         0x330018
datadbs            2      0     07/30/2009.09:59 28         0x320018
"""


@pytest.mark.parametrize("text, mode, version", [
    ("IBM Informix Dynamic Server Version 11.50.FC8     -- On-Line -- Up 9 days 13:30:30 -- 101950928 Kbytes",
     "On-Line", "11.50.FC8"),
    ("IBM Informix Dynamic Server Version 11.70.FC8GE -- Single-User -- Up 03:43:29 -- 15533580 Kbytes",
     "Single-User", "11.70.FC8GE"),
    ("Licence notice first\nHCL Informix Dynamic Server Version 11.50.UC1   -- online(Prim) -- Up 45:08:57",
     "online", "11.50.UC1"),
])
def test_onstat_banner(text, mode, version):
    header = ifx.parse_onstat_header(text)
    assert header["mode"] == mode and header["version"] == version


def test_onstat_banner_absent_when_offline():
    assert ifx.parse_onstat_header("shared memory not initialized for INFORMIXSERVER 'ol_x'") is None


@pytest.mark.parametrize("rc, mode", [(5, "On-Line"), (255, "Off-Line"), (1, "Quiescent"), (7, "Single-User"),
                                      (4294967295, "Shared-Memory Failure"), (42, "Unknown (42)")])
def test_mode_from_return_code(rc, mode):
    assert ifx.server_mode(rc) == mode


def test_archive_status_rows_and_newest_per_level():
    rows = ifx.parse_onstat_arc(ARC)
    assert [(r["name"], r["level"], r["log"]) for r in rows] == [
        ("rootdbs", 0, 28), ("rootdbs", 1, 31), ("datadbs", 0, 28)]
    assert ifx.last_archives(rows) == {0: {"date": "07/30/2009.09:59", "log": 28, "position": "0x320018"},
                                       1: {"date": "08/01/2009.10:15", "log": 31, "position": "0x330018"}}


def test_a_later_checkpoint_in_the_same_log_is_a_newer_archive():
    """Two archives without a log switch share the log ID (and may share the minute): the position decides."""
    first = {"date": "12/01/2026.03:00", "log": 28, "position": "0x320018"}
    second = {"date": "12/01/2026.03:00", "log": 28, "position": "0x321018"}
    assert ifx.checkpoint_order(second) > ifx.checkpoint_order(first)
    assert ifx.checkpoint_order({**first, "log": 29, "position": "0x18"}) > ifx.checkpoint_order(second)
    assert not ifx.same_checkpoint(first, second) and ifx.same_checkpoint(first, dict(first))
    assert ifx.same_checkpoint(first, {"date": first["date"], "log": 28})  # a record without a position
    assert not ifx.same_checkpoint(first, None)
    rows = [{"level": 0, **first}, {"level": 0, **second}]
    assert ifx.last_archives(rows) == {0: second}


@pytest.mark.parametrize("name, value", [("TAPESIZE", "-1"), ("TAPESIZE", -5), ("TAPEBLK", "0"), ("TAPEBLK", "16k"),
                                         ("SERVERNUM", "256"), ("LTAPESIZE", "0x10"), ("TAPESIZE", "1.5")])
def test_numeric_parameters_refuse_what_informix_would_misread(name, value):
    problem = ifx.onconfig_value_error(name, value)
    assert problem and problem.startswith(f"ONCONFIG parameter {name}: value") and "whole number" in problem


@pytest.mark.parametrize("name, value", [("TAPESIZE", 0), ("TAPEBLK", "32"), ("SERVERNUM", 255),
                                         ("TAPEDEV", "D:\\-x")])  # a path (issue 19: absolute), no number
def test_numeric_parameters_accept_what_informix_reads(name, value):
    assert ifx.onconfig_value_error(name, value) is None


def test_chunk_paths_from_onstat_d():
    text = ("Chunks\naddress          chunk/dbs     offset     size       free       bpages     flags pathname\n"
            "4b2e1028         1      1      0          150000     74215                 PO-B-- /opt/ifx/rootdbs\n"
            "4b2e2028         2      2      0          150000     74215                 PO-B-- "
            "C:\\Contact Center Data\\cc.000\n"
            " 2 active, 32766 maximum\n")
    assert ifx.parse_onstat_chunks(text) == ["/opt/ifx/rootdbs", "C:\\Contact Center Data\\cc.000"]


def test_onconfig_first_occurrence_wins_and_comments_are_ignored():
    text = "# comment\nTAPEDEV C:\\Backups\\Backup.001 trailing comment\nTAPEDEV D:\\other\nLTAPEDEV\n"
    assert ifx.parse_onconfig(text) == {"TAPEDEV": "C:\\Backups\\Backup.001", "LTAPEDEV": ""}


def test_edit_keeps_comments_and_line_endings_and_rewrites_the_effective_line():
    text = "ROOTNAME rootdbs\r\nTAPEDEV   old   # where archives go\r\nTAPEDEV ignored\r\n"
    new, changes = ifx.edit_onconfig(text, {"TAPEDEV": "D:\\bk", "TAPESIZE": 0})
    assert new == "ROOTNAME rootdbs\r\nTAPEDEV   D:\\bk   # where archives go\r\nTAPEDEV ignored\r\nTAPESIZE 0\r\n"
    assert changes == {"TAPEDEV": ("old", "D:\\bk"), "TAPESIZE": (None, "0")}
    assert ifx.edit_onconfig(new, {"TAPEDEV": "D:\\bk", "TAPESIZE": "0"}) == (new, {})


@pytest.mark.parametrize("name, value, words", [
    ("LTAPEDEV", "C:\\Program Files\\IBM\\Informix\\tape1", "white space"),
    ("TAPEDEV", "D:\\a#b", "comment"),
    ("tapedev", "x", "name"),
    ("TAPEDEV", "", "needs a value"),
    ("TAPEDEV", "D:\\Sicherung\u20ac", "Latin-1"),
    ("TAPEDEV", "x" * 600, "512"),
])
def test_values_informix_would_misread_are_refused(name, value, words):
    assert words in ifx.onconfig_value_error(name, value)


def test_safe_value_passes():
    assert ifx.onconfig_value_error("TAPEDEV", "D:\\OSCC-Backups\\tape") is None


@pytest.mark.parametrize("device, null", [("NUL", True), ("/dev/null", True), (None, True), ("", True),
                                          ("C:\\Backups\\Backup.001", False)])
def test_null_devices(device, null):
    assert ifx.is_null_device(device) is null


@pytest.mark.parametrize("output, ok", [
    ("10:00:00 Level 0 Archive started on rootdbs\nArchive to tape device 'x' is complete.\nProgram over.\n", True),
    ("10:00:00 Level 0 Archive started on rootdbs\n", False),
    ("Archive failed - write error: No space left on device.\nProgram over.\n", False),
    ("shared memory not initialized for INFORMIXSERVER 'ol_x'\n", False),
])
def test_ontape_outcome(output, ok):
    assert ifx.ontape_outcome(output, 0)[0] is ok


def test_ontape_outcome_wants_the_requested_level():
    assert ifx.ontape_outcome("10:00 Level 0 Archive started on rootdbs\nProgram over.\n", 1) == (
        False, "ontape output does not show a level 1 archive")
