"""web_kit plans in Python from what the executor read: new, unchanged and site-changed files; the POSIX
executor carries out the batches on a temporary folder."""
import json
import os
import zipfile

from ansible_collections.oscc.admin.plugins.action.web_kit import ActionModule

HOSTILE = "it's \"a\" & %PATH% grüße " + "x" * 150 + ".htm"


def make_kit(path, files):
    with zipfile.ZipFile(path, "w") as kit:
        for name, text in files.items():
            kit.writestr(name, text)
    return str(path)


def lay(host, tmp_path, files, check=False, dest=None):
    kit = make_kit(tmp_path / f"kit-{len(os.listdir(tmp_path))}.zip", files)
    return host.run(ActionModule, {"src": kit, "dest": str(dest or tmp_path / "site")}, check=check)


def test_a_first_install_lays_every_entry_and_records_them_in_two_batches(host, tmp_path):
    done = lay(host, tmp_path, {"HPWC.ini": "[HPPCSETTINGS]\n", "html/WCMain.htm": "kit 1",
                                f"html/{HOSTILE}": "odd name"})
    assert done["changed"] and done["written"] == sorted(["HPWC.ini", "html/WCMain.htm", f"html/{HOSTILE}"])
    assert done["kept"] == [] and done["saved_dir"] is None and not done["upgrade"]
    assert open(tmp_path / "site" / "html" / HOSTILE).read() == "odd name"
    record = json.load(open(tmp_path / "site" / ".oscc-kit.json"))
    assert set(record["files"]) == set(done["written"]) and record["kit_sha256"] == done["kit_sha256"]
    assert done["remote_operations"] == 2  # dest did not exist: nothing to hash
    assert [op["op"] for op in host.batches[-1]["ops"]] == ["unzip", "mkdir", "write"]


def test_a_second_run_changes_nothing_and_sends_nothing_that_writes(host, tmp_path):
    files = {"HPWC.ini": "[HPPCSETTINGS]\n", "html/WCMain.htm": "kit 1"}
    kit = make_kit(tmp_path / "kit.zip", files)
    args = {"src": kit, "dest": str(tmp_path / "site")}
    host.run(ActionModule, args)
    sent = len(host.changing())
    again = host.run(ActionModule, args)
    assert not again["changed"] and again["written"] == [] and len(host.changing()) == sent
    assert all(b["read_only"] for b in host.batches[-2:]) and again["remote_operations"] == 2


def test_an_upgrade_keeps_site_changes_saves_both_copies_and_takes_the_rest(host, tmp_path):
    lay(host, tmp_path, {"HPWC.ini": "Port=6021\n", "html/WCMain.htm": "kit 1", "html/Same.htm": "same"})
    (tmp_path / "site" / "HPWC.ini").write_text("Port=7000\n")  # configured on site
    done = lay(host, tmp_path, {"HPWC.ini": "Port=6021\nNew=1\n", "html/WCMain.htm": "kit 2", "html/Same.htm": "same"})
    assert done["upgrade"] and done["kept"] == ["HPWC.ini"] and done["written"] == ["html/WCMain.htm"]
    assert (tmp_path / "site" / "HPWC.ini").read_text() == "Port=7000\n"
    assert (tmp_path / "site" / "html" / "WCMain.htm").read_text() == "kit 2"
    saved = done["saved_dir"]
    assert open(os.path.join(saved, "site", "HPWC.ini")).read() == "Port=7000\n"
    assert open(os.path.join(saved, "kit", "HPWC.ini")).read() == "Port=6021\nNew=1\n"
    assert done["remote_operations"] == 3


def test_check_mode_plans_from_read_only_batches_and_writes_nothing(host, tmp_path):
    done = lay(host, tmp_path, {"html/WCMain.htm": "kit 1"}, check=True)
    assert done["changed"] and done["written"] == ["html/WCMain.htm"] and host.changing() == []
    assert all(b["read_only"] for b in host.batches) and not (tmp_path / "site").exists()


def test_a_kit_not_brought_in_check_mode_is_a_change_to_come(host, tmp_path):
    done = host.run(ActionModule, {"src": str(tmp_path / "missing.zip"), "dest": str(tmp_path / "site")}, check=True)
    assert done["changed"] and done["kit_sha256"] is None and host.changing() == []
    missing = host.run(ActionModule, {"src": str(tmp_path / "missing.zip"), "dest": str(tmp_path / "site")})
    assert missing["failed"] and missing["msg"] == f"kit {tmp_path / 'missing.zip'} does not exist"


def test_an_entry_leaving_the_folder_is_refused_and_nothing_is_written(host, tmp_path):
    for bad in ("../evil.htm", "/etc/evil.htm", "html/../../evil.htm", "C:\\evil.htm", ".oscc-kit.json"):
        done = lay(host, tmp_path, {"html/WCMain.htm": "kit", bad: "evil"})
        assert done["failed"] and f"zip entry {bad!r}" in done["msg"] and done["msg"].endswith("; nothing written")
        assert "\n" not in done["msg"]
    assert host.changing() == [] and not (tmp_path / "site").exists() and not (tmp_path / "evil.htm").exists()


def test_dest_that_is_a_file_and_a_kit_that_is_no_zip_get_one_line(host, tmp_path):
    (tmp_path / "site").write_text("a file")
    done = lay(host, tmp_path, {"a.htm": "a"})
    assert done["failed"] and done["msg"] == f"dest {tmp_path / 'site'} is a file, not a folder"
    (tmp_path / "junk.zip").write_text("no zip")
    junk = host.run(ActionModule, {"src": str(tmp_path / "junk.zip"), "dest": str(tmp_path / "other")})
    assert junk["failed"] and junk["msg"] == f"kit {tmp_path / 'junk.zip'} is not a zip file"


def test_a_record_changed_between_read_and_write_refuses_the_record(host, tmp_path):
    lay(host, tmp_path, {"a.htm": "1"})
    kit = make_kit(tmp_path / "kit2.zip", {"a.htm": "2"})

    def another_install(ops):
        (tmp_path / "site" / ".oscc-kit.json").write_text("{}")  # another run laid a kit meanwhile

    host.recorded = [None, None, another_install]
    done = host.run(ActionModule, {"src": kit, "dest": str(tmp_path / "site")})
    assert done["failed"] and done["msg"].endswith(".oscc-kit.json changed since it was read; nothing written")
    assert (tmp_path / "site" / "a.htm").read_text() == "1"  # refused before anything was laid


def test_windows_paths_are_joined_for_the_host(host):
    kit_files = {"html/english/CaptureWCData.htm": "a" * 64}
    host.recorded = [
        [{"exists": True, "dir": True, "link": False}, {"exists": True, "sha256": "k" * 64, "size": 10},
         {"exists": False}, {"exists": True, "files": kit_files}],
        [{"exists": True, "sha256": "b" * 64, "size": 1}],
        [{"copied": True}, {"exists": True, "files": kit_files}, {"created": True},
         {"changed": True, "backup_file": None}]]
    done = host.run(ActionModule, {"src": "C:\\kits\\kit.zip", "dest": "C:\\inetpub\\HPPC"}, platform="windows")
    assert host.batches[1]["ops"] == [{"op": "hash", "path": "C:\\inetpub\\HPPC\\html\\english\\CaptureWCData.htm"}]
    assert done["kept"] == ["html/english/CaptureWCData.htm"]
    assert done["saved_dir"].startswith("C:\\inetpub\\HPPC-saved\\")
    copy = host.batches[2]["ops"][0]
    assert copy["dest"] == done["saved_dir"] + "\\site\\html\\english\\CaptureWCData.htm"
