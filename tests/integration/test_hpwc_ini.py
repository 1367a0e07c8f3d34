"""HPWC.ini on a simulated Windows IIS host (issue: web components, manual §4.2.1.1, §4.3.1)."""
import os

import pytest
from playbook_lab import Lab

HPWC = ("; HPWC.ini\r\n[HPPCPAGES]\r\nFAQ=FAQ.htm\r\n\r\n[HPPCSETTINGS]\r\nAddress=xxx.domain.com\r\nPort=6021\r\n"
        "SSLPort=8443\r\nChatUsesSSL=false\r\nPassword=\r\n\r\n[DIAGSETTINGS]\r\nMAX_MEMORY=20\r\n")
PATH = "C:\\inetpub\\wwwroot\\HPPC\\HPWC.ini"
SETTINGS = {"path": PATH, "address": "oscc-cluster.contact.example.com", "port": 6021, "tls_port": 443,
            "chat_uses_ssl": True, "callback_uses_ssl": False}


def write_ini(lab):
    here = lab.here(PATH)
    os.makedirs(os.path.dirname(here), exist_ok=True)
    with open(here, "wb") as handle:
        handle.write(HPWC.encode("latin-1"))
    return here


@pytest.fixture
def ini(windows_lab):
    return write_ini(windows_lab)


def test_settings_change_once_and_the_rest_stays(windows_lab, ini, tmp_path):
    _, planned = windows_lab.task("oscc.admin.hpwc_ini", SETTINGS, tmp_path, check=True, diff=True)
    assert planned["changed"] and open(ini, "rb").read() == HPWC.encode()
    _, first = windows_lab.task("oscc.admin.hpwc_ini", {**SETTINGS, "backup": True}, tmp_path)
    assert first["changes"] == {
        "Address": {"before": "xxx.domain.com", "after": "oscc-cluster.contact.example.com"},
        "ChatUsesSSL": {"before": "false", "after": "true"},
        "CallbackUsesSSL": {"before": None, "after": "false"},
        "TLSPort": {"before": None, "after": "443"},
        "SSLPort": {"before": "8443", "after": "443"}}
    text = open(ini, "rb").read().decode("latin-1")
    assert text == HPWC.replace("xxx.domain.com", "oscc-cluster.contact.example.com").replace(
        "SSLPort=8443\r\nChatUsesSSL=false\r\nPassword=\r\n",
        "SSLPort=443\r\nChatUsesSSL=true\r\nPassword=\r\nCallbackUsesSSL=false\r\nTLSPort=443\r\n")
    assert open(windows_lab.here(first["backup_file"]), "rb").read() == HPWC.encode()
    _, second = windows_lab.task("oscc.admin.hpwc_ini", SETTINGS, tmp_path)
    assert not second["changed"] and second["remote_operations"] == 1


BAD_INPUT = [({"port": 70000}, "port must be between 1 and 65535"),
             ({"path": "HPWC.ini"}, "path must be an absolute path"),
             ({"path": "C:\\nowhere\\HPWC.ini"}, "does not exist"),
             ({"address": "\u0141odz.example"}, "cannot be written to HPWC.ini")]


@pytest.fixture(scope="module")
def bad_input(tmp_path_factory):
    """Every case of BAD_INPUT against one HPWC.ini, back to back in one playbook (one ansible-playbook start instead
    of one per case); the file must still be as it was after all of them."""
    tmp_path = tmp_path_factory.mktemp("hpwc-bad-input")
    lab = Lab(tmp_path / "lab", "lab-main")  # as windows_lab
    here = write_ini(lab)
    return here, lab.tasks([("oscc.admin.hpwc_ini", {**SETTINGS, **args}) for args, _w in BAD_INPUT], tmp_path)[1]


@pytest.mark.xdist_group("test_hpwc_ini_bad_input")  # one worker runs the shared playbook (--dist loadgroup)
@pytest.mark.parametrize("case", range(len(BAD_INPUT)))
def test_bad_input(bad_input, case):
    here, results = bad_input
    words, result = BAD_INPUT[case][1], results[case]
    assert result["failed"] and words in result["msg"]
    assert open(here, "rb").read() == HPWC.encode()
