"""Issue 19, the web and mail modules: each hostile input gets a one-line error naming its option, or the right
result. One row per input: module, its arguments, the fragment the error must hold (or a check of the result).
Pure checks run the plugin's or module's own validation in process; inputs whose answer needs a peer run against
the lab's real Postfix + Dovecot and slapd."""
import json
import os
import sys
import zipfile
from unittest.mock import MagicMock

import ldappeer
import mailpeers
import pytest
from ansible.playbook.task import Task
from module_args import patch_module_args

from ansible_collections.oscc.admin.plugins.action import (
    domino_prepare,
    exchange_custom_headers,
    hpwc_ini,
    iis_isapi,
    web_kit,
    web_pages,
)
from ansible_collections.oscc.admin.plugins.modules import gmail_settings, ldap_presence, mail_check, war_properties
from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import Target
from ansible_collections.oscc.admin.plugins.plugin_utils._web import iis

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "plugins", "action"))
from windows_host import FakeHost, run_action  # noqa: E402

DLL = "C:\\inetpub\\HPPC\\hppcwis.dll"
SITE = "system.applicationHost/sites/site[@name='Default Web Site']"
# A web server where the site and its application /HPPC exist (the DLL is a file unless a row says otherwise).
IIS = {("Get-WebConfiguration", SITE): [{"name": "Default Web Site"}],
       ("Get-WebConfiguration", f"{SITE}/application[@path='/HPPC']"): [{"path": "/HPPC"}],
       "Get-WebConfiguration": [], ("Get-WebConfiguration", iis.HANDLERS): [{"accessPolicy": "Read, Script, Execute"}]}
ISAPI = {"application": "/HPPC", "isapi_path": DLL}
HPWC = {"path": "C:\\inetpub\\HPPC\\HPWC.ini", "address": "oscc.example.com"}
KIT = {"src": "C:\\kits\\HPPCEnterpriseWeb.zip", "dest": "C:\\inetpub\\HPPC"}
HEADERS = {"program": "C:\\Program Files\\OSCC\\osccmseheaders.exe", "from_address": "oscc@example.com",
           "to_address": "oscc@example.com", "smtp_host": "mail.example.com", "smtp_user": "oscc@example.com",
           "smtp_password": "secret"}
DOMINO = {"notes_ini": "C:\\Lotus\\Domino\\notes.ini", "console": "C:\\Lotus\\Domino\\nserver.exe"}
MAIL = {"imap_host": "mail.example.com", "username": "oscc@example.com", "password": "secret"}
GMAIL = {"account": "oscc@example.com", "service_account_file": "/nonexistent/key.json"}
LDAP = {"server_uri": "ldap://localhost:1", "bind_dn": "cn=admin,dc=lab,dc=invalid", "bind_pw": "secret",
        "attributes": {"user_name": "osccUserName"}, "users": [{"dn": "uid=a,dc=lab,dc=invalid", "user_name": "a"}]}
ANNA = "uid=anna.berger,ou=people,dc=lab,dc=invalid"


def mime_repaired(result, host, check_mode):
    """The state an empty MIME type left (an entry without a type): removed, then added with the type."""
    assert not result.get("failed"), result
    assert result["changes"]["mime_type .vxml"] == {"before": "", "after": "application/voicexml+xml"}
    if check_mode:
        assert len(host.batches) == 1  # reported, nothing applied
        return
    mime = [op["name"] for op in host.batches[1]["ops"] if op["parameters"].get("Filter") == iis.STATIC]
    assert mime == ["Remove-WebConfigurationProperty", "Add-WebConfigurationProperty"]


# (plugin, args, what the Windows host answers: cmdlet answers and paths, fragment of the error or result check)
ACTIONS = [
    (web_pages, {"path": "C:\\inetpub\\HPPC", "capture_fields": {"varCustomerName": "日本語"}}, {},
     "capture_fields.varCustomerName: '日' cannot be written to the kit's pages, which hold ISO-8859-1"),
    (hpwc_ini, {**HPWC, "address": ""}, {}, "address must not be empty, got ''"),
    (hpwc_ini, {**HPWC, "address": "oscc;x"}, {}, "address holds ';', which an INI line reads as a comment"),
    # review 19c F5: a boolean is no port; an address is a host name or an IP address
    (hpwc_ini, {**HPWC, "port": True}, {}, "port must be a port number (1-65535), got the boolean True"),
    (hpwc_ini, {**HPWC, "tls_port": False}, {}, "tls_port must be a port number (1-65535), got the boolean False"),
    (hpwc_ini, {**HPWC, "address": "host.example\x0bx"}, {}, "address must be a host name"),
    (hpwc_ini, {**HPWC, "address": "oscc&x.example"}, {}, "address must be a host name"),
    (hpwc_ini, {**HPWC, "address": "%COMPUTERNAME%.example"}, {}, "address must be a host name"),
    (hpwc_ini, {**HPWC, "address": "..\\..\\x"}, {}, "address must be a host name"),
    (hpwc_ini, {**HPWC, "address": " host.example"}, {}, "address must be a host name"),
    (hpwc_ini, {**HPWC, "address": "a" * 300}, {}, "address must be a host name"),
    (hpwc_ini, {**HPWC, "address": ("a" * 63 + ".") * 4}, {}, "address must be a host name"),
    (hpwc_ini, {**HPWC, "address": "oscc=x"}, {}, "address holds '=', which an INI line reads"),
    (hpwc_ini, {**HPWC, "address": "[HPPCSETTINGS]"}, {}, "address holds '[]', which an INI line reads"),
    (hpwc_ini, {**HPWC, "path": "C:\\inetpub\\HPPC-kit\\HPPCEnterpriseWeb.zip"}, {},
     "path must name the HPWC.ini file (an .ini file), got 'C:\\\\inetpub\\\\HPPC-kit\\\\HPPCEnterpriseWeb.zip'"),
    (web_kit, {**KIT, "saved_dir": "c:\\INETPUB\\hppc"}, {},
     "saved_dir c:\\INETPUB\\hppc must lie outside dest C:\\inetpub\\HPPC"),
    (web_kit, {**KIT, "saved_dir": "C:\\inetpub\\HPPC\\saved"}, {},
     "saved_dir C:\\inetpub\\HPPC\\saved must lie outside"),
    (iis_isapi, {**ISAPI, "application": ""}, {"answers": IIS},
     "application must name an application of the site, such as /HPPC, got ''"),
    (iis_isapi, {**ISAPI, "application": "/HPPC/../Other"}, {"answers": IIS},
     "application must be a path inside the site without . or .. segments"),
    (iis_isapi, {**ISAPI, "mime_types": {".vxml": ""}}, {"answers": IIS},
     "mime_types['.vxml'] must be a MIME type such as application/voicexml+xml, got ''"),
    (iis_isapi, {**ISAPI, "mime_types": {".vxml": 5}}, {"answers": IIS}, "mime_types['.vxml'] must be a MIME type"),
    (iis_isapi, ISAPI, {"answers": {**IIS, ("Get-WebConfiguration", f"{iis.STATIC}/mimeMap[@fileExtension='.vxml']"):
                                    [{"fileExtension": ".vxml", "mimeType": ""}]}}, mime_repaired),
    (iis_isapi, {**ISAPI, "site": "Nowhere"}, {"answers": IIS}, "site 'Nowhere' does not exist in IIS"),
    (iis_isapi, {**ISAPI, "application": "/Missing"}, {"answers": IIS},
     "application /Missing does not exist in site 'Default Web Site'"),
    (iis_isapi, {**ISAPI, "isapi_path": "C:\\inetpub\\HPPC"},
     {"answers": IIS, "paths": {"C:\\inetpub\\HPPC": "folder"}},
     "isapi_path C:\\inetpub\\HPPC is a folder, not the ISAPI DLL"),
    (iis_isapi, ISAPI, {"answers": IIS, "paths": {DLL: None}}, f"isapi_path {DLL} does not exist"),
    (iis_isapi, {**ISAPI, "default_documents": ["..\\web.config"]}, {"answers": IIS},
     "default_documents[0] must be a file name, without a folder or .., got '..\\\\web.config'"),
    (domino_prepare, {**DOMINO, "settings": {"SMTPVerifyAuthenticatedSender": ["0", "1"]}}, {},
     "settings.SMTPVerifyAuthenticatedSender must be one value (text, a number or a boolean), got a list"),
    (exchange_custom_headers, {**HEADERS, "record": "C:\\OSCC\\done"}, {"paths": {"C:\\OSCC\\done": "folder"}},
     "record C:\\OSCC\\done is a folder, not a file"),
    (exchange_custom_headers, {**HEADERS, "program": "C:\\Program Files\\OSCC\\readme.txt"}, {},
     "program C:\\Program Files\\OSCC\\readme.txt is not a program (an .exe or .com file)"),
]


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("plugin, args, windows, expected", ACTIONS)
def test_an_action_plugin_refuses_the_input_in_one_line_or_gives_the_right_result(monkeypatch, plugin, args, windows,
                                                                                  expected, check_mode):
    host = FakeHost(windows.get("answers"), paths=windows.get("paths"))
    result = run_action(monkeypatch, plugin.ActionModule, host, args, check_mode, f"oscc.admin.{plugin.__name__}")
    if callable(expected):
        expected(result, host, check_mode)
        return
    if check_mode and not result.get("failed"):  # made by a task before, which check mode did not run
        assert any(expected in warning for warning in result.get("warnings", [])), result
        return
    assert result.get("failed") and expected in result["msg"] and "\n" not in result["msg"], result
    assert not [op for batch in host.batches for op in batch["ops"] if op["op"] != "stat" and
                not op.get("name", "Get-").startswith("Get-")]  # nothing was changed


def run_posix(action_class, args, check=False):
    """The plugin's result for a task with `args` on a POSIX host, as ansible-core runs it."""
    task = MagicMock(Task)
    task.args, task.check_mode, task.diff, task.async_val = dict(args), check, False, 0
    task.action, task.delegate_to = "oscc.admin.web_kit", None
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = "sh"
    play_context = MagicMock()
    play_context.check_mode = check
    plugin = action_class(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    return plugin.run(task_vars={})


def test_a_kit_folder_given_as_the_kit_is_named_a_folder(monkeypatch, tmp_path):
    """The kit's path is a folder: the read says so instead of "does not exist"."""
    (tmp_path / "kits").mkdir()

    def batch(target, ops, cleanup=(), read_only=False, secrets=None, check=True, stamp=None):
        target.operations += 1
        return executor_posix.run_batch({"ops": list(ops), "cleanup": []}, {})

    monkeypatch.setattr(Target, "batch", batch)
    for check in (False, True):
        result = run_posix(web_kit.ActionModule, {"src": str(tmp_path / "kits"), "dest": str(tmp_path / "site")},
                           check=check)
        assert result["failed"] and result["msg"] == f"src {tmp_path / 'kits'} is a folder, not the kit's zip file"


def war(tmp_path):
    path = tmp_path / "HPPC.war"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hpwcapp/", "")
        archive.writestr("hpwcapp/config.properties", "socket.server.name=localhost\n")
    return str(path)


def run_module(module, args, capsys, check=False):
    with patch_module_args({**args, "_ansible_check_mode": check}), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


# (module, args, fragment of the error); "{war}" is a WAR made for the row.
MODULES = [
    (gmail_settings, {**GMAIL, "api_url": ""}, "api_url must be an https:// or http:// URL with a host, got ''"),
    (gmail_settings, {**GMAIL, "report_sender": "reports@example.com\nBcc: x@evil.example"},
     "report_sender must be one line without CR, LF or NUL characters (LF found), "
     "got 'reports@example.com\\nBcc: x@evil.example'"),
    (ldap_presence, {**LDAP, "attributes": {"user_name": 5}},
     "attributes.user_name must be an LDAP attribute name (letters, digits and -), got 5"),
    (ldap_presence, {**LDAP, "users": [{"dn": "uid=a,dc=lab,dc=invalid", "user_name": "a\0b"}]},
     "users[0].user_name must be one line without CR, LF or NUL characters (NUL found)"),
    (ldap_presence, {**LDAP, "users": [{"dn": "uid=a,dc=lab,dc=invalid", "user_name": "a"},
                                       {"dn": "UID=a, dc=lab,dc=invalid", "user_name": "b"}]},
     "users[1].dn names the same entry as users[0].dn ('UID=a, dc=lab,dc=invalid'); give each once"),
    (mail_check, {**MAIL, "checks": []}, "checks must name at least one check; leave it out"),
    (mail_check, {**MAIL, "password": "secret\r\nA1 LOGOUT"},
     "password must be one line without CR, LF or NUL characters (CR and LF found)"),
    (mail_check, {**MAIL, "imap_host": ""}, "imap_host must not be empty, got ''"),
    (mail_check, {**MAIL, "test_recipient": "oscc-at-example.com"},
     "test_recipient must be an e-mail address, got 'oscc-at-example.com'"),
    (war_properties, {"path": "{war}", "entry": "hpwcapp/", "properties": {"a": "1"}},
     "entry must name a file inside the archive, not a folder, got 'hpwcapp/'"),
    (war_properties, {"path": "{war}", "entry": "hpwcapp", "properties": {"a": "1"}},
     "entry 'hpwcapp' is a folder in"),
    (war_properties, {"path": "HPPC.war", "properties": {"a": "1"}}, "path must be an absolute path, got 'HPPC.war'"),
    (war_properties, {"path": "{war}", "properties": {"socket.server.name": None}},
     "properties.socket.server.name has no value (null); give the text to write, '' for an empty value"),
    (war_properties, {"path": "{war}", "properties": {"socket.server.name": {"host": "x"}}},
     "properties.socket.server.name must be one value (text, a number or a boolean), got a mapping"),
]


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("module, args, expected", MODULES)
def test_a_module_refuses_the_input_in_one_line(module, args, expected, check_mode, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a relative path would land
    args = {k: (war(tmp_path) if v == "{war}" else v) for k, v in args.items()}
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = run_module(module, args, capsys, check=check_mode)
    assert result.get("failed") and expected in result["msg"] and "\n" not in result["msg"], result
    assert "secret" not in json.dumps(result)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


# -- against the lab's real peers ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def postfix():
    """Postfix + Dovecot as the lab runs them (no SMTPUTF8), and a second pair whose Postfix offers SMTPUTF8."""
    if not mailpeers.available():
        pytest.skip("Dovecot and Postfix are installed by scripts/setup")
    pairs = {"plain": mailpeers.MailPeers().start()}
    try:
        pairs["smtputf8"] = mailpeers.MailPeers(smtputf8=True).start()
        yield pairs
    finally:
        for pair in pairs.values():
            pair.stop()


def mail_args(pair, **extra):
    return {"imap_host": "localhost", "imap_port": pair.imaps_port, "smtp_host": "localhost",
            "smtp_port": pair.submission_port, "username": mailpeers.USER, "password": mailpeers.PASSWORD,
            "ca_file": pair.ca_file, "timeout": 60, **extra}  # a loaded machine delivers slowly


# (peer pair, options, the check that answers, its status, fragment of its detail)
MAIL_PEERS = [
    ("plain", {"custom_headers": {"X-OSCC-Queue": "Größe", "X-OSCC-Language": "日本語"},
               "checks": ["imap_login", "smtp_submission", "custom_headers"]},
     "custom_headers", "ok", "2 custom headers came back unchanged"),
    ("plain", {"report_sender": mailpeers.INTERNATIONAL_SENDER, "checks": ["imap_login", "report_sender"]},
     "report_sender", "failed",
     f"report_sender {mailpeers.INTERNATIONAL_SENDER} is an internationalised address (beyond ASCII), and SMTP "
     "localhost:{port} does not offer SMTPUTF8 to carry it; enable SMTPUTF8 on the server or give an ASCII address"),
    ("smtputf8", {"report_sender": mailpeers.INTERNATIONAL_SENDER, "checks": ["imap_login", "report_sender"]},
     "report_sender", "ok", f"may send as {mailpeers.INTERNATIONAL_SENDER}"),
]


@pytest.mark.parametrize("pair, options, check, status, detail", MAIL_PEERS)
def test_mail_beyond_ascii_is_encoded_or_refused_naming_the_option(postfix, capsys, pair, options, check,
                                                                   status, detail):
    peers = postfix[pair]
    result = run_module(mail_check, mail_args(peers, **options), capsys)
    found = {c["name"]: c for c in result["checks"]}[check]
    assert found["status"] == status and detail.replace("{port}", str(peers.submission_port)) in found["detail"], \
        result
    assert result["cleaned"] == (status == "ok") and peers.maildir_messages() == []


@pytest.fixture(scope="module")
def slapd():
    if not ldappeer.available():
        pytest.skip("slapd is installed by scripts/setup")
    directory = ldappeer.Slapd().start()
    yield directory
    directory.stop()


# (options, fragment of the error): what the operator should check, never the library's class or result names.
LDAP_PEER = [
    ({"bind_pw": "wrong"}, "the directory refused the credentials (invalid credentials): check bind_dn and bind_pw"),
    ({"users": [{"dn": f"uid=nobody,ou=people,{ldappeer.SUFFIX}", "user_name": "x"}]},
     f"cannot read uid=nobody,ou=people,{ldappeer.SUFFIX}: the entry does not exist (no such object): check the dn"),
    ({"attributes": {"user_name": "osccNoSuchAttribute"}},
     "the directory's schema does not know it (invalid attribute type osccNoSuchAttribute): check the LDAP names in "
     "attributes"),
    ({}, "the entry's object classes do not allow the attribute (object class violation): give object_class"),
]


@pytest.mark.parametrize("options, expected", LDAP_PEER)
def test_an_ldap_failure_says_what_to_check(slapd, capsys, options, expected):
    args = {"server_uri": slapd.uri, "ca_file": slapd.ca_file, "bind_dn": ldappeer.ADMIN_DN,
            "bind_pw": ldappeer.ADMIN_PASSWORD, "attributes": {"user_name": "osccUserName"},
            "users": [{"dn": f"uid=anna.berger,ou=people,{ldappeer.SUFFIX}", "user_name": "aberger"}], **options}
    result = run_module(ldap_presence, args, capsys)
    assert result["failed"] and expected in result["msg"] and "Result" not in result["msg"], result
    assert "osccUserName" not in slapd.entry("anna.berger")
