"""Role booleans given as strings (`-e web_components_smoke_test=false`, an AWX survey answer) behave as booleans.

A role's argument spec checks a value but does not convert it: `-e flag=false` stays the string "false", which a
`when:` refuses (ansible-core 2.19+) and a Jinja `and`/`or` takes for true. Every use of a role's boolean therefore
goes through `| bool`."""
import glob
import os
import re

import ldappeer
import mailpeers
import pytest
import webkit
import yaml
from playbook_lab import ROOT, Lab

ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
               for p in glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml")))
# Keys whose value is a bare Jinja expression rather than a template.
EXPRESSION_KEYS = {"when", "that", "failed_when", "changed_when", "until"}
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def bool_options(role):
    spec = load(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"))["argument_specs"]
    return {name for entry in spec.values() for name, option in (entry.get("options") or {}).items()
            if option.get("type") == "bool"}


def expressions(node, key=None):
    """Every Jinja expression of a task file, with its string literals blanked out (a message naming a
    variable is not a use of it)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from expressions(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item, key)
    elif isinstance(node, str):
        found = [a or b for a, b in _TEMPLATE.findall(node)]
        if key in EXPRESSION_KEYS and not found:
            found = [node]
        for expression in found:
            yield _STRING.sub("''", expression)


def role_files(role):
    base = os.path.join(ROOT, "roles", role)
    return sorted(p for sub in ("tasks", "vars", "handlers") for p in glob.glob(os.path.join(base, sub, "*.yml")))


@pytest.mark.parametrize("role", ROLES)
def test_every_use_of_a_role_boolean_goes_through_the_bool_filter(role):
    options = bool_options(role)
    unfiltered = []
    for path in role_files(role):
        for expression in expressions(load(path)):
            for name in options:
                for match in re.finditer(rf"\b{name}\b", expression):
                    if not re.match(r"\s*\|\s*bool\b", expression[match.end():]):
                        unfiltered.append(f"{os.path.relpath(path, ROOT)}: {name} in {expression.strip()!r}")
    assert unfiltered == []


@pytest.mark.parametrize("role", ROLES)
def test_every_boolean_default_is_declared_bool_in_the_argument_spec(role):
    defaults = load(os.path.join(ROOT, "roles", role, "defaults", "main.yml")) or {}
    booleans = {name for name, value in defaults.items() if isinstance(value, bool)}
    assert booleans - bool_options(role) == set()


def test_the_static_check_sees_a_missing_filter():
    """The scan above finds a bare use in a `when:` and in a template, and not a name inside a message."""
    task = [{"when": "web_components_smoke_test and not ansible_check_mode"},
            {"x": {"msg": "{{ 'set web_components_smoke_test: false' if web_components_smoke_test | bool else '' }}"}},
            {"y": {"z": "{{ web_components_smoke_test or false }}"}}]
    found = [e for e in expressions(task) if re.search(r"\bweb_components_smoke_test\b(?!\s*\|\s*bool)", e)]
    assert [e.strip() for e in found] == ["web_components_smoke_test and not ansible_check_mode",
                                          "web_components_smoke_test or false"]


# -- playbook runs: the flag as the command line gives it, a string ------------------------------------------------

def test_web_components_smoke_test_false_skips_the_smoke_test(tmp_path):
    lab = Lab(tmp_path / "lab", "lab-web-iis")
    kit = webkit.iis_zip(str(tmp_path / "HPPCEnterpriseWeb.zip"))
    run = lab.playbook(os.path.join(ROOT, "playbooks", "web_components.yml"),
                       "-e", "web_components_smoke_test=false", "-e", "web_components_chat_uses_tls=false",
                       extra={"web_components_kit": kit, "web_components_port": 6021})
    assert run.rc == 0, run.stdout[-3000:]
    assert run.result("Test the demo pages and the Web Interaction port (§4.2.x.2-4; not in check mode, where nothing "
                      "was deployed)", "lab-web-iis").get("skipped") is True
    ini = lab.here("C:\\inetpub\\HPPC\\HPWC.ini")
    with open(ini, encoding="latin-1") as handle:
        assert "ChatUsesSSL=false" in handle.read()


def test_email_server_check_false_skips_the_proof(tmp_path):
    lab = Lab(tmp_path / "lab", "lab-domino")
    run = lab.playbook(os.path.join(ROOT, "playbooks", "email_server.yml"), "-e", "email_server_check=false",
                       limit="lab-domino", extra={"email_server_password": mailpeers.PASSWORD})
    assert run.rc == 0, run.stdout[-3000:]
    assert run.result("Prove the account over IMAP4 and SMTP", "lab-domino").get("skipped") is True


def test_wallboard_test_port_false_skips_the_port_test(tmp_path):
    lab = Lab(tmp_path / "lab", "lab-wallboard-1")
    run = lab.playbook(os.path.join(ROOT, "playbooks", "wallboard.yml"), "-e", "wallboard_test_port=false",
                       "-e", "wallboard_converter_type=tunnel", limit="lab-wallboard-1")
    assert run.rc == 0, run.stdout[-3000:]
    assert run.result("Test the wallboard port for a TCP connection", "lab-wallboard-1").get("skipped") is True


@pytest.mark.skipif(not ldappeer.available(), reason="slapd is installed by scripts/setup")
def test_presence_validate_certs_false_accepts_an_untrusted_certificate(tmp_path):
    directory = ldappeer.Slapd().start()
    try:
        lab = Lab(tmp_path / "lab", "lab-ldap")
        other_ca = mailpeers.make_ca(str(tmp_path / "other"))[0]
        users = [{"dn": f"uid=jonas.keller,ou=people,{ldappeer.SUFFIX}", "user_name": "jkeller"}]
        run = lab.playbook(os.path.join(ROOT, "playbooks", "presence.yml"), "-e", "presence_validate_certs=false",
                           limit="lab-ldap", extra={"presence_server_uri": directory.uri, "presence_ca_file": other_ca,
                                                    "presence_users": users})
    finally:
        directory.stop()
    assert run.rc == 0, run.stdout[-3000:]
    assert run.result("Set the presence fields of the users", "lab-ldap")["changed"]


def test_informix_restore_confirm_false_refuses_with_one_line(tmp_path):
    lab = Lab(tmp_path / "lab", "lab-main")
    run = lab.playbook(os.path.join(ROOT, "playbooks", "restore.yml"), "-e", "informix_restore_confirm=false",
                       "-e", "oscc_restore_replication_preflight=false", limit="lab-main")  # no partners built here
    assert run.rc != 0
    msg = run.result("Refuse to restore without confirmation", "lab-main")["msg"]
    assert msg.startswith("informix_restore_confirm must be true") and len(msg.splitlines()) == 1


def test_informix_backup_verify_false_takes_an_unverified_backup(tmp_path):
    lab = Lab(tmp_path / "lab", "lab-main")
    run = lab.playbook(os.path.join(ROOT, "playbooks", "backup.yml"), "-e", "informix_backup_verify=false",
                       limit="lab-main")
    assert run.rc == 0, run.stdout[-3000:]
    assert run.result("Take the backup at level 0", "lab-main")["verified"] is False
