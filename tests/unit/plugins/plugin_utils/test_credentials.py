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


PENDING_A = {"informix": {"fingerprint": "a", "startup_configuration": "pending", "changed": "2026-12-01T08:00:00Z"}}
NAMES = cr.service_names("ol_main")


def test_a_pending_informix_change_holds_back_a_run_that_does_not_confirm_it():
    assert cr.held_back(PENDING_A, {"hppc": "h"}) == ("informix",)
    assert cr.held_back(PENDING_A, {"informix": "a"}) == ()
    assert cr.held_back({"informix": {"fingerprint": "a", "startup_configuration": "confirmed"}}, {"hppc": "h"}) == ()
    message = cr.held_back_message(PENDING_A, ("informix",))
    assert "2026-12-01T08:00:00Z" in message and "tcfmain" in message and "OSCC is not started" in message


def test_a_different_password_reopens_only_a_pending_checkpoint():
    assert cr.reopened(PENDING_A, {"informix": "b"}) == ("informix",)
    assert cr.reopened(PENDING_A, {"informix": "a"}) == ()
    assert cr.reopened({}, {"informix": "b"}) == ()  # nothing pending: the one-run confirmation stays
    confirmed = {"informix": {"fingerprint": "a", "startup_configuration": "confirmed"}}
    assert cr.reopened(confirmed, {"informix": "b"}) == ()


def test_oscc_starts_only_with_its_database_running_or_started_first():
    assert cr.database_problem(("oscc", "autopa"), set(), NAMES).startswith("Informix IDS - ol_main is not running")
    assert cr.database_problem(("oscc", "autopa"), {"ids"}, NAMES) is None
    assert cr.database_problem(cr.START_ORDER, set(), NAMES) is None
    assert cr.database_problem(("message", "ids", "snmp"), set(), NAMES) is None


def test_the_summary_says_would_in_check_mode():
    out = {"users": ["hppc"], "stopped": ["A"], "started": [], "startup_configuration_pending": False}
    assert cr.summary(out, False) == "passwords set: hppc; stopped: A; started: none"
    assert cr.summary(out, True) == "would set the passwords of: hppc; would stop: A; would start: none"
    held = dict(out, startup_configuration_pending=True, stops_at_checkpoint=True)
    assert cr.summary(held, True).endswith("a real run would stop at the operator's startup configuration checkpoint "
                                           "(§6.2 steps 10-13)")
    assert cr.summary(dict(out, reopened=True), False).endswith(cr.REOPENED)
