"""The POSIX remote procedures, run as the Target seam runs them, against the simulator."""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = open(os.path.join(ROOT, "plugins", "plugin_utils", "_remote_posix.py")).read()


def call(sim, procedure, params):
    env = {k: v for k, v in sim.env.items() if k not in ("ONCONFIG", "INFORMIXSERVER", "INFORMIXDIR")}
    out = subprocess.run([sys.executable, "-c", SOURCE, procedure, json.dumps(params)], env=env, capture_output=True,
                         check=True)
    return json.loads(out.stdout)


def location(sim):
    return {"informixdir": sim.paths["informixdir"], "informixserver": "ol_main"}


def test_onconfig_is_discovered_by_its_server_name(sim):
    etc = os.path.join(sim.paths["informixdir"], "etc")
    os.rename(os.path.join(etc, "ONCONFIG.ol_main"), os.path.join(etc, "onconfig.site"))
    open(os.path.join(etc, "onconfig.std"), "w").write("DBSERVERNAME ol_main\n")
    open(os.path.join(etc, "onconfig.site.20260101.bak"), "w").write("DBSERVERNAME ol_main\n")
    assert call(sim, "probe", location(sim))["onconfig_path"] == os.path.join(etc, "onconfig.site")
    open(os.path.join(etc, "onconfig.copy"), "w").write("DBSERVERNAME ol_main\n")
    result = call(sim, "probe", location(sim))
    assert result["failed"] and "(several name DBSERVERNAME ol_main); give the onconfig option" in result["msg"]


def test_missing_location_is_reported_in_one_line(sim):
    result = call(sim, "probe", {})
    assert result == {"failed": True, "msg": "INFORMIXDIR is not set on the host; give the informixdir option"}


def test_probe_reads_an_offline_server_without_failing(sim):
    sim.run("onmode", "-ky", check=True)
    result = call(sim, "probe", location(sim))
    assert result["onstat_rc"] == 255 and result["onstat_arc"] == ""


def test_verify_archives_names_the_damage(sim, tmp_path):
    archive = tmp_path / "a.arc"
    archive.write_bytes(b"abc")
    result = call(sim, "verify_archives", {"archives": [
        {"archive": str(archive), "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "size": 3},
        {"archive": str(archive), "sha256": "0" * 64, "size": 3},
        {"archive": str(tmp_path / "gone.arc"), "sha256": "0" * 64, "size": 3}]})
    assert [a["ok"] for a in result["archives"]] == [True, False, False]
    assert result["archives"][2]["reason"] == "archive file is missing"


RACE = """
import importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location("twin", sys.argv[1]); twin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(twin)
while time.time() < float(sys.argv[3]):
    pass
try:
    twin.acquire_lock(sys.argv[2], {"operation": "backup", "pid": 1, "token": sys.argv[4]})
    print("took")
except twin.Problem as exc:
    print("refused" if str(exc).startswith("another backup is running") else f"other: {exc}")
"""


def test_two_runs_breaking_one_stale_lock_never_both_take_it(tmp_path):
    """Read, break and create happen under a guard: exactly one of two racing runs holds the lock after."""
    twin = os.path.join(ROOT, "plugins", "plugin_utils", "_remote_posix.py")
    lock = str(tmp_path / ".oscc-ol_main.lock")
    for attempt in range(15):
        with open(lock, "w") as handle:  # a killed run's: its pid is gone
            json.dump({"operation": "backup", "pid": 2 ** 22 + 1, "host": os.uname().nodename, "token": "old"}, handle)
        start = str(time.time() + 0.5)
        runs = [subprocess.Popen([sys.executable, "-c", RACE, twin, lock, start, f"t{i}"], stdout=subprocess.PIPE,
                                 text=True) for i in range(2)]
        outcomes = sorted(run.communicate(timeout=30)[0].strip() for run in runs)
        assert outcomes == ["refused", "took"], (attempt, outcomes)
        assert json.load(open(lock))["token"] in ("t0", "t1")


def test_an_empty_lock_left_by_a_crash_is_broken_under_the_guard(sim, tmp_path):
    lock = os.path.join(sim.paths["informixdir"], "etc", ".oscc-ol_main.lock")
    open(lock, "w").close()
    probe = call(sim, "probe", location(sim))
    assert probe["lock"]["unreadable"] is True
    done = call(sim, "lock", {**location(sim), "action": "acquire", "operation": "restore", "token": "r1",
                              "controller": "c", "controller_pid": 1, "ttl": 60})
    assert done["changed"] and json.load(open(lock))["token"] == "r1"
    call(sim, "lock", {**location(sim), "action": "release", "token": "someone else's"})
    assert os.path.exists(lock)
    call(sim, "lock", {**location(sim), "action": "release", "token": "r1"})
    assert not os.path.exists(lock)
