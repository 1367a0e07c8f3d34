"""Foreseeable mistakes in the Informix modules get one line naming the option, and change nothing."""
import os

import pytest
from playbook_lab import LOCATION, Lab

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}
MISTAKES = [
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPESIZE": -1}}, "TAPESIZE: value '-1' is not a whole number"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"SERVERNUM": "300"}}, "SERVERNUM: value '300' is not a whole"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": None}}, "TAPEDEV needs a text or number value"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": ["D:\\a"]}}, "TAPEDEV needs a text or number"),
    ("oscc.admin.informix_backup", {**LOCATION, "destination": "D:\\" + "x" * 300}, "destination holds a name of 300"),
    ("oscc.admin.informix_restore", {**BACKUP, "manifest": "D:\\OSCC-Backups\\", "confirm": True}, "names a folder"),
    ("oscc.admin.informix_restore", {**BACKUP, "timeout": -5, "confirm": True}, "timeout must be a positive"),
    ("oscc.admin.informix_restore", {**BACKUP, "confirm": True, "chunks": ["ccdata.000"]},
     "chunks: 'ccdata.000' is not"),
    ("oscc.admin.informix_backup", {**LOCATION, "destination": "D:\\OSCC-Backups\\a-file"},
     "is a file, not a directory"),
    ("oscc.admin.informix_restore", {**LOCATION, "destination": "D:\\nowhere", "confirm": True},
     "destination D:\\nowhere does not exist"),
    # Names Windows cannot hold, and names with control characters (issue 17 review); an optional fourth element
    # holds the task's options.
    ("oscc.admin.informix_backup", {**LOCATION, "destination": "D:\\OSCC-Backups\\a\nb"},
     "destination must be one line without CR, LF or NUL characters (LF found), got 'D:\\\\OSCC-Backups\\\\a\\nb'"),
    ("oscc.admin.informix_backup", {**LOCATION, "destination": 'D:\\x\\a"b'},
     "destination holds '\"', which Windows forbids in a file or folder name"),
    ("oscc.admin.informix_restore", {**BACKUP, "confirm": True, "chunks": ["D:\\x\n.000"]},
     "chunks[0] must be one line without CR, LF or NUL characters", {"check": True}),
    ("oscc.admin.informix_restore", {**BACKUP, "confirm": True, "chunks": ["D:\\x<1>.000"]},
     "chunks[0] holds '<>', which Windows forbids"),
    # A device name, and a name Windows strips the dot or space of (issue 19 review): refused, not written.
    ("oscc.admin.informix_backup", {**LOCATION, "destination": "D:\\CON"},
     "destination holds 'CON', a name Windows reserves for a device"),
    ("oscc.admin.informix_backup", {**LOCATION, "destination": "D:\\b. "},
     "destination holds 'b. ', a name ending in a dot or space, which Windows strips"),
    ("oscc.admin.informix_info", {**LOCATION, "informixserver": "ol_main\nx"},
     "informixserver must be a name without control characters, got 'ol_main\\nx'"),
    ("oscc.admin.informix_info", {**LOCATION, "informixdir": "C:\\x\ny"}, "informixdir must be one line"),
    ("oscc.admin.informix_info", {**LOCATION, "onconfig": "ONCONFIG\nx"}, "ONCONFIG\\nx' does not exist"),
    ("oscc.admin.informix_restore", {**BACKUP, "confirm": True, "manifest": "D:\\OSCC-Backups\\x\ny.json"},
     "manifest must be one line"),
    ("oscc.admin.informix_restore", {**BACKUP, "confirm": True, "services": ["OpenScape Contact Center\nx"]},
     "services[0] must be a name without control characters, got 'OpenScape Contact Center\\nx'"),
    ("oscc.admin.informix_restore", {**BACKUP, "confirm": True, "services": ["OpenScape Contact Center\nx"]},
     "services[0] must be a name without control characters", {"check": True}),
]


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory):
    """Every case of MISTAKES on one simulated Windows server, back to back in one playbook (one ansible-playbook
    start instead of one per case); the lab and its ONCONFIG as they were before the first. Each case must touch
    nothing: every test checks the server and its ONCONFIG after all of them."""
    tmp_path = tmp_path_factory.mktemp("informix-mistakes")
    lab = Lab(tmp_path / "lab", "lab-main")
    open(os.path.join(lab.backups(), "a-file"), "w").close()
    onconfig = open(os.path.join(lab.paths["informixdir"], "etc", "ONCONFIG.ol_main")).read()
    return lab, onconfig, lab.tasks([(module, args, *options) for module, args, _w, *options in MISTAKES], tmp_path)[1]


@pytest.mark.xdist_group("test_informix_inputs_mistakes")  # one worker runs the shared playbook (--dist loadgroup)
@pytest.mark.parametrize("case", range(len(MISTAKES)))
def test_informix_mistakes_get_one_line_and_touch_nothing(mistakes, case):
    lab, onconfig, results = mistakes
    words, result = MISTAKES[case][2], results[case]
    assert result["failed"] and words in result["msg"], result
    assert "Traceback" not in result["msg"] and "\n" not in result["msg"].strip()
    assert open(os.path.join(lab.paths["informixdir"], "etc", "ONCONFIG.ol_main")).read() == onconfig
    assert lab.mode_rc() == 5


@pytest.mark.xdist_group("test_informix_inputs_mistakes")
def test_no_folder_with_a_name_windows_forbids_was_made(mistakes):
    lab, _onconfig, _results = mistakes
    made = [os.path.join(top, name) for top, folders, files in os.walk(lab.paths["base"]) for name in folders + files]
    assert not [path for path in made if any(char in os.path.basename(path) for char in '\n"<>')], made
    assert not [path for path in made if os.path.basename(path) in ("CON", "b. ", "b.", "b")], made


def test_a_folder_given_as_a_file_and_a_file_given_as_a_folder_get_one_line(windows_lab, tmp_path):
    lab = windows_lab
    os.mkdir(os.path.join(lab.backups(), "HPWC.ini"))  # named as the file is (a path not ending .ini is refused first)
    _, folder = lab.task("oscc.admin.hpwc_ini", {"path": "D:\\OSCC-Backups\\HPWC.ini", "address": "web.example"},
                         tmp_path)
    assert folder["failed"] and folder["msg"] == "D:\\OSCC-Backups\\HPWC.ini is a folder, not a file", folder
    open(os.path.join(lab.backups(), "wwwroot"), "w").close()
    open(os.path.join(lab.backups(), "kit.zip"), "wb").close()
    _, kit = lab.task("oscc.admin.web_kit", {"src": "D:\\OSCC-Backups\\kit.zip", "dest": "D:\\OSCC-Backups\\wwwroot"},
                      tmp_path)
    assert kit["failed"] and "dest D:\\OSCC-Backups\\wwwroot is a file, not a folder" in kit["msg"], kit
