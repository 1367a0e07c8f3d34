"""iis_isapi's decisions from what the WebAdministration cmdlets report (manual §4.2.1.1, §4.2.1.4)."""
import pytest
from windows_host import FakeHost, run_action

from ansible_collections.oscc.admin.plugins.action.iis_isapi import ActionModule
from ansible_collections.oscc.admin.plugins.plugin_utils._web import iis

DLL = "C:\\inetpub\\HPPC\\hppcwis.dll"
ARGS = {"application": "HPPC", "isapi_path": DLL}
RESTRICTION = f"{iis.RESTRICTION}/add[@path='{DLL}']"
MIME = f"{iis.STATIC}/mimeMap[@fileExtension='.vxml']"
DOCUMENT = f"{iis.FILES}/add[@value='Default.htm']"
SITE = f"{iis.SITE}[@name='Default Web Site']"
APPLICATION = f"{SITE}/application[@path='/HPPC']"
# The site and the application the settings belong to, as IIS reports them.
THERE = {("Get-WebConfiguration", SITE): [{"name": "Default Web Site"}],
         ("Get-WebConfiguration", APPLICATION): [{"path": "/HPPC"}]}
# What a fresh site reports: no restriction entry, IIS's default handler access, no MIME type, no default document.
FRESH = {**THERE, "Get-WebConfiguration": [],
         ("Get-WebConfiguration", iis.HANDLERS): [{"accessPolicy": "Read, Script"}]}
# What it reports once iis_isapi ran.
DONE = {**THERE, ("Get-WebConfiguration", RESTRICTION): [{"path": DLL, "allowed": True}],
        ("Get-WebConfiguration", iis.HANDLERS): [{"accessPolicy": "Read, Execute, Script"}],
        ("Get-WebConfiguration", MIME): [{"fileExtension": ".vxml", "mimeType": "application/voicexml+xml"}],
        ("Get-WebConfiguration", DOCUMENT): [{"value": "Default.htm"}]}


def run(monkeypatch, host, check_mode=False, **args):
    return run_action(monkeypatch, ActionModule, host, {**ARGS, **args}, check_mode, "oscc.admin.iis_isapi")


def test_a_fresh_site_is_read_in_one_batch_and_set_in_a_second(monkeypatch):
    host = FakeHost(FRESH)
    result = run(monkeypatch, host)
    assert result["changed"] and not result.get("failed") and result["remote_operations"] == 0  # batch is faked
    assert len(host.batches) == 2 and host.batches[0]["read_only"] and not host.batches[1]["read_only"]
    assert set(host.cmdlets(0)) == {"Get-WebConfiguration"}
    assert host.cmdlets(1) == ["Add-WebConfigurationProperty", "Set-WebConfigurationProperty",
                               "Add-WebConfigurationProperty", "Add-WebConfigurationProperty"]
    added, access, mime, document = (op["parameters"] for op in host.batches[1]["ops"])
    assert added == {"PSPath": iis.APPHOST, "Filter": iis.RESTRICTION, "Name": ".",
                     "Value": {"path": DLL, "allowed": True, "description": "OpenScape Contact Center Web Interaction"}}
    assert access == {"PSPath": iis.APPHOST, "Location": "Default Web Site/HPPC", "Filter": iis.HANDLERS,
                      "Name": "accessPolicy", "Value": "Execute,Read,Script"}
    assert mime["Value"] == {"fileExtension": ".vxml", "mimeType": "application/voicexml+xml"}
    assert document["Value"] == {"value": "Default.htm"}
    assert result["changes"] == {"isapi_cgi_restriction": {"before": False, "after": True},
                                 "access_policy": {"before": "Read,Script", "after": "Execute,Read,Script"},
                                 "mime_type .vxml": {"before": None, "after": "application/voicexml+xml"},
                                 "default_document Default.htm": {"before": None, "after": "Default.htm"}}


def test_check_mode_reads_and_reports_but_applies_nothing(monkeypatch):
    host = FakeHost(FRESH)
    result = run(monkeypatch, host, check_mode=True)
    assert result["changed"] and len(result["changes"]) == 4
    assert len(host.batches) == 1 and host.batches[0]["read_only"]


def test_the_after_state_plans_nothing(monkeypatch):
    host = FakeHost(DONE)
    result = run(monkeypatch, host)
    assert not result["changed"] and result["changes"] == {} and len(host.batches) == 1


def test_a_failed_change_is_one_line_naming_it_and_what_changed_before(monkeypatch):
    host = FakeHost({**FRESH, "Set-WebConfigurationProperty": "Filename: applicationHost.config\r\nError: locked"})
    result = run(monkeypatch, host)
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"] == ("IIS: Set-WebConfigurationProperty Default Web Site/HPPC system.webServer/handlers "
                             "failed: "
                             "Filename: applicationHost.config Error: locked (changed before it: "
                             "Add-WebConfigurationProperty system.webServer/security/isapiCgiRestriction)")
    assert host.cmdlets(1)[-1] == "Add-WebConfigurationProperty"  # the batch went on to nothing after the failure


def test_a_host_without_iis_fails_with_its_one_line(monkeypatch):
    host = FakeHost({"Get-WebConfiguration": "The specified module 'WebAdministration' was not loaded because no "
                                             "valid module file was found in any module directory."})
    result = run(monkeypatch, host)
    assert result["failed"] and result["msg"].startswith("IIS: Get-WebConfiguration ") and len(host.batches) == 1
    assert result["msg"].endswith("failed: The specified module 'WebAdministration' was not loaded because no valid "
                                  "module file was found in any module directory.")


@pytest.mark.parametrize("path, literal", [
    ("C:\\O'Brien & Co\\hppcwis.dll", "\"C:\\O'Brien & Co\\hppcwis.dll\""),
    ("C:\\%TEMP%\\hppcwis.dll", "'C:\\%TEMP%\\hppcwis.dll'"),
    ("C:\\Büro\\☎\\hppcwis.dll", "'C:\\Büro\\☎\\hppcwis.dll'"),
])
def test_hostile_paths_reach_the_filter_as_xpath_literals_and_the_value_as_they_are(monkeypatch, path, literal):
    host = FakeHost(FRESH)
    result = run(monkeypatch, host, isapi_path=path)
    assert not result.get("failed"), result
    assert host.batches[0]["ops"][0]["parameters"]["Filter"] == f"{iis.RESTRICTION}/add[@path={literal}]"
    assert host.batches[1]["ops"][0]["parameters"]["Value"]["path"] == path


def test_a_document_name_with_both_quotes_is_matched_with_concat(monkeypatch):
    host = FakeHost(FRESH)
    run(monkeypatch, host, default_documents=["it's \"x\".htm"])
    assert host.batches[0]["ops"][-1]["parameters"]["Filter"] == \
        f"{iis.FILES}/add[@value=concat('it', \"'\", 's \"x\".htm')]"


@pytest.mark.parametrize("args, words", [
    ({"isapi_path": "C:\\a\nb.dll"}, "isapi_path must be one line without CR, LF or NUL characters (LF found)"),
    ({"default_documents": ["a\r\nb.htm"]}, "default_documents must be one line"),
    ({"site": "Default\nWeb Site"}, "site must be one line"),
    ({"default_documents": ["d" * 300 + ".htm"]}, "default_documents holds a name of 304 characters"),
    ({"isapi_path": "C:\\" + "A" * 300 + ".dll"}, "isapi_path holds a name of 304 characters"),
    ({"access_policy": ["Read", "Everything"]}, "access_policy: Everything unknown"),
    ({"mime_types": {"vxml": "application/voicexml+xml"}}, "mime_types: extensions start with a dot, got vxml"),
])
def test_bad_input_is_one_line_before_any_round_trip(monkeypatch, args, words):
    host = FakeHost(FRESH)
    result = run(monkeypatch, host, **args)
    assert result["failed"] and words in result["msg"] and "\n" not in result["msg"] and host.batches == []
