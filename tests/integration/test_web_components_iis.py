"""Role web_components on the lab's simulated IIS server (manual §4.2.1, §4.3.1, §4.4)."""
import json
import os

import labctl
import pytest
import webkit
from playbook_lab import ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "web_components.yml")
HOST = "lab-web-iis"
LANGUAGES = [{"name": "deutsch", "hppc_language": "German"}]
FIELDS = {"varSessionPriority": 50, "varSource": "Website"}


def player(tmp_path, web_interaction):
    """Runs the role against a lab of its own, with the kit of the version asked for."""
    lab = Lab(tmp_path / "lab", HOST)

    def play(kit_version="12.0.1", check=False, **extra):
        kit = webkit.iis_zip(str(tmp_path / f"HPPCEnterpriseWeb-{kit_version}.zip"), kit_version)
        values = {"web_components_kit": kit, "web_components_port": web_interaction,
                  "web_components_languages": LANGUAGES, "web_components_capture_fields": FIELDS, **extra}
        return lab.playbook(PLAYBOOK, limit=HOST, check=check, extra=values)

    play.lab, play.port = lab, web_interaction
    play.site = lambda relative: labctl.to_here(lab.paths["base"], "C:\\inetpub\\HPPC\\" + relative)
    return play


@pytest.fixture
def run(tmp_path, web_interaction):
    return player(tmp_path, web_interaction)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, module_web_interaction):
    """One first deployment (kit 12.0.1) the module's tests go on from (each is a long role run): the test that reads
    it and runs it again comes before the one that upgrades it, in file order on one worker (xdist_group)."""
    play = player(tmp_path_factory.mktemp("deployed"), module_web_interaction)
    play.first = play()
    return play


def read(run, relative):
    with open(run.site(relative), encoding="latin-1", newline="") as handle:
        return handle.read()


def iis(run):
    with open(os.path.join(run.lab.paths["base"], "windows.json")) as handle:
        return json.load(handle)["iis"]


def test_iis_objects_hpwc_ini_and_pages_then_nothing_changes(deployed):
    run, first = deployed, deployed.first
    assert first.rc == 0, first.stdout[-3000:]
    objects = iis(run)
    assert objects["app_pools"]["HPPC"] == {"state": "Started", "attributes": {
        "enable32BitAppOnWin64": "true", "managedRuntimeVersion": "", "recycling.periodicRestart.time": "00:00:00",
        "processModel.idleTimeout": "00:00:00"}}
    assert objects["applications"]["Default Web Site|/HPPC"] == {"physical_path": "C:\\inetpub\\HPPC",
                                                                 "application_pool": "HPPC"}
    assert objects["isapi_cgi_restrictions"]["c:\\inetpub\\hppc\\hppcwis.dll"]["allowed"] is True
    assert objects["handlers_access"]["Default Web Site/HPPC"] == "Execute,Read,Script"
    assert objects["mime_types"]["Default Web Site/HPPC"] == {".vxml": "application/voicexml+xml"}
    assert objects["default_documents"]["Default Web Site/HPPC"] == ["Default.htm"]
    ini = read(run, "HPWC.ini")
    kit_ini = webkit.HPWC_INI.replace("\n", "\r\n")
    expected_ini = (kit_ini.replace("Address=xxx.domain.com", "Address=localhost")
                    .replace("Port=6021\r", f"Port={run.port}\r"))
    assert ini == expected_ini
    german = read(run, "html\\deutsch\\CaptureWCData.htm")
    assert 'name="varUserLanguage" value="deutsch"' in german and 'name="varHPPCLanguage" value="German"' in german
    assert ('name="varSessionPriority" value="50"' in german
            and 'name="varSource" maxlength="20" value="Website"' in german)
    assert "varUserLanguage=deutsch" in read(run, "html\\WCDeutsch.htm")
    assert 'name="varSessionPriority" value="50"' in read(run, "html\\english\\CaptureWCData.htm")
    calls = labctl.windows_state(run.lab.root, run.lab.host)["calls"]
    pages = [c["args"]["url"] for c in calls if c["module"] == "win_uri"]
    assert pages == [f"http://localhost/HPPC/{p}" for p in ("html/WCMain.htm", "html/WCCallbackMain.htm",
                                                           "VXML/Initialize.vxml")]
    second = run()
    assert second.rc == 0 and second.stats(HOST)["changed"] == 0, \
        [n for n, r in second.results(HOST) if r.get("changed")]


def test_localisation_and_customisation_survive_an_upgrade(deployed):
    run = deployed
    assert run.first.rc == 0
    translated = "<html><body>Rueckruf-Formular (vom Standort uebersetzt)</body></html>\n"
    with open(run.site("html\\deutsch\\WebCallback.htm"), "w") as handle:
        handle.write(translated)
    upgrade = run(kit_version="12.0.2")
    assert upgrade.rc == 0, upgrade.stdout[-3000:]
    kit = upgrade.result("Lay the kit into the web components folder", HOST)
    assert kit["upgrade"] and "HPWC.ini" in kit["kept"] and "html/english/CaptureWCData.htm" in kit["kept"]
    assert "html/WCMain.htm" in kit["written"] and "kit 12.0.2" in read(run, "html\\WCMain.htm")
    assert read(run, "html\\deutsch\\WebCallback.htm") == translated
    assert "varUserLanguage=deutsch" in read(run, "html\\WCDeutsch.htm")
    assert 'name="varSessionPriority" value="50"' in read(run, "html\\deutsch\\CaptureWCData.htm")
    assert f"Port={run.port}" in read(run, "HPWC.ini") and "Address=localhost" in read(run, "HPWC.ini")
    saved = labctl.to_here(run.lab.paths["base"], kit["saved_dir"])
    assert "kit 12.0.2" in open(os.path.join(saved, "kit", "html", "english", "CaptureWCData.htm")).read()
    assert 'value="50"' in open(os.path.join(saved, "site", "html", "english", "CaptureWCData.htm")).read()
    again = run(kit_version="12.0.2")
    assert again.stats(HOST)["changed"] == 0


def test_check_mode_changes_nothing(run):
    planned = run(check=True)
    assert planned.rc == 0, planned.stdout[-3000:]
    assert iis(run)["applications"] == {} and not os.path.exists(run.site("HPWC.ini"))


def test_smoke_test_explains_an_unreachable_web_interaction_server(run):
    failed = run(web_components_port=1, web_components_smoke_timeout=1)
    assert failed.rc != 0
    message = failed.result("Explain what failed (§4.5 troubleshooting, §4.6 error codes)", HOST)["msg"]
    assert "port 1 of localhost is not reachable" in message and "1003" in message and "§4.5" in message


@pytest.mark.parametrize("extra, words", [
    ({"web_components_capture_fields": {"varSessionPriority": 0}},
     "web_components_capture_fields.varSessionPriority must be a whole number from 1 to 100"),
    ({"web_components_capture_fields": {"varSource": "web,shop"}},
     "web_components_capture_fields.varSource may not contain ','"),
    ({"web_components_server_type": "nginx"}, "web_components_server_type"),
    ({"web_components_port": 70000}, "web_components_port must be between 1 and 65535, got 70000"),
    ({"web_components_address": "lab-main"}, "is one node of the warm-standby pair"),
    ({"web_components_chat_uses_tls": True, "web_components_tls_port": 443,
      "web_components_tls_certificate_cn": "other"},
     "web_components_tls_certificate_cn other must equal the address localhost"),
])
def test_bad_input_is_refused_before_anything_changes(run, extra, words):
    failed = run(**extra)
    assert failed.rc != 0
    messages = [r.get("msg", "") for _, r in failed.results(HOST) if r.get("failed")]
    # One line naming the option; the role's argument check puts ansible-core's own header above it.
    lines = messages[0].strip().splitlines() if len(messages) == 1 else messages
    assert lines[-1:] and words in lines[-1] and lines[:-1] in ([], ["Validation of arguments failed:"]), messages
    assert iis(run)["applications"] == {}


def test_tls_writes_the_port_under_both_names_and_the_flags(run):
    done = run(web_components_tls_port=443, web_components_chat_uses_tls=True, web_components_callback_uses_tls=True,
               web_components_tls_certificate_cn="LOCALHOST")
    assert done.rc == 0, done.stdout[-3000:]
    ini = read(run, "HPWC.ini")
    assert "SSLPort=443\r\n" in ini and "TLSPort=443\r\n" in ini
    assert "ChatUsesSSL=true\r\n" in ini and "CallbackUsesSSL=true\r\n" in ini and "VoiceXMLUsesSSL=false\r\n" in ini


def test_the_kit_can_come_from_a_url(run, tmp_path):
    import functools
    import http.server
    import threading

    kit_dir = tmp_path / "kits"
    kit_dir.mkdir()
    webkit.iis_zip(str(kit_dir / "HPPCEnterpriseWeb.zip"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(kit_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/HPPCEnterpriseWeb.zip"
        done = run(web_components_kit=url)
        assert done.rc == 0, done.stdout[-3000:]
        assert done.result("Fetch the kit from its URL", HOST)["changed"]
        assert "Address=localhost" in read(run, "HPWC.ini")
    finally:
        server.shutdown()
