"""IIS settings of the OSCC ISAPI application planned as WebAdministration cmdlets (manual §4.2.1.1, §4.2.1.4)."""
import re

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import CmdletError
from ansible_collections.oscc.admin.plugins.plugin_utils._web import iis


def xpath_value(literal):
    """An independent reading of an XPath 1.0 string literal: 'a', "a" or concat() of such literals."""
    if re.fullmatch(r"'[^']*'|\"[^\"]*\"", literal):
        return literal[1:-1]
    inner = re.fullmatch(r"concat\((.*)\)", literal, re.S).group(1)
    pieces = re.findall(r"'[^']*'|\"[^\"]*\"", inner)
    assert re.sub(r"'[^']*'|\"[^\"]*\"", "", inner).replace(",", "").strip() == "", literal
    assert len(pieces) >= 2  # XPath's concat() takes two arguments or more
    return "".join(p[1:-1] for p in pieces)


@pytest.mark.parametrize("value", [
    "C:\\inetpub\\HPPC\\hppcwis.dll", "C:\\O'Brien\\hppcwis.dll", 'say "hi"', "it's \"both\"", "'", '"', "'\"'",
    "''", "a'b'c", "'start", "end'", "C:\\A&B\\x.dll", "%TEMP%\\x.dll", "C:\\Büro\\Ünïcode ☎.dll", "", "x" * 300,
])
def test_xpath_literals_read_back_as_the_value(value):
    literal = iis.xpath_literal(value)
    assert xpath_value(literal) == value


def test_xpath_literals_use_the_quote_the_value_lacks_and_concat_only_for_both():
    assert iis.xpath_literal("Default.htm") == "'Default.htm'"
    assert iis.xpath_literal("O'Brien.htm") == '"O\'Brien.htm"'
    assert iis.xpath_literal('a"b') == "'a\"b'"
    assert iis.xpath_literal("a'b\"c") == "concat('a', \"'\", 'b\"c')"
    assert (iis.element(iis.FILES + "/add", "value", "it's")
            == 'system.webServer/defaultDocument/files/add[@value="it\'s"]')


ARGS = {"site": "Default Web Site", "application": "/HPPC/", "isapi_path": "C:\\inetpub\\HPPC\\hppcwis.dll",
        "isapi_description": "OSCC", "access_policy": ["Read", "Script", "Execute"],
        "mime_types": {".vxml": "application/voicexml+xml"}, "default_documents": ["Default.htm", "default.HTM"]}
DONE = {"isapi": {"allowed": True}, "access_policy": "Execute,Read,Script",
        "mime_types": {".vxml": "application/voicexml+xml"}, "default_documents": {"Default.htm": True}}


def test_the_wanted_settings_name_the_location_and_drop_a_document_named_twice():
    wanted = iis.wanted_from(ARGS)
    assert wanted["location"] == "Default Web Site/HPPC" and wanted["default_documents"] == ["Default.htm"]
    assert wanted["access_policy"] == "Execute,Read,Script"


def test_a_server_with_every_setting_needs_nothing():
    assert iis.plan(iis.wanted_from(ARGS), DONE) == ({}, [])


def test_access_flags_compare_in_any_order_and_spacing():
    assert (iis.policy_text("Read, Script, Execute") == iis.policy_text(["Execute", "Read", "Script"])
            == "Execute,Read,Script")
    assert iis.policy_text("None") == ""


def test_an_existing_mime_type_is_replaced_and_a_disallowed_dll_allowed():
    current = {**DONE, "isapi": {"allowed": False}, "mime_types": {".vxml": "text/xml"}}
    changes, ops = iis.plan(iis.wanted_from(ARGS), current)
    assert changes == {"isapi_cgi_restriction": {"before": False, "after": True},
                       "mime_type .vxml": {"before": "text/xml", "after": "application/voicexml+xml"}}
    assert [op["name"] for op in ops] == ["Set-WebConfigurationProperty", "Remove-WebConfigurationProperty",
                                          "Add-WebConfigurationProperty"]
    assert ops[0]["parameters"] == {"PSPath": iis.APPHOST, "Name": "allowed", "Value": True,
                                    "Filter": "system.webServer/security/isapiCgiRestriction/add"
                                              "[@path='C:\\inetpub\\HPPC\\hppcwis.dll']"}
    assert ops[1]["parameters"]["AtElement"] == {"fileExtension": ".vxml"}
    assert all(op["module"] == "WebAdministration" for op in ops)


def test_a_failed_read_is_one_line_naming_the_cmdlet_and_what_it_read():
    reads = iis.read_ops(iis.wanted_from(ARGS))
    done = {"results": [{"op": "cmdlet", "ok": False, "error": "Access is denied.\r\n  at line 1"}], "cleanup": [],
            "failed_at": 0}
    with pytest.raises(CmdletError) as caught:
        iis.current_from(reads, done)
    assert str(caught.value) == ("Get-WebConfiguration system.webServer/security/isapiCgiRestriction/add"
                                 "[@path='C:\\inetpub\\HPPC\\hppcwis.dll'] failed: Access is denied. at line 1")
