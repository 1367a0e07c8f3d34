"""war_properties on a WAR built by the JDK's own jar tool (issue: web components, manual §4.2.2)."""
import hashlib
import subprocess
import zipfile

import pytest

from ansible_collections.oscc.admin.plugins.modules import war_properties

CONFIG = "# Web Collaboration\nservlet.name=/HPPC/hppcwebchat\nsocket.server.name=localhost\nsocket.server.port=6021\n"
PAGES = {"html/WCMain.htm": "<html><body>Web Collaboration</body></html>\n",
         "html/WCCallbackMain.htm": "<html><body>Web Callback</body></html>\n",
         "VXML/Initialize.vxml": "<?xml version=\"1.0\"?><vxml version=\"2.1\"/>\n",
         "WEB-INF/web.xml": "<web-app/>\n"}


@pytest.fixture
def war(tmp_path):
    tree = tmp_path / "kit"
    for name, text in {**PAGES, "hpwcapp/config.properties": CONFIG}.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)
    path = tmp_path / "HPPC.war"
    subprocess.run(["jar", "cf", str(path), "-C", str(tree), "."], check=True)
    return path


def entries(path):
    with zipfile.ZipFile(path) as archive:
        return {i.filename: (archive.read(i), i.compress_type, i.date_time, i.external_attr)
                for i in archive.infolist()}


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


ARGS = {"path": None,
        "properties": {"socket.server.name": "oscc-cluster.contact.example.com", "socket.server.port": 6022}}


def test_keys_change_everything_else_stays_and_jar_accepts_it(linux_lab, war, tmp_path):
    before = entries(war)
    _, result = linux_lab.task("oscc.admin.war_properties", {**ARGS, "path": str(war), "backup": True}, tmp_path)
    assert result["changes"] == {"socket.server.name": {"before": "localhost",
                                                        "after": "oscc-cluster.contact.example.com"},
                                 "socket.server.port": {"before": "6021", "after": "6022"}}
    after = entries(war)
    assert list(after) == list(before)  # same entries, same order
    for name in before:
        if name != "hpwcapp/config.properties":
            assert after[name] == before[name], name
    expected_config = CONFIG.replace("localhost", "oscc-cluster.contact.example.com").replace("6021", "6022")
    assert after["hpwcapp/config.properties"][0].decode() == expected_config
    listing = subprocess.run(["jar", "tf", str(war)], capture_output=True, text=True, check=True).stdout.split()
    assert "hpwcapp/config.properties" in listing and "META-INF/MANIFEST.MF" in listing
    assert entries(result["backup_file"]) == before


def test_second_run_and_check_mode_change_nothing(linux_lab, war, tmp_path):
    linux_lab.task("oscc.admin.war_properties", {**ARGS, "path": str(war)}, tmp_path)
    unchanged = sha(war)
    port = {"socket.server.port": 7000}
    # The second run and the plan back to back in one playbook: neither may touch the WAR.
    _, (second, planned) = linux_lab.tasks([
        ("oscc.admin.war_properties", {**ARGS, "path": str(war)}),
        ("oscc.admin.war_properties", {**ARGS, "path": str(war), "properties": port}, {"check": True, "diff": True})],
        tmp_path)
    assert not second["changed"] and sha(war) == unchanged
    assert planned["changed"] and "socket.server.port=7000" in planned["diff"]["after"] and sha(war) == unchanged


def test_an_interrupted_write_leaves_the_original(war, monkeypatch):
    original = sha(war)

    def power_cut(*_args):
        raise OSError("power cut")

    monkeypatch.setattr(war_properties.os, "replace", power_cut)
    with pytest.raises(OSError):
        war_properties.rewrite(str(war), "hpwcapp/config.properties", b"x=1\n")
    assert sha(war) == original
    assert [p.name for p in war.parent.iterdir() if p.name.startswith(".war_properties-")] == []


@pytest.mark.parametrize("args, words", [
    ({"entry": "hppcapp/config.properties"}, "entry 'hppcapp/config.properties' is not in"),
    ({"properties": {}}, "properties must name at least one key"),
])
def test_bad_input_is_named(linux_lab, war, tmp_path, args, words):
    _, result = linux_lab.task("oscc.admin.war_properties", {**ARGS, "path": str(war), **args}, tmp_path)
    assert result["failed"] and words in result["msg"]


def test_not_a_war(linux_lab, tmp_path):
    text = tmp_path / "plain.war"
    text.write_text("not a zip")
    _, result = linux_lab.task("oscc.admin.war_properties", {**ARGS, "path": str(text)}, tmp_path)
    assert result["failed"] and "is not a WAR or zip file" in result["msg"]


def test_built_from_src_the_kit_stays_and_a_rerun_changes_nothing(linux_lab, war, tmp_path):
    kit_sha = sha(war)
    built = tmp_path / "built" / "HPPC.war"
    built.parent.mkdir()
    args = {**ARGS, "src": str(war), "path": str(built)}
    _, first = linux_lab.task("oscc.admin.war_properties", args, tmp_path)
    assert first["changed"] and sha(war) == kit_sha
    kit, out = entries(war), entries(built)
    assert list(out) == list(kit) and all(out[n] == kit[n] for n in kit if n != "hpwcapp/config.properties")
    assert b"socket.server.port=6022" in out["hpwcapp/config.properties"][0]
    subprocess.run(["jar", "tf", str(built)], check=True, capture_output=True)
    unchanged = sha(built)
    _, second = linux_lab.task("oscc.admin.war_properties", args, tmp_path)
    assert not second["changed"] and second["changes"] == {} and sha(built) == unchanged
    _, moved = linux_lab.task("oscc.admin.war_properties", {**args, "properties": {"socket.server.port": 6023}},
                              tmp_path)
    assert moved["changes"] == {"socket.server.port": {"before": "6022", "after": "6023"}}


def test_check_mode_with_a_kit_still_to_come(linux_lab, tmp_path):
    args = {**ARGS, "src": str(tmp_path / "missing.war"), "path": str(tmp_path / "HPPC.war")}
    # The plan, then the real run (which fails and so creates nothing either), in one playbook.
    _, (planned, real) = linux_lab.tasks([("oscc.admin.war_properties", args, {"check": True}),
                                          ("oscc.admin.war_properties", args)], tmp_path)
    assert planned["changed"] and not (tmp_path / "HPPC.war").exists()
    assert real["failed"] and "does not exist" in real["msg"]
