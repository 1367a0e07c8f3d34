"""Bad input gets one actionable line naming the option; onconfig is idempotent with diff and check mode."""
import pytest
from playbook_lab import LOCATION

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}


@pytest.mark.parametrize("module, args, option, words", [
    ("oscc.admin.informix_backup", {**BACKUP, "level": "abc"}, "level", "int"),
    ("oscc.admin.informix_backup", {**BACKUP, "level": 3}, "level", "0, 1, 2"),
    ("oscc.admin.informix_backup", {**BACKUP, "method": "tape"}, "method", "stdio, directory, tapedev"),
    ("oscc.admin.informix_backup", {**BACKUP, "destination": "backups/today"}, "destination", "absolute path"),
    ("oscc.admin.informix_backup", {**BACKUP, "keep_full": 0}, "keep_full", "at least 1"),
    ("oscc.admin.informix_backup", {**BACKUP, "compress": True}, "compress", "Unsupported parameters"),
    ("oscc.admin.informix_backup", {**BACKUP, "timeout": 0}, "timeout", "positive"),
    ("oscc.admin.informix_backup", {**BACKUP, "tool": "ontape2"}, "tool", "ontape, onbar"),
    ("oscc.admin.informix_backup", LOCATION, "destination", "required"),
    ("oscc.admin.informix_restore", {**BACKUP, "include_levels": [0, 5]}, "include_levels", "0, 1, 2"),
    ("oscc.admin.informix_restore", {**BACKUP, "manifest": "old.json", "confirm": True}, "manifest", "absolute path"),
    ("oscc.admin.informix_restore", BACKUP, "confirm", "confirm: true is required"),
    ("oscc.admin.informix_restore", {**LOCATION, "confirm": True}, "destination", "required"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": "C:\\Program Files\\tape"}}, "TAPEDEV", "white space"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": ["TAPEDEV"]}, "parameters", "dict"),
    ("oscc.admin.informix_info", {**LOCATION, "informixdir": "informix"}, "informixdir", "absolute path"),
])
def test_bad_input_gets_one_line_naming_the_option(windows_lab, tmp_path, module, args, option, words):
    lab = windows_lab
    _, result = lab.task(module, args, tmp_path)
    msg = result["msg"]
    assert result["failed"] and option in msg and words in msg, msg
    assert "Traceback" not in msg and len(msg.strip().splitlines()) <= 2, msg


def test_onconfig_changes_once_with_diff_then_reports_no_change(lab, tmp_path):
    params = {**LOCATION, "parameters": {"TAPESIZE": 0, "TAPEBLK": 64}, "backup": True}
    _, planned = lab.task("oscc.admin.onconfig", params, tmp_path, check=True, diff=True)
    assert planned["changed"] and "TAPEBLK 64" in planned["diff"]["after"]
    _, first = lab.task("oscc.admin.onconfig", params, tmp_path, diff=True)
    assert first["changed"] and first["changes"] == {"TAPEBLK": {"before": "16", "after": "64"}}
    assert "TAPEBLK 16" in open(lab.here(first["backup_file"])).read()
    text = open(lab.here(first["path"])).read()
    assert "TAPEBLK 64\n" in text and "TAPEDEV" in text and text.startswith("# ONCONFIG of a simulated")
    _, second = lab.task("oscc.admin.onconfig", params, tmp_path)
    assert not second["changed"] and second["changes"] == {}


def test_check_mode_of_onconfig_writes_nothing(lab, tmp_path):
    _, before = lab.task("oscc.admin.informix_info", LOCATION, tmp_path)
    _, planned = lab.task("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPESIZE": 2048}}, tmp_path, check=True)
    _, after = lab.task("oscc.admin.informix_info", LOCATION, tmp_path, check=True)
    assert planned["changed"] and after["backup_parameters"] == before["backup_parameters"]
    assert after["server_mode"] == "On-Line" and after["remote_operations"] == 1
