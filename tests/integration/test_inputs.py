"""Bad input gets one actionable line naming the option; onconfig is idempotent with diff and check mode."""
import pytest
from playbook_lab import LOCATION, Lab

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}
BAD_INPUT = [
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
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": "C:\\Program Files\\tape"}},
     "TAPEDEV", "white space"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": ["TAPEDEV"]}, "parameters", "dict"),
    ("oscc.admin.informix_info", {**LOCATION, "informixdir": "informix"}, "informixdir", "absolute path"),
    ("oscc.admin.onconfig", {**LOCATION, "path": "C:\\x\\ONCONFIG*", "parameters": {"TAPESIZE": 0}},
     "path", "which Windows forbids"),
    ("oscc.admin.informix_info", {**LOCATION, "informixserver": "ol_main\x1b"}, "informixserver", "control characters"),
]


@pytest.fixture(scope="module")
def bad_input_results(tmp_path_factory):
    """Every case of BAD_INPUT on one simulated Windows server, back to back in one playbook (one ansible-playbook
    start instead of one per case): each is refused by its own validation, so none sees another's effects."""
    tmp_path = tmp_path_factory.mktemp("bad-input")
    return Lab(tmp_path / "lab", "lab-main").tasks([(module, args) for module, args, _o, _w in BAD_INPUT], tmp_path)[1]


@pytest.mark.xdist_group("test_inputs_bad_input")  # one worker runs the shared playbook (--dist loadgroup)
@pytest.mark.parametrize("case", range(len(BAD_INPUT)))
def test_bad_input_gets_one_line_naming_the_option(bad_input_results, case):
    _module, _args, option, words = BAD_INPUT[case]
    result = bad_input_results[case]
    msg = result["msg"]
    assert result["failed"] and option in msg and words in msg, msg
    assert "Traceback" not in msg and len(msg.strip().splitlines()) <= 2, msg


def test_onconfig_changes_once_with_diff_then_reports_no_change(lab, tmp_path):
    params = {**LOCATION, "parameters": {"TAPESIZE": 0, "TAPEBLK": 64}, "backup": True}
    # The plan, the change and the second run back to back in one playbook.
    _, (planned, first, second) = lab.tasks([("oscc.admin.onconfig", params, {"check": True, "diff": True}),
                                             ("oscc.admin.onconfig", params, {"diff": True}),
                                             ("oscc.admin.onconfig", params)], tmp_path)
    assert planned["changed"] and "TAPEBLK 64" in planned["diff"]["after"]
    assert first["changed"] and first["changes"] == {"TAPEBLK": {"before": "16", "after": "64"}}
    assert "TAPEBLK 16" in open(lab.here(first["backup_file"])).read()
    text = open(lab.here(first["path"])).read()
    assert "TAPEBLK 64\n" in text and "TAPEDEV" in text and text.startswith("# ONCONFIG of a simulated")
    assert not second["changed"] and second["changes"] == {}


def test_check_mode_of_onconfig_writes_nothing(lab, tmp_path):
    _, (before, planned, after) = lab.tasks([("oscc.admin.informix_info", LOCATION),
                                             ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPESIZE": 2048}},
                                              {"check": True}),
                                             ("oscc.admin.informix_info", LOCATION, {"check": True})], tmp_path)
    assert planned["changed"] and after["backup_parameters"] == before["backup_parameters"]
    assert after["server_mode"] == "On-Line" and after["remote_operations"] == 1
