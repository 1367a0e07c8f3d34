"""The pure rules and plan of manual §6.2 (plugins/plugin_utils/_host/credentials.py)."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host import credentials as cr


@pytest.mark.parametrize("password, rule", [
    ("A" * 17, "17 characters long"), ("two words", "contains a space"), ("tab\there", "control character"),
    ("nul\0", "control character"), ("line\nbreak", "control character"), ("", "non-empty"),
])
def test_informix_rules_name_the_rule_never_the_value(password, rule):
    problem = cr.password_problem("informix", password)
    assert rule in problem
    assert not password or password not in problem


def test_sixteen_characters_without_spaces_pass():
    assert cr.password_problem("informix", "A" * 16) is None
    assert cr.password_problem("hppc", "OSCC password with spaces and 20+ characters") is None
    assert "control character" in cr.password_problem("hppc", "a\rb")


def test_the_plan_stops_oscc_before_informix_and_starts_it_after():
    both = cr.plan(("informix", "hppc"))
    assert both.users == ("hppc", "informix")
    assert both.stop == ("oscc", "autopa", "message", "ids", "snmp")
    assert both.logon == (("oscc", "hppc"), ("autopa", "hppc"), ("ids", "informix"), ("snmp", "informix"))
    assert both.start == ("message", "ids", "snmp", "oscc", "autopa")
    assert both.startup_configuration
    hppc = cr.plan(("hppc",))
    assert hppc.stop == ("oscc", "autopa") and not hppc.startup_configuration
    assert cr.plan(()).stop == ()
    with pytest.raises(cr.CredentialsError):
        cr.plan(("administrator",))


def test_service_names_follow_the_manual_or_the_inventory():
    names = cr.service_names("ol_oscc1")
    assert names["ids"] == "Informix IDS - ol_oscc1"
    assert cr.service_names("ol_x", {"ids": "IBM Informix Database Server - ol_x"})["ids"].startswith("IBM")
    with pytest.raises(cr.CredentialsError, match="unknown key"):
        cr.service_names("ol_x", {"informix": "x"})


def test_fingerprints_are_keyed_and_make_the_second_run_a_no_op():
    key = "k" * 16
    first = cr.fingerprint(key, "lab-main", "informix", "Secret1")
    assert first == cr.fingerprint(key, "lab-main", "informix", "Secret1")
    assert first != cr.fingerprint("x" * 16, "lab-main", "informix", "Secret1")
    assert first != cr.fingerprint(key, "lab-backup", "informix", "Secret1")
    accounts = cr.changed_accounts({}, {"informix": first}, ("informix",), key, "now")
    assert cr.due(accounts, {"informix": first}) == ()
    assert cr.due(accounts, {"informix": "other"}) == ("informix",)
    assert cr.pending(accounts, ("informix",)) and not cr.pending(cr.confirmed_accounts(accounts), ("informix",))
    text = cr.record_text(accounts)
    assert "Secret1" not in text and cr.read_record(text) == accounts
    with pytest.raises(cr.CredentialsError):
        cr.read_record("{not json")


def test_a_short_key_is_refused():
    assert "16 characters" in cr.key_problem("short")
    assert cr.key_problem("a key of sixteen+") is None
