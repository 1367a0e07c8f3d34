"""mail_check against a real Dovecot and Postfix on loopback (manual chapter 3)."""
import json
import os
import subprocess

import mailpeers
import ports
import pytest
from playbook_lab import INVENTORY, ROOT, Lab

pytestmark = pytest.mark.skipif(not mailpeers.available(), reason="Dovecot and Postfix are installed by scripts/setup")


def start(**options):
    return mailpeers.MailPeers(**options).start()


def args(pair, **extra):
    return {"imap_host": "localhost", "imap_port": pair.imaps_port, "imap_security": "tls", "smtp_host": "localhost",
            "smtp_port": pair.submission_port, "smtp_security": "starttls", "username": mailpeers.USER,
            "password": mailpeers.PASSWORD, "ca_file": pair.ca_file, "imap_sessions": 20,
            "report_sender": mailpeers.REPORT_SENDER, "timeout": 15, **extra}


def statuses(result):
    return {c["name"]: c["status"] for c in result["checks"]}


def test_a_correct_setup_passes_every_check_and_leaves_no_test_message(linux_lab, peers, tmp_path):
    _, result = linux_lab.task("oscc.admin.mail_check", args(peers), tmp_path)
    assert not result.get("failed"), result
    assert statuses(result) == dict.fromkeys(["imap_login", "imap_tls", "imap_sessions", "smtp_submission",
                                              "custom_headers", "imap_search", "report_sender"], "ok")
    assert result["failed_checks"] == [] and result["cleaned"] == 2
    assert peers.maildir_messages() == []


def test_starttls_on_the_plain_port(linux_lab, peers, tmp_path):
    _, result = linux_lab.task("oscc.admin.mail_check", args(peers, imap_port=peers.imap_port, imap_security="starttls",
                                                             checks=["imap_login", "imap_tls"]), tmp_path)
    assert statuses(result) == {"imap_login": "ok", "imap_tls": "ok"}
    assert "starttls: TLSv1" in result["checks"][1]["detail"]


def test_a_server_that_strips_custom_headers_fails_exactly_that_check(linux_lab, tmp_path):
    stripping = start(strip_headers=True)
    try:
        _, result = linux_lab.task("oscc.admin.mail_check", args(stripping), tmp_path)
    finally:
        stripping.stop()
    assert result["failed"] and result["failed_checks"] == ["custom_headers"]
    detail = result["checks"][4]["detail"]
    assert "X-OSCC-Queue removed" in detail and "§3.1" in detail


def test_a_session_limit_of_5_is_reported_against_20(linux_lab, tmp_path):
    limited = start(max_userip_connections=5)
    try:
        _, result = linux_lab.task("oscc.admin.mail_check", args(limited), tmp_path)
    finally:
        limited.stop()
    assert result["failed_checks"] == ["imap_sessions"]
    assert "allowed 5 concurrent IMAP sessions; OSCC is set to open 20" in result["checks"][2]["detail"]


FAULTS = {
    "wrong password": ({"password": "wrong"}, "IMAP localhost:{imaps} refused: [AUTHENTICATIONFAILED]"),
    "other ca": ({"ca_file": "other-ca"}, "TLS certificate of IMAP localhost:{imaps} is not trusted"),
    "closed port": ({"imap_port": "closed"}, "connection refused (port closed or server down)"),
}


@pytest.fixture(scope="module")
def fault_results(peers, tmp_path_factory):
    """Every row of FAULTS as a task of one playbook (each fails at the login, so none sends anything)."""
    tmp_path = tmp_path_factory.mktemp("mail-faults")
    changes = []
    for change, _words in FAULTS.values():
        extra = dict(change)
        if change.get("ca_file") == "other-ca":
            extra["ca_file"] = mailpeers.make_ca(str(tmp_path / "other"))[0]
        if change.get("imap_port") == "closed":
            extra["imap_port"] = ports.free_port()
        changes.append(("oscc.admin.mail_check", args(peers, checks=["imap_login", "imap_sessions"], **extra)))
    return dict(zip(FAULTS, Lab(tmp_path / "lab", "lab-linux").tasks(changes, tmp_path)[1]))


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_gets_its_own_reason(fault_results, peers, fault):
    result, words = fault_results[fault], FAULTS[fault][1]
    assert result["failed_checks"] == ["imap_login", "imap_sessions"]
    assert result["checks"][1] == {"name": "imap_sessions", "status": "failed",
                                   "detail": "not run: it needs imap_login, which failed"}
    assert words.format(imaps=peers.imaps_port) in result["checks"][0]["detail"]


def test_a_sender_the_account_may_not_use_is_named(linux_lab, peers, tmp_path):
    _, result = linux_lab.task("oscc.admin.mail_check", args(peers, report_sender=mailpeers.FOREIGN_SENDER,
                                                             checks=["report_sender"]), tmp_path)
    assert result["failed_checks"] == ["report_sender"]
    assert f"refused {mailpeers.FOREIGN_SENDER} as sender" in result["checks"][0]["detail"]


def test_check_mode_sends_nothing_and_the_password_never_shows(linux_lab, peers, tmp_path):
    run, result = linux_lab.task("oscc.admin.mail_check", args(peers), tmp_path, check=True)
    assert statuses(result)["smtp_submission"] == "skipped" and statuses(result)["imap_sessions"] == "ok"
    assert peers.maildir_messages() == []
    play = os.path.join(str(tmp_path), "play-mail_check.yml")
    verbose = subprocess.run(["ansible-playbook", "-vvv", "-i", INVENTORY, play, "-l", "lab-linux", "--check",
                              "-e", json.dumps({"oscc_lab_root": linux_lab.root})],
                             env=dict(linux_lab.env, ANSIBLE_STDOUT_CALLBACK="default"), capture_output=True, text=True,
                             cwd=ROOT)
    assert verbose.returncode == 0 and "imap_sessions" in verbose.stdout
    assert mailpeers.PASSWORD not in run.stdout + run.stderr + verbose.stdout + verbose.stderr


def test_bad_input_is_named(linux_lab, peers, tmp_path):
    _, result = linux_lab.task("oscc.admin.mail_check", args(peers, custom_headers={"Subject": "x"}), tmp_path)
    assert result["failed"] and result["msg"].startswith("custom_headers: names start with X-")
