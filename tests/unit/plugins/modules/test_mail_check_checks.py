"""mail_check: a check asked for that cannot run fails naming what it needs; it is never `skipped` in an ok task."""
import pytest

from ansible_collections.oscc.admin.plugins.modules import mail_check

PARAMS = {"imap_host": "mail.invalid", "imap_port": 993, "imap_security": "tls", "smtp_host": None, "smtp_port": None,
          "smtp_security": "starttls", "smtp_auth": True, "username": "oscc@mail.invalid", "password": "x",
          "ca_file": None, "imap_sessions": 1, "custom_headers": {"X-OSCC-Queue": "Support"}, "test_recipient": None,
          "report_sender": "reports@mail.invalid", "checks": None, "timeout": 1}


class Failed(Exception):
    pass


class Module:
    """What checks_to_run uses of AnsibleModule."""

    def __init__(self, **params):
        self.params = {**PARAMS, **params}
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, msg):
        raise Failed(msg)


def run(names, failing=(), check_mode=False):
    """The checks run with every check's own work replaced: those in `failing` fail, the others pass."""
    checker = mail_check.MailCheck(dict(PARAMS), check_mode=check_mode)
    ran = []

    def fake(name):
        def check():
            ran.append(name)
            if name in failing:
                raise mail_check.CheckFailed(f"{name} broke")
            if check_mode and name in ("smtp_submission", "report_sender"):
                return None, "check mode: nothing is sent"
            return f"{name} fine"
        return check

    for name in mail_check.ALL_CHECKS:
        setattr(checker, f"check_{name}", fake(name))
    checker.run(names)
    return {r["name"]: (r["status"], r["detail"]) for r in checker.results}, ran


def test_a_check_whose_message_was_not_sent_fails_naming_smtp_submission():
    results, ran = run(mail_check.ALL_CHECKS, failing={"smtp_submission"})
    assert results["custom_headers"] == ("failed", "not run: it needs smtp_submission, which failed")
    assert results["imap_search"] == ("failed", "not run: it needs smtp_submission, which failed")
    assert results["report_sender"] == ("ok", "report_sender fine") and "custom_headers" not in ran


def test_after_a_failed_login_the_checks_that_log_in_fail_naming_it():
    results, ran = run(mail_check.ALL_CHECKS, failing={"imap_login"})
    for name in ("imap_sessions", "custom_headers", "imap_search"):
        assert results[name] == ("failed", "not run: it needs imap_login, which failed")
    assert results["imap_tls"] == ("ok", "imap_tls fine")  # it does not log in
    assert "skipped" not in {status for status, _detail in results.values()}


def test_only_check_mode_skips_and_says_why():
    results, _ran = run(mail_check.ALL_CHECKS, check_mode=True)
    assert results["smtp_submission"] == ("skipped", "check mode: nothing is sent")
    assert results["custom_headers"] == ("skipped", "check mode: smtp_submission sent no test message to read back")
    assert results["imap_sessions"] == ("ok", "imap_sessions fine")
    assert {s for s, _d in run(mail_check.ALL_CHECKS)[0].values()} == {"ok"}


@pytest.mark.parametrize("params, message", [
    ({"checks": ["custom_headers"]}, "checks: custom_headers needs smtp_submission, which sends the test message it "
                                     "reads back; add smtp_submission to checks"),
    ({"checks": ["imap_login", "imap_search"]}, "checks: imap_search needs smtp_submission, which sends the test "
                                                "message it reads back; add smtp_submission to checks"),
    ({"checks": ["report_sender"], "report_sender": None},
     "checks: report_sender needs the report_sender option, the From address of reports; give it or leave "
     "report_sender out of checks"),
    ({"checks": ["imap_tls"], "imap_security": "none"},
     "checks: imap_tls needs imap_security tls or starttls, got none; give it or leave imap_tls out of checks"),
    ({"checks": ["smtp_submission", "custom_headers"], "custom_headers": {}},
     "checks: custom_headers needs at least one header in custom_headers; "
     "give it or leave custom_headers out of checks"),
])
def test_a_check_asked_for_that_cannot_run_fails_the_task_at_once(params, message):
    with pytest.raises(Failed) as failed:
        mail_check.checks_to_run(Module(**params))
    assert str(failed.value) == message


def test_by_default_every_check_that_applies_runs_in_order():
    assert mail_check.checks_to_run(Module()) == mail_check.ALL_CHECKS
    module = Module(imap_security="none", report_sender=None, custom_headers={})
    assert mail_check.checks_to_run(module) == ["imap_login", "imap_sessions", "smtp_submission", "imap_search"]
    assert module.warnings == ["imap_security is none: the IMAP session is not encrypted, and imap_tls is not checked"]
    assert mail_check.checks_to_run(Module(checks=["report_sender", "imap_login"])) == ["imap_login", "report_sender"]
