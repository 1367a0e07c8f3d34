"""The Informix probe and the restore's checks composed of executor operations, run through the POSIX
executor as the Target seam runs it, against the simulator."""
import hashlib
import json
import os
import posixpath
import subprocess
import sys

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.action.informix_restore import ActionModule as Restore
from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import request_problems
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import Target
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import host as informix_host

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXECUTOR = os.path.join(ROOT, "plugins", "plugin_utils", "_host", "executor_posix.py")
LOCATION = ("ONCONFIG", "INFORMIXSERVER", "INFORMIXDIR")


class LocalTarget:
    """A POSIX host on this machine: each batch one executor process, as Target.batch sends it."""

    platform, path = "posix", posixpath

    def __init__(self, env):
        self.env, self.batches = env, []

    @staticmethod
    def is_abs(path):
        return posixpath.isabs(path)

    def batch(self, ops, cleanup=(), read_only=False, secrets=None, check=True, stamp=None):
        request = {"ops": list(ops), "cleanup": list(cleanup)}
        assert [p for op in request["ops"] + request["cleanup"] for p in request_problems(op)] == []
        self.batches.append(request)
        out = subprocess.run([sys.executable, EXECUTOR, json.dumps(request)], env=self.env, capture_output=True,
                             check=True)
        done = json.loads(out.stdout)
        assert not (check and done["failed_at"] is not None), done
        return done

    one = Target.one  # the seam's batch of one operation, through this batch


def bare(sim, **keep):
    """The simulated host's environment without the Informix variables, unless kept."""
    env = {k: v for k, v in sim.env.items() if k not in LOCATION}
    env.update(keep)
    return LocalTarget(env)


def location(sim):
    return {"informixdir": sim.paths["informixdir"], "informixserver": "ol_main"}


def test_given_the_location_the_probe_is_one_round_trip(sim):
    target = bare(sim)
    probe = informix_host.probe(target, location(sim))
    assert len(target.batches) == 1
    assert probe.onconfig_path.endswith("/etc/ONCONFIG.ol_main") and probe.onstat_rc == 5
    assert probe.environment["ONCONFIG"] == "ONCONFIG.ol_main" and "Dbspaces - Archive Status" in probe.text.onstat_arc


def test_the_hosts_own_variables_are_read_first_when_the_location_is_not_given(sim):
    target = bare(sim, **{k: sim.env[k] for k in LOCATION})
    probe = informix_host.probe(target, {})
    assert len(target.batches) == 2 and probe.environment["INFORMIXSERVER"] == "ol_main"


def test_onconfig_is_discovered_by_its_server_name(sim):
    etc = os.path.join(sim.paths["informixdir"], "etc")
    os.rename(os.path.join(etc, "ONCONFIG.ol_main"), os.path.join(etc, "onconfig.site"))
    open(os.path.join(etc, "onconfig.std"), "w").write("DBSERVERNAME ol_main\n")
    open(os.path.join(etc, "onconfig.site.20260101.bak"), "w").write("DBSERVERNAME ol_main\n")
    target = bare(sim)
    probe = informix_host.probe(target, location(sim))
    assert probe.onconfig_path == os.path.join(etc, "onconfig.site") and probe.onstat_rc == 5
    assert len(target.batches) == 2  # the programs ran again, with the file found
    open(os.path.join(etc, "onconfig.copy"), "w").write("DBSERVERNAME ol_main\n")
    with pytest.raises(AnsibleActionFail, match=r"\(several name DBSERVERNAME ol_main\); give the onconfig option"):
        informix_host.probe(bare(sim), location(sim))


def test_missing_location_is_reported_in_one_line(sim):
    with pytest.raises(AnsibleActionFail) as caught:
        informix_host.probe(bare(sim), {})
    assert str(caught.value) == "INFORMIXDIR is not set on the host; give the informixdir option"


def test_probe_reads_an_offline_server_without_failing(sim):
    sim.run("onmode", "-ky", check=True)
    probe = informix_host.probe(bare(sim), location(sim))
    assert probe.onstat_rc == 255 and probe.text.onstat_arc == ""


def test_probe_reads_the_lock_and_the_destination_as_they_are(sim, tmp_path):
    lock = os.path.join(sim.paths["informixdir"], "etc", ".oscc-ol_main.lock")
    open(lock, "w").close()  # left by a run that died while writing it
    destination = tmp_path / "backups"
    destination.mkdir()
    (destination / "ol_main_20260101T000000000_L0.json").write_text("{not json")
    (destination / "ol_main_20260101T000000000_L0.run.json").write_text('{"results": []}')
    probe = informix_host.probe(bare(sim), location(sim), str(destination))
    assert probe.lock == {"path": lock, "unreadable": True}
    assert probe.manifests[0]["unreadable"] and probe.run_records[0]["record_name"].endswith(".run.json")
    assert set(probe.files) == {"ol_main_20260101T000000000_L0.json", "ol_main_20260101T000000000_L0.run.json"}


def test_the_restore_names_the_damage_before_anything_is_touched(tmp_path):
    archive = tmp_path / "a.arc"
    archive.write_bytes(b"abc")
    good = hashlib.sha256(b"abc").hexdigest()
    chain = [{"archive_path": str(archive), "sha256": good, "size": 3},
             {"archive_path": str(archive), "sha256": "0" * 64, "size": 3},
             {"archive_path": str(tmp_path / "gone.arc"), "sha256": "0" * 64, "size": 3}]
    chunk = tmp_path / "chunk"
    chunk.write_text("")
    found = Restore._look(LocalTarget(dict(os.environ)), chain, [str(chunk), str(tmp_path / "missing")],
                          [str(archive)])
    assert [a["ok"] for a in found["archives"]] == [True, False, False]
    assert found["archives"][1]["reason"].startswith("checksum mismatch") and \
        found["archives"][2]["reason"] == "archive file is missing"
    assert found["missing_chunks"] == [str(tmp_path / "missing")] and found["staged"] == [str(archive)]


@pytest.mark.parametrize("count", [0, 1, 2])
def test_the_probe_returns_every_manifest_as_a_list(sim, tmp_path, count):
    """Issue 11 defect 2: 0 manifests arrived as null and 1 as a single object; now a list of each."""
    destination = tmp_path / "backups"
    destination.mkdir()
    for n in range(count):
        (destination / f"ol_main_2026010{n + 1}T000000000_L0.json").write_text(json.dumps({"name": n}))
    probe = informix_host.probe(bare(sim), location(sim), str(destination))
    assert isinstance(probe.manifests, list) and [m["name"] for m in probe.manifests] == list(range(count))


def test_an_onconfig_named_otherwise_is_read_where_it_is(sim, tmp_path):
    etc = os.path.join(sim.paths["informixdir"], "etc")
    os.rename(os.path.join(etc, "ONCONFIG.ol_main"), os.path.join(etc, "site.cfg"))
    target = bare(sim)
    probe = informix_host.probe(target, dict(location(sim), onconfig="site.cfg"))
    assert probe.onconfig_path == os.path.join(etc, "site.cfg") and len(target.batches) == 1
    elsewhere = tmp_path / "conf" / "ONCONFIG.x"
    elsewhere.parent.mkdir()
    os.rename(os.path.join(etc, "site.cfg"), elsewhere)
    target = bare(sim, ONCONFIG=str(elsewhere))  # the host's own variable, an absolute path
    probe = informix_host.probe(target, location(sim))
    assert probe.onconfig_path == str(elsewhere) and probe.onstat_rc == 5
    with pytest.raises(AnsibleActionFail, match="does not exist"):
        informix_host.probe(bare(sim), dict(location(sim), onconfig="missing.cfg"))
