"""onconfig writes ONCONFIG as Informix's file: latin-1 (every byte kept), guarded by the SHA-256 the probe read."""
import hashlib
from types import SimpleNamespace

import pytest

from ansible_collections.oscc.admin.plugins.action import onconfig as onconfig_plugin
from ansible_collections.oscc.admin.plugins.action.onconfig import ActionModule

TEXT = "# Einstellungen f\xfcr ol_main\nTAPEDEV /dev/null\nTAPESIZE 1024\n"


@pytest.fixture
def onconfig(tmp_path, monkeypatch):
    path = tmp_path / "ONCONFIG.ol_main"
    path.write_bytes(TEXT.encode("latin-1"))

    def probe(target, location):
        raw = path.read_bytes()
        return SimpleNamespace(onconfig_path=str(path), text=SimpleNamespace(onconfig=raw.decode("latin-1")),
                               onconfig_sha256=hashlib.sha256(raw).hexdigest(), onstat_rc=5, environment={})

    monkeypatch.setattr(onconfig_plugin.informix_host, "probe", probe)
    return path


def test_a_change_is_written_as_latin1_with_the_probes_checksum_then_nothing_changes(host, onconfig):
    done = host.run(ActionModule, {"parameters": {"TAPESIZE": 2048}, "backup": True})
    assert done["changed"] and done["changes"] == {"TAPESIZE": {"before": "1024", "after": "2048"}}, done
    write, = host.ops("write")
    assert write["encoding"] == "latin-1" and write["backup"] is True
    assert write["expected_sha256"] == hashlib.sha256(TEXT.encode("latin-1")).hexdigest()
    assert onconfig.read_bytes() == TEXT.replace("1024", "2048").encode("latin-1")
    assert open(done["backup_file"], "rb").read() == TEXT.encode("latin-1")
    again = host.run(ActionModule, {"parameters": {"TAPESIZE": 2048}})
    assert not again["changed"] and len(host.ops("write")) == 1


def test_check_mode_writes_nothing(host, onconfig):
    done = host.run(ActionModule, {"parameters": {"TAPESIZE": 2048}}, check=True)
    assert done["changed"] and host.batches == [] and onconfig.read_bytes() == TEXT.encode("latin-1")


def test_a_file_changed_since_the_probe_is_refused(host, onconfig):
    def site_edits(ops):
        onconfig.write_text("TAPESIZE 4096\n")

    host.recorded = [site_edits]
    done = host.run(ActionModule, {"parameters": {"TAPESIZE": 2048}})
    assert done["failed"] and done["msg"] == f"{onconfig} changed since it was read; nothing written"
    assert onconfig.read_text() == "TAPESIZE 4096\n"
