"""The simulated Windows host's state (windows.json) as the stand-ins share it (issue 19): simultaneous stand-ins
change it in turn, and a path never leaves the simulated drive."""
import importlib.util
import json
import multiprocessing
import os

import labctl
import pytest

LAB_HOST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "collections", "ansible_collections", "ansible",
                        "windows", "plugins", "module_utils", "lab_host.py")
WRITERS, CALLS = 6, 25


def lab_host():
    spec = importlib.util.spec_from_file_location("lab_host", LAB_HOST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stand_in(host_dir, writer):
    """What every stand-in does with the state, CALLS times: read it, record a call, save it."""
    os.environ["OSCC_LAB_HOST_DIR"] = host_dir
    module = lab_host()
    for call in range(CALLS):
        state = module.State()
        state.record("win_service", {"writer": writer, "call": call})
        state.save()


def test_simultaneous_stand_ins_on_one_host_keep_every_call_and_a_readable_state(tmp_path):
    (tmp_path / "windows.json").write_text(json.dumps({"services": {}, "calls": []}))
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=stand_in, args=(str(tmp_path), n)) for n in range(WRITERS)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
    assert [p.exitcode for p in writers] == [0] * WRITERS
    calls = json.loads((tmp_path / "windows.json").read_text())["calls"]
    assert sorted((c["args"]["writer"], c["args"]["call"]) for c in calls) == \
        [(w, c) for w in range(WRITERS) for c in range(CALLS)]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("path, below", [
    ("D:\\OSCC-Backups\\..\\..\\Windows", ["drives", "D", "Windows"]),
    ("D:\\a\\b\\..\\..\\..\\..\\Windows\\System32", ["drives", "D", "Windows", "System32"]),
    ("C:\\.\\ProgramData\\..\\x", ["drives", "C", "x"]),
])
def test_dot_dot_stays_on_the_simulated_drive_as_on_windows(tmp_path, monkeypatch, path, below):
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", str(tmp_path))
    assert lab_host().to_here(path) == os.path.join(str(tmp_path), *below)
    assert labctl.to_here(str(tmp_path), path) == os.path.join(str(tmp_path), *below)


def test_a_share_path_stays_in_its_share(tmp_path, monkeypatch):
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", str(tmp_path / "host"))
    assert lab_host().to_here("\\\\nas\\backups\\..\\..\\x") == os.path.join(str(tmp_path), "unc", "nas", "backups",
                                                                            "x")


@pytest.mark.parametrize("path", ["\\\\..\\..\\escape", "\\\\nas\\..\\x", "\\\\?\\UNC\\..\\share\\x"])
def test_a_share_named_dot_or_dot_dot_is_no_share_and_never_leaves_the_lab(tmp_path, monkeypatch, path):
    """Issue 19 second review: \\\\..\\..\\x was written outside the lab root."""
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", str(tmp_path / "host"))
    with pytest.raises(FileNotFoundError, match="sim: The network path was not found"):
        lab_host().to_here(path)


@pytest.mark.parametrize("path, below", [
    ("\\\\?\\D:\\OSCC-Backups\\x", ["host", "drives", "D", "OSCC-Backups", "x"]),
    ("\\\\.\\D:\\x", ["host", "drives", "D", "x"]),
    ("\\\\?\\UNC\\nas\\backups\\x", ["unc", "nas", "backups", "x"]),
])
def test_the_long_path_and_device_prefixes_name_the_same_folder(tmp_path, monkeypatch, path, below):
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", str(tmp_path / "host"))
    assert lab_host().to_here(path) == os.path.join(str(tmp_path), *below)
