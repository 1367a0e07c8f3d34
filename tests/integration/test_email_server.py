"""Role email_server: Exchange on the lab's simulated Exchange Management Shell, the proof against a
real Dovecot and Postfix, the cloud limits (manual chapter 3)."""
import json
import os
import subprocess

import googleapi
import labctl
import mailpeers
import pytest
from playbook_lab import INVENTORY, ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "email_server.yml")
HOST = "lab-exchange"


def make_run(tmp_path, peers, version="15.0", host=HOST):
    lab = Lab(tmp_path / "lab", host, exchange_version=version)
    labctl.init_host(lab.root, "main", "ol_main", platform="windows")  # where osccmseheaders.exe runs (§3.4.1)
    # Dovecot and Postfix stand where the proof would reach Exchange or Office 365.
    values = {"email_server_password": mailpeers.PASSWORD, "email_server_imap_host": "localhost",
              "email_server_smtp_host": "localhost",
              "email_server_imap_port": peers.imaps_port, "email_server_smtp_port": peers.submission_port,
              "email_server_ca_file": peers.ca_file, "email_server_report_sender": mailpeers.REPORT_SENDER,
              "email_server_aliases": ["service@lab.invalid"]}
    if host == HOST:
        values["email_server_report_mailboxes"] = ["agent1@lab.invalid"]

    def play(*args, **extra):
        return lab.playbook(PLAYBOOK, *args, limit=host, extra={**values, **extra})

    play.lab, play.values = lab, values
    return play


# Cmdlets that read or open a session, and the common parameters every planned cmdlet gets (no prompt, stop on error).
NOT_CHANGES = ("Get-", "Connect-", "Disconnect-")
COMMON = ("Confirm", "ErrorAction")


def applied(run):
    """The cmdlets and parameters the role sent to the Exchange server to change it, in order."""
    calls = labctl.windows_state(run.lab.root, run.lab.host)["calls"]
    return [(op["name"], {k: v for k, v in op.get("parameters", {}).items() if k not in COMMON})
            for c in calls for op in c["args"].get("batch", {}).get("ops", [])
            if op["op"] == "cmdlet" and not op["name"].startswith(NOT_CHANGES)]


def test_exchange_2013_gets_what_the_manual_requires_then_nothing_changes(tmp_path, peers):
    run = make_run(tmp_path, peers)
    first = run()
    assert first.rc == 0, first.stdout[-3000:]
    sent = applied(run)
    assert ("New-ThrottlingPolicy", {"Name": "OSCC", "ImapMaxBurst": 8000000, "ImapRechargeRate": 8000000}) in sent
    assert ("Set-ThrottlingPolicyAssociation", {"Identity": "oscc@lab.invalid", "ThrottlingPolicy": "OSCC"}) in sent
    assert ("Set-TransportConfig", {"ShadowRedundancyEnabled": False}) in sent
    assert ("Set-TransportConfig", {"HeaderPromotionModeSetting": "MayCreate"}) in sent
    assert ("Set-ImapSettings", {"LoginType": "SecureLogin"}) in sent
    assert ("Set-ReceiveConnector", {"Identity": "Client Frontend LAB-EXCHANGE",
                                     "AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"}) in sent
    assert ("Add-ADPermission", {"Identity": mailpeers.REPORT_SENDER, "User": "oscc@lab.invalid",
                                 "ExtendedRights": "Send As"}) in sent
    assert ("Add-MailboxPermission", {"Identity": "agent1@lab.invalid", "User": "oscc@lab.invalid",
                                      "AccessRights": "FullAccess", "InheritanceType": "All"}) in sent
    assert ("Set-Mailbox", {"Identity": "oscc@lab.invalid",
                            "EmailAddresses": {"Add": ["smtp:service@lab.invalid"]}}) in sent
    headers = first.result("Define the custom headers with osccmseheaders.exe on the main server", HOST)
    assert headers["changed"] and "The special message was sent." in headers["output"]
    assert headers["record"] == labctl.OSCC_DIR + "\\osccmseheaders.oscc-done.json"
    assert os.path.exists(labctl.to_here(os.path.join(run.lab.root, "main"), headers["record"]))
    proof = first.result("Prove the account over IMAP4 and SMTP", HOST)
    assert proof["failed_checks"] == [] and len(proof["checks"]) == 7
    second = run()
    assert second.rc == 0 and second.stats(HOST)["changed"] == 0
    assert len(applied(run)) == len(sent)  # nothing more was sent


def test_exchange_2007_forwards_each_alias_and_has_no_throttling_policy(tmp_path, peers):
    run = make_run(tmp_path, peers, version="8.3")
    done = run(email_server_check=False)
    assert done.rc == 0, done.stdout[-3000:]
    cmdlets = [c for c, _p in applied(run)]
    assert "New-ThrottlingPolicy" not in cmdlets and "Set-TransportConfig" in cmdlets
    assert ("New-Mailbox", {"Name": "service", "Shared": True,
                            "PrimarySmtpAddress": "service@lab.invalid"}) in applied(run)
    assert ("Set-Mailbox", {"Identity": "service@lab.invalid", "ForwardingAddress": "oscc@lab.invalid",
                            "DeliverToMailboxAndForward": False}) in applied(run)
    assert run(email_server_check=False).stats(HOST)["changed"] == 0


def test_check_mode_lists_the_steps_and_sends_nothing(tmp_path, peers):
    run = make_run(tmp_path, peers)
    planned = run("--check", email_server_check=False)
    assert planned.rc == 0
    steps = planned.result("Prepare Exchange for the OSCC account", HOST)["steps"]
    assert steps and all(s["why"] for s in steps) and applied(run) == []


@pytest.mark.parametrize("extra, words", [
    ({"email_server_mail_system": "office365", "email_server_max_message_rate": 31},
     "email_server_max_message_rate must be at most 30 for Office 365"),
    ({"email_server_mail_system": "office365", "email_server_imap_sessions": 21}, "at most 20 for Office 365"),
    ({"email_server_mail_system": "google_workspace", "email_server_imap_sessions": 16},
     "email_server_imap_sessions must be at most 15 for Google Workspace"),
    ({"email_server_account": "oscc"}, "email_server_account must be the OSCC account's e-mail address"),
    ({"email_server_account": "nobody@lab.invalid"}, "mailbox nobody@lab.invalid does not exist"),
    ({"email_server_headers_program": ""}, "email_server_headers_program must name osccmseheaders.exe"),
])
def test_limits_and_bad_input_are_refused(tmp_path, peers, extra, words):
    run = make_run(tmp_path, peers)
    failed = run(**extra)
    assert failed.rc != 0
    messages = [r.get("msg", "") for _n, r in failed.results(HOST) if r.get("failed")]
    assert len(messages) == 1 and words in messages[0], messages
    assert applied(run) == []


def test_the_password_never_shows_even_with_vvv(tmp_path, peers):
    run = make_run(tmp_path, peers)

    verbose = subprocess.run(["ansible-playbook", "-vvv", "-i", INVENTORY, PLAYBOOK, "-l", HOST, "-e",
                              json.dumps({"oscc_lab_root": run.lab.root, **run.values})],
                             env=dict(run.lab.env, ANSIBLE_STDOUT_CALLBACK="default"), capture_output=True, text=True,
                             cwd=ROOT)
    assert verbose.returncode == 0, verbose.stdout[-2000:]
    assert mailpeers.PASSWORD not in verbose.stdout + verbose.stderr
    assert mailpeers.PASSWORD not in open(os.path.join(run.lab.paths["base"], "windows.json")).read()


def test_office365_gets_imap_smtp_auth_aliases_and_send_as_then_nothing_changes(tmp_path, peers):
    run = make_run(tmp_path, peers, host="lab-office365")
    first = run()
    assert first.rc == 0, first.stdout[-3000:]
    assert applied(run) == [
        ("Set-Mailbox", {"Identity": "oscc@lab.invalid", "EmailAddresses": {"Add": ["smtp:service@lab.invalid"]}}),
        ("Set-CASMailbox", {"Identity": "oscc@lab.invalid", "ImapEnabled": True}),
        ("Set-CASMailbox", {"Identity": "oscc@lab.invalid", "SmtpClientAuthenticationDisabled": False}),
        ("Add-RecipientPermission", {"Identity": mailpeers.REPORT_SENDER, "Trustee": "oscc@lab.invalid",
                                     "AccessRights": "SendAs"})]
    checklist = first.result("List the steps no module can take here", "lab-office365")["msg"]
    assert len(checklist) == 2 and "Exchange" not in " ".join(checklist)
    assert first.result("Prove the account over IMAP4 and SMTP", "lab-office365")["failed_checks"] == []
    second = run(email_server_check=False)
    assert second.rc == 0 and second.stats("lab-office365")["changed"] == 0 and len(applied(run)) == 4


@pytest.mark.parametrize("extra, words", [
    ({"email_server_office365_app_id": "00000000-0000-0000-0000-000000000000"},
     "Connect-ExchangeOnline to lab.onmicrosoft.com failed"),
    ({"email_server_account": "nobody@lab.invalid"}, "create and license the account first (manual §3.2)"),
    ({"email_server_office365_certificate_thumbprint": "abc"}, "certificate_thumbprint must be the 40 hex digits"),
])
def test_office365_faults_are_named_and_nothing_is_set(tmp_path, peers, extra, words):
    run = make_run(tmp_path, peers, host="lab-office365")
    failed = run(email_server_check=False, **extra)
    messages = [r.get("msg", "") for _n, r in failed.results("lab-office365") if r.get("failed")]
    assert failed.rc != 0 and len(messages) == 1 and words in messages[0], messages
    assert applied(run) == []


def test_office365_without_a_tenant_lists_what_to_do_by_hand(tmp_path, peers):
    run = make_run(tmp_path, peers, host="lab-office365")
    done = run(email_server_check=False, email_server_office365_organization="")
    assert done.rc == 0 and applied(run) == []
    checklist = done.result("List the steps no module can take here", "lab-office365")["msg"]
    assert any("Add-RecipientPermission -AccessRights SendAs" in step for step in checklist)


def test_google_workspace_gets_imap_and_the_report_sender_then_nothing_changes(tmp_path, peers):
    google = googleapi.GoogleApi().start()
    try:
        run = make_run(tmp_path, peers, host="lab-google")
        extra = {"email_server_google_service_account_file": google.write_key(tmp_path / "key.json"),
                 "email_server_google_api_url": google.url}
        first = run(**extra)
        assert first.rc == 0, first.stdout[-3000:]
        settings = first.result("Enable IMAP and the report sender for the OSCC account in Google Workspace",
                                "lab-google")
        assert settings["changed"] and settings["imap"]["enabled"]
        assert settings["send_as"]["sendAsEmail"] == mailpeers.REPORT_SENDER
        checklist = first.result("List the steps no module can take here", "lab-google")["msg"]
        assert len(checklist) == 3 and not any("enable IMAP" in step for step in checklist)
        assert "add service@lab.invalid as alternate addresses of the account" in checklist[2]
        assert first.result("Prove the account over IMAP4 and SMTP", "lab-google")["failed_checks"] == []
        second = run(email_server_check=False, **extra)
        assert second.rc == 0 and second.stats("lab-google")["changed"] == 0
    finally:
        google.stop()
