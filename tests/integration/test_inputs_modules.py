"""Foreseeable mistakes in the web, mail and directory modules get one line naming the option, and nothing is written
or sent: values that would start a new line (a key of HPWC.ini, a second console command, a header), negative
timeouts, a key file that is JSON but no key, a directory for a file, a file for a folder, a name too long for the
file system, a relative path where the docs say absolute.

All cases of a host run as the tasks of one playbook (ignore_errors), so the whole table costs three runs."""
import json
import os
import zipfile

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playbook_lab import Lab

LONG = "A" * 300
LONG_NAME = f"holds a name of 300 characters, longer than the 255 a file system allows: {'A' * 40}..."
ONE_LINE = "must be one line without CR, LF or NUL characters"
HPWC = "C:\\inetpub\\HPPC\\HPWC.ini"
HPWC_TEXT = "[HPPCSETTINGS]\r\nAddress=xxx.domain.com\r\nPort=6021\r\n"
KIT = "C:\\kits\\HPPCEnterpriseWeb.zip"
TOOL = "C:\\OSCC\\osccmseheaders.exe"
HEADERS = {"program": TOOL, "from_address": "oscc@lab.invalid", "to_address": "oscc@lab.invalid", "smtp_host": "mail",
           "smtp_user": "oscc@lab.invalid", "smtp_password": "the-Secret-1"}
KEYSTORE = {"keystore": "C:\\Java\\cacerts", "keystore_password": "changeit", "alias": "exch01",
            "certificate": "C:\\OSCC\\ca.pem"}
WADM = {"node": "web01", "admin_password": "the-Secret-2"}
MAIL = {"imap_host": "localhost", "username": "oscc@lab.invalid", "password": "the-Secret-3"}
LDAP = {"server_uri": "ldap://127.0.0.1:1", "bind_dn": "cn=admin", "bind_pw": "the-Secret-4",
        "attributes": {"user_name": "osccUserName"}, "users": [{"dn": "uid=a", "user_name": "a"}]}
DOMINO = {"notes_ini": "{{ email_server_domino_notes_ini }}", "console": "{{ email_server_domino_console }}"}

# id -> (inventory host, module, arguments, the whole message); {t} is a folder of the test's files on POSIX hosts.
CASES = {
    # line breaks: they would add a key, a command, a prompt answer, a header or a line of a password file
    "hpwc_ini address": ("lab-web-iis", "hpwc_ini", {"path": HPWC, "address": "x\r\nPassword=evil"},
                         f"address {ONE_LINE} (CR and LF found), got 'x\\r\\nPassword=evil'"),
    "exchange_custom_headers subject": ("lab-web-iis", "exchange_custom_headers", {**HEADERS, "subject": "two\nlines"},
                                        f"subject {ONE_LINE} (LF found), got 'two\\nlines'"),
    "exchange_custom_headers smtp_password": ("lab-web-iis", "exchange_custom_headers",
                                              {**HEADERS, "smtp_password": "the-Secret-1\nAnswer"},
                                              f"smtp_password {ONE_LINE} (LF found)"),
    "java_keystore_cert alias": ("lab-web-iis", "java_keystore_cert", {**KEYSTORE, "alias": "a\0b"},
                                 f"alias {ONE_LINE} (NUL found), got 'a\\x00b'"),
    "domino_prepare second command": ("lab-domino", "domino_prepare",
                                      {**DOMINO,
                                       "settings": {"SMTPVerifyAuthenticatedSender": "0\nload compact names.nsf"}},
                                      f"settings.SMTPVerifyAuthenticatedSender {ONE_LINE} (LF found), "
                                      "got '0\\nload compact names.nsf'"),
    "domino_prepare quote": ("lab-domino", "domino_prepare",
                             {**DOMINO, "settings": {"SMTPVerifyAuthenticatedSender": '0"'}},
                             "settings.SMTPVerifyAuthenticatedSender must hold no double quote (the console takes the "
                             "command quoted), got '0\"'"),
    "war_properties value": ("lab-web-tomcat", "war_properties",
                             {"path": "{t}/built.war", "src": "{t}/kit.war",
                              "properties": {"socket.server.name": "a\nb=c"}},
                             f"properties.socket.server.name {ONE_LINE} (LF found), got 'a\\nb=c'"),
    "war_properties key": ("lab-web-tomcat", "war_properties",
                           {"path": "{t}/built.war", "src": "{t}/kit.war", "properties": {"a\rb": "1"}},
                           f"a key of properties {ONE_LINE} (CR found), got 'a\\rb'"),
    "sunjava_deploy admin_password": ("lab-web-tomcat", "sunjava_deploy",
                                      {**WADM, "war": "{t}/kit.war", "admin_password": "the-Secret-2\nwadm_user=x"},
                                      f"admin_password {ONE_LINE} (LF found)"),
    "mail_check header": ("lab-web-tomcat", "mail_check", {**MAIL, "custom_headers": {"X-OSCC-Queue": "a\r\nBcc: x@y"}},
                          f"custom_headers.X-OSCC-Queue {ONE_LINE} (CR and LF found), got 'a\\r\\nBcc: x@y'"),
    "mail_check report_sender": ("lab-web-tomcat", "mail_check", {**MAIL, "report_sender": "r@lab.invalid\nBcc: x@y"},
                                 f"report_sender {ONE_LINE} (LF found), got 'r@lab.invalid\\nBcc: x@y'"),
    # seconds
    "tomcat_deploy timeout": ("lab-web-tomcat", "tomcat_deploy", {"war": "{t}/kit.war", "manager_username": "deployer",
                                                                  "manager_password": "the-Secret-5", "timeout": -5},
                              "timeout must be a positive number of seconds, got -5"),
    "gmail_settings timeout": ("lab-web-tomcat", "gmail_settings", {"account": "oscc@lab.invalid", "timeout": -1,
                                                                    "service_account_file": "{t}/list.json"},
                               "timeout must be a positive number of seconds, got -1"),
    "mail_check timeout": ("lab-web-tomcat", "mail_check", {**MAIL, "timeout": -3},
                           "timeout must be a positive number of seconds, got -3"),
    "ldap_presence timeout": ("lab-web-tomcat", "ldap_presence", {**LDAP, "timeout": -2},
                              "timeout must be a positive number of seconds, got -2"),
    "domino_prepare timeout": ("lab-domino", "domino_prepare", {**DOMINO, "timeout": -1},
                               "timeout must be a positive number of seconds, got -1"),
    # a key file that is JSON but no key
    "gmail_settings array": ("lab-web-tomcat", "gmail_settings", {"account": "oscc@lab.invalid",
                                                                  "service_account_file": "{t}/list.json"},
                             "service_account_file {t}/list.json holds an array, not a service account key (an object "
                             "with client_email, private_key, token_uri)"),
    "gmail_settings string": ("lab-web-tomcat", "gmail_settings", {"account": "oscc@lab.invalid",
                                                                   "service_account_file": "{t}/string.json"},
                              "service_account_file {t}/string.json holds a string, not a service account key (an "
                              "object with client_email, private_key, token_uri)"),
    "gmail_settings numbers": ("lab-web-tomcat", "gmail_settings", {"account": "oscc@lab.invalid",
                                                                    "service_account_file": "{t}/numbers.json"},
                               "service_account_file {t}/numbers.json is not a service account key (client_email, "
                               "private_key, token_uri must be text)"),
    "gmail_settings not pem": ("lab-web-tomcat", "gmail_settings", {"account": "oscc@lab.invalid",
                                                                    "service_account_file": "{t}/not-pem.json"},
                               "service_account_file {t}/not-pem.json is not a service account key (private_key is no "
                               "PEM private key without a passphrase)"),
    "gmail_settings ec key": ("lab-web-tomcat", "gmail_settings", {"account": "oscc@lab.invalid",
                                                                   "service_account_file": "{t}/ec.json"},
                              "service_account_file {t}/ec.json is not a service account key (private_key is no RSA "
                              "key, which Google's are)"),
    "gmail_settings token_uri": ("lab-web-tomcat", "gmail_settings", {"account": "oscc@lab.invalid",
                                                                      "service_account_file": "{t}/ftp.json"},
                                 "service_account_file {t}/ftp.json is not a service account key (token_uri must be an "
                                 "https:// or http:// URL, got 'ftp://x')"),
    # a directory where a file belongs, a file where a folder belongs
    "gmail_settings directory": ("lab-web-tomcat", "gmail_settings", {"account": "oscc@lab.invalid",
                                                                      "service_account_file": "{t}"},
                                 "service_account_file {t} is a directory, not a file"),
    "war_properties path directory": ("lab-web-tomcat", "war_properties", {"path": "{t}", "properties": {"a": "2"}},
                                      "path {t} is a directory, not a file"),
    "war_properties src directory": ("lab-web-tomcat", "war_properties",
                                     {"path": "{t}/built.war", "src": "{t}", "properties": {"a": "2"}},
                                     "src {t} is a directory, not a file"),
    "war_properties folder is a file": ("lab-web-tomcat", "war_properties",
                                        {"path": "{t}/kit.war/built.war", "src": "{t}/kit.war",
                                         "properties": {"a": "2"}},
                                        "path {t}/kit.war/built.war: {t}/kit.war is a file, not a folder"),
    "war_properties no folder": ("lab-web-tomcat", "war_properties",
                                 {"path": "{t}/nowhere/built.war", "src": "{t}/kit.war", "properties": {"a": "2"}},
                                 "path {t}/nowhere/built.war: its folder {t}/nowhere does not exist"),
    "tomcat_deploy war directory": ("lab-web-tomcat", "tomcat_deploy",
                                    {"war": "{t}", "manager_username": "deployer", "manager_password": "the-Secret-5",
                                     "manager_url": "http://127.0.0.1:1/manager/text"},
                                    "war {t} is a directory, not a file"),
    "sunjava_deploy wadm directory": ("lab-web-tomcat", "sunjava_deploy", {**WADM, "war": "{t}/kit.war", "wadm": "{t}"},
                                      "wadm {t} is not an executable; is Sun Java System Web Server 7 installed?"),
    "mail_check ca_file directory": ("lab-web-tomcat", "mail_check", {**MAIL, "ca_file": "{t}"},
                                     "ca_file {t} is a directory, not a file"),
    "ldap_presence ca_file missing": ("lab-web-tomcat", "ldap_presence", {**LDAP, "ca_file": "{t}/none.pem"},
                                      "ca_file {t}/none.pem does not exist"),
    "ldap_presence ca_file directory": ("lab-web-tomcat", "ldap_presence", {**LDAP, "ca_file": "{t}"},
                                        "ca_file {t} is a directory, not a file"),
    # names too long for the file system
    "war_properties long name": ("lab-web-tomcat", "war_properties",
                                 {"path": "{t}/" + LONG + ".war", "src": "{t}/kit.war", "properties": {"a": "2"}},
                                 "path {t}/" + LONG + ".war has a name too long for the file system"),
    "hpwc_ini long name": ("lab-web-iis", "hpwc_ini", {"path": "C:\\inetpub\\" + LONG, "address": "x"},
                           f"path {LONG_NAME}"),
    "web_kit long name": ("lab-web-iis", "web_kit", {"src": KIT, "dest": "C:\\inetpub\\" + LONG}, f"dest {LONG_NAME}"),
    "web_pages long name": ("lab-web-iis", "web_pages", {"path": "C:\\inetpub\\" + LONG}, f"path {LONG_NAME}"),
    "iis_isapi long name": ("lab-web-iis", "iis_isapi", {"application": "HPPC", "isapi_path": "C:\\" + LONG + ".dll"},
                            f"isapi_path holds a name of 304 characters, longer than the 255 a file system allows: "
                            f"{'A' * 40}..."),
    "java_keystore_cert long name": ("lab-web-iis", "java_keystore_cert", {**KEYSTORE, "certificate": "C:\\" + LONG},
                                     f"certificate {LONG_NAME}"),
    "domino_prepare long name": ("lab-domino", "domino_prepare", {**DOMINO, "notes_ini": "/" + LONG},
                                 f"notes_ini {LONG_NAME}"),
    # relative where the docs say absolute
    "web_kit relative": ("lab-web-iis", "web_kit", {"src": "kit.zip", "dest": "C:\\inetpub\\HPPC"},
                         "src must be an absolute path on the windows host, got 'kit.zip'"),
    "web_pages relative": ("lab-web-iis", "web_pages", {"path": "HPPC"},
                           "path must be an absolute path on the windows host, got 'HPPC'"),
    "iis_isapi relative": ("lab-web-iis", "iis_isapi", {"application": "HPPC", "isapi_path": "hppcwis.dll"},
                           "isapi_path must be an absolute path on the windows host, got 'hppcwis.dll'"),
    "java_keystore_cert relative": ("lab-web-iis", "java_keystore_cert", {**KEYSTORE, "keystore": "cacerts"},
                                    "keystore must be an absolute path on the windows host, got 'cacerts'"),
    "exchange_custom_headers relative": ("lab-web-iis", "exchange_custom_headers", {**HEADERS, "record": "done.json"},
                                         "record must be an absolute path on the windows host, got 'done.json'"),
    "domino_prepare relative": ("lab-domino", "domino_prepare", {**DOMINO, "notes_ini": "notes.ini"},
                                "notes_ini must be an absolute path on the posix host, got 'notes.ini'"),
    # the other options a mistake can reach
    "tomcat_deploy manager_url": ("lab-web-tomcat", "tomcat_deploy",
                                  {"war": "{t}/kit.war", "manager_username": "deployer",
                                   "manager_password": "the-Secret-5", "manager_url": "localhost:8080/manager/text"},
                                  "manager_url must be the manager's http:// or https:// URL, "
                                  "got 'localhost:8080/manager/text'"),
    "ldap_presence port": ("lab-web-tomcat", "ldap_presence", {**LDAP, "server_uri": "ldap://127.0.0.1:99999"},
                           "server_uri must be ldap://host[:port] or ldaps://host[:port], "
                           "got 'ldap://127.0.0.1:99999'"),
}
SECRETS = ("the-Secret-1", "the-Secret-2", "the-Secret-3", "the-Secret-4", "the-Secret-5")


def files(folder):
    """What the POSIX cases read: a kit WAR and keys that are JSON but no service account key."""
    with zipfile.ZipFile(os.path.join(folder, "kit.war"), "w") as war:
        war.writestr("hpwcapp/config.properties", "socket.server.name=xxx.domain.com\n")
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    key = {"type": "service_account", "client_email": "a@b.invalid", "token_uri": "http://127.0.0.1:1/token"}
    for name, content in {"list.json": [1, 2], "string.json": "key",
                          "numbers.json": {**key, "client_email": 1, "private_key": 2, "token_uri": 3},
                          "not-pem.json": {**key, "private_key": "no key"}, "ec.json": {**key, "private_key": ec_pem},
                          "ftp.json": {**key, "private_key": ec_pem, "token_uri": "ftp://x"}}.items():
        with open(os.path.join(folder, name), "w") as handle:
            json.dump(content, handle)


def fill(value, folder):
    if isinstance(value, dict):
        return {k: fill(v, folder) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, folder) for v in value]
    return value.replace("{t}", folder) if isinstance(value, str) else value


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """id -> (result, lab, the POSIX folder), every host's cases run as one playbook each."""
    done = {}
    for host in sorted({case[0] for case in CASES.values()}):
        root = tmp_path_factory.mktemp(host)
        folder = str(root / "files")
        os.makedirs(folder)
        files(folder)
        lab = Lab(root / "lab", host)
        if host == "lab-web-iis":
            os.makedirs(os.path.dirname(lab.here(HPWC)))
            with open(lab.here(HPWC), "w", newline="") as handle:
                handle.write(HPWC_TEXT)
        ids = [i for i, case in CASES.items() if case[0] == host]
        tasks = [{"name": i, f"oscc.admin.{CASES[i][1]}": fill(CASES[i][2], folder), "ignore_errors": True}
                 for i in ids]
        path = root / "play.yml"
        path.write_text(yaml.safe_dump([{"name": "inputs", "hosts": host, "gather_facts": False, "tasks": tasks}]))
        run = lab.playbook(str(path), limit=host)
        assert not any(secret in run.stdout + run.stderr for secret in SECRETS)
        for i in ids:
            done[i] = (run.result(i, host), lab, folder)
    return done


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_foreseeable_mistake_gets_one_line_naming_the_option(outcomes, case):
    result, _lab, folder = outcomes[case]
    assert result.get("failed") and result["msg"] == fill(CASES[case][3], folder), result
    assert "Traceback" not in json.dumps(result) and "module_stderr" not in result


def test_nothing_was_written_or_sent(outcomes):
    _result, lab, folder = outcomes["hpwc_ini address"]
    with open(lab.here(HPWC), newline="") as handle:
        assert handle.read() == HPWC_TEXT
    _result, _lab, folder = outcomes["war_properties value"]
    assert sorted(os.listdir(folder)) == ["ec.json", "ftp.json", "kit.war", "list.json", "not-pem.json", "numbers.json",
                                          "string.json"]
    _result, lab, _folder = outcomes["domino_prepare second command"]
    with open(os.path.join(lab.paths["base"], "domino-state.json")) as handle:
        assert json.load(handle)["console"] == []
