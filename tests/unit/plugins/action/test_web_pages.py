"""web_pages: one batch reads the pages, one writes them, each guarded by the SHA-256 it was read with; the POSIX
executor carries the batches out on a temporary folder."""
import os

import pytest

from ansible_collections.oscc.admin.plugins.action.web_pages import ActionModule

CAPTURE = '<form><input type="hidden" name="varSessionPriority" value="10">\n</form>\n'
ARGS = {"languages": [{"name": "deutsch", "hppc_language": "German"}], "capture_fields": {"varSessionPriority": 50}}


@pytest.fixture
def site(tmp_path):
    english = tmp_path / "html" / "english"
    english.mkdir(parents=True)
    (english / "CaptureWCData.htm").write_text(CAPTURE, encoding="latin-1")
    (english / "Grüße & 'Rückruf' %PATH%.htm").write_text("Rückruf\n", encoding="latin-1")
    (tmp_path / "html" / "WCMain.htm").write_text("x?varUserLanguage=english\n")
    return tmp_path


def test_pages_are_copied_localised_and_customised_then_a_second_run_changes_nothing(host, site):
    done = host.run(ActionModule, {"path": str(site), **ARGS})
    assert done["changed"] and done["remote_operations"] == 2, done
    assert done["written"] == ["html/WCDeutsch.htm", "html/deutsch/CaptureWCData.htm",
                               "html/deutsch/Grüße & 'Rückruf' %PATH%.htm", "html/english/CaptureWCData.htm"]
    german = (site / "html" / "deutsch" / "CaptureWCData.htm").read_text(encoding="latin-1")
    assert 'name="varHPPCLanguage" value="German"' in german and 'value="50"' in german
    assert (site / "html" / "deutsch" / "Grüße & 'Rückruf' %PATH%.htm").read_text(encoding="latin-1") == "Rückruf\n"
    assert (site / "html" / "WCDeutsch.htm").read_text() == "x?varUserLanguage=deutsch\n"
    again = host.run(ActionModule, {"path": str(site), **ARGS})
    assert not again["changed"] and again["remote_operations"] == 1 and host.batches[-1]["read_only"]


def test_check_mode_reads_and_writes_nothing(host, site):
    done = host.run(ActionModule, {"path": str(site), **ARGS}, check=True, diff=True)
    assert done["changed"] and len(host.batches) == 1 and host.batches[0]["read_only"] and host.changing() == []
    assert not (site / "html" / "deutsch").exists() and len(done["diff"]) == 4


def test_a_page_the_site_changed_after_it_was_read_refuses_the_batch_before_anything_is_written(host, site):
    def site_edits(ops):
        (site / "html" / "english" / "CaptureWCData.htm").write_text(CAPTURE.replace("10", "20"))

    host.recorded = [None, site_edits]
    done = host.run(ActionModule, {"path": str(site), **ARGS})
    assert done["failed"] and done["msg"] == (f"{site / 'html' / 'english' / 'CaptureWCData.htm'} changed since it "
                                              "was read; nothing written")
    assert not (site / "html" / "deutsch").exists() and not (site / "html" / "WCDeutsch.htm").exists()
    assert 'value="20"' in (site / "html" / "english" / "CaptureWCData.htm").read_text()


def test_a_translation_the_site_added_meanwhile_is_kept_and_named(host, site):
    def site_translates(ops):
        os.makedirs(site / "html" / "deutsch")
        (site / "html" / "deutsch" / "CaptureWCData.htm").write_text("<form>übersetzt</form>", encoding="latin-1")

    host.recorded = [None, site_translates]
    done = host.run(ActionModule, {"path": str(site), **ARGS})
    assert done["failed"] and done["msg"] == (f"{site / 'html' / 'deutsch' / 'CaptureWCData.htm'} changed since it was "
                                              "read; nothing written")
    assert (site / "html" / "deutsch" / "CaptureWCData.htm").read_text(encoding="latin-1") == "<form>übersetzt</form>"
    assert (site / "html" / "english" / "CaptureWCData.htm").read_text() == CAPTURE  # existing pages untouched


def test_a_folder_without_the_kit_is_one_line(host, tmp_path):
    done = host.run(ActionModule, {"path": str(tmp_path), **ARGS})
    assert done["failed"] and done["msg"].startswith(f"path {tmp_path} holds no kit") and host.changing() == []


def test_windows_paths_are_joined_for_the_host(host):
    entry = {"name": "CaptureWCData.htm", "dir": False, "link": False, "size": 10, "content": CAPTURE,
             "sha256": "a" * 64}
    host.recorded = [[{"exists": True, "entries": [entry]}, {"exists": False, "entries": []},
                      {"exists": True, "content": "x", "sha256": "b" * 64}, {"exists": False}]]
    done = host.run(ActionModule, {"path": "C:\\inetpub\\HPPC", **ARGS}, check=True, platform="windows")
    assert [op["path"] for op in host.batches[0]["ops"]] == [
        "C:\\inetpub\\HPPC\\html\\english", "C:\\inetpub\\HPPC\\html\\deutsch", "C:\\inetpub\\HPPC\\html\\WCMain.htm",
        "C:\\inetpub\\HPPC\\html\\WCDeutsch.htm"]
    assert done["changed"] and host.changing() == []
