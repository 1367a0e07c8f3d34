"""The POSIX remote procedures, run as the Target seam runs them, against the simulator."""
import json
import os
import subprocess
import sys

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
