"""Foreseeable mistakes in the Informix modules get one line naming the option, and change nothing."""
import os

import pytest
from playbook_lab import LOCATION

BACKUP = {**LOCATION, "destination": "{{ oscc_backup_destination }}"}


@pytest.mark.parametrize("module, args, words", [
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPESIZE": -1}}, "TAPESIZE: value '-1' is not a whole number"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"SERVERNUM": "300"}}, "SERVERNUM: value '300' is not a whole"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": None}}, "TAPEDEV needs a text or number value"),
    ("oscc.admin.onconfig", {**LOCATION, "parameters": {"TAPEDEV": ["D:\\a"]}}, "TAPEDEV needs a text or number"),
    ("oscc.admin.informix_backup", {**LOCATION, "destination": "D:\\" + "x" * 300}, "destination holds a name of 300"),
    ("oscc.admin.informix_restore", {**BACKUP, "manifest": "D:\\OSCC-Backups\\", "confirm": True}, "names a folder"),
    ("oscc.admin.informix_restore", {**BACKUP, "timeout": -5, "confirm": True}, "timeout must be a positive"),
    ("oscc.admin.informix_restore", {**BACKUP, "confirm": True, "chunks": ["ccdata.000"]}, "chunks: 'ccdata.000' is not"),
    ("oscc.admin.informix_backup", {**LOCATION, "destination": "D:\\OSCC-Backups\\a-file"}, "is a file, not a directory"),
    ("oscc.admin.informix_restore", {**LOCATION, "destination": "D:\\nowhere", "confirm": True},
     "destination D:\\nowhere does not exist"),
])
def test_informix_mistakes_get_one_line_and_touch_nothing(windows_lab, tmp_path, module, args, words):
    lab = windows_lab
    open(os.path.join(lab.backups(), "a-file"), "w").close()
    onconfig = open(os.path.join(lab.paths["informixdir"], "etc", "ONCONFIG.ol_main")).read()
    _, result = lab.task(module, args, tmp_path)
    assert result["failed"] and words in result["msg"], result
    assert "Traceback" not in result["msg"] and "\n" not in result["msg"].strip()
    assert open(os.path.join(lab.paths["informixdir"], "etc", "ONCONFIG.ol_main")).read() == onconfig
    assert lab.mode_rc() == 5


def test_a_folder_given_as_a_file_and_a_file_given_as_a_folder_get_one_line(windows_lab, tmp_path):
    lab = windows_lab
    _, folder = lab.task("oscc.admin.hpwc_ini", {"path": "D:\\OSCC-Backups", "address": "web.example"}, tmp_path)
    assert folder["failed"] and folder["msg"] == "D:\\OSCC-Backups is a folder, not a file", folder
    open(os.path.join(lab.backups(), "wwwroot"), "w").close()
    open(os.path.join(lab.backups(), "kit.zip"), "wb").close()
    _, kit = lab.task("oscc.admin.web_kit", {"src": "D:\\OSCC-Backups\\kit.zip", "dest": "D:\\OSCC-Backups\\wwwroot"},
                      tmp_path)
    assert kit["failed"] and "dest D:\\OSCC-Backups\\wwwroot is a file, not a folder" in kit["msg"], kit
