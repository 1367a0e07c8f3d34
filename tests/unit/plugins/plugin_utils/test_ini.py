"""HPWC.ini edits that keep everything else (docs/vendor-facts.md, Web components: IIS kit and HPWC.ini)."""
from ansible_collections.oscc.admin.plugins.plugin_utils._formats import ini as _ini

HPWC = ("; HPWC.ini of the web components\r\n"
        "[HPPCPAGES]\r\n"
        "FAQ=FAQ.htm\r\n"
        "\r\n"
        "[HPPCSETTINGS]\r\n"
        "Address=xxx.domain.com\r\n"
        "port = 6021\r\n"
        "SSLPort=8443\r\n"
        "ChatUsesSSL=false\r\n"
        "\r\n"
        "[DIAGSETTINGS]\r\n"
        "MAX_MEMORY=20\r\n")


def test_read_is_case_insensitive_first_wins():
    section = _ini.read_section(HPWC + "[hppcsettings]\r\nAddress=later\r\n", "HPPCSettings")
    assert section["address"] == "xxx.domain.com"


def test_set_rewrites_in_place_and_adds_missing_keys_to_the_section():
    wanted = {"Address": "oscc-cluster", "Port": 6021, "TLSPort": 443, "SSLPort": 443, "ChatUsesSSL": "false"}
    new, changes = _ini.set_keys(HPWC, "HPPCSETTINGS", wanted)
    assert changes == {"Address": ("xxx.domain.com", "oscc-cluster"), "TLSPort": (None, "443"),
                       "SSLPort": ("8443", "443")}
    assert new == HPWC.replace("Address=xxx.domain.com", "Address=oscc-cluster").replace(
        "SSLPort=8443\r\nChatUsesSSL=false\r\n", "SSLPort=443\r\nChatUsesSSL=false\r\nTLSPort=443\r\n")
    assert _ini.set_keys(new, "HPPCSETTINGS", {"Address": "oscc-cluster", "TLSPort": "443"}) == (new, {})


def test_missing_section_is_appended():
    new, _changes = _ini.set_keys("[A]\nx=1\n", "HPPCSETTINGS", {"Port": "6021"})
    assert new == "[A]\nx=1\n[HPPCSETTINGS]\nPort=6021\n"
