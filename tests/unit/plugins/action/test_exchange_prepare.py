"""exchange_prepare's decisions from what the Exchange Management Shell reports (manual §3.4, §3.4.1, §3.7, §3.8)."""
import pytest
from windows_host import FakeHost, run_action

from ansible_collections.oscc.admin.plugins.action.exchange_prepare import ActionModule
from ansible_collections.oscc.admin.plugins.plugin_utils._mail import exchange

ACCOUNT = "oscc@contact.example"
ARGS = {"account": ACCOUNT, "aliases": ["service@contact.example"], "receive_connector": "Client Frontend EXCH01",
        "report_sender": "reports@contact.example", "report_mailboxes": ["agent1@contact.example"]}
SNAPIN_2013, SNAPIN_2010, SNAPIN_2007 = (name for name, _family in exchange.SNAPINS)
SELF = {"User": "NT AUTHORITY\\SELF", "ExtendedRights": ["Send-As"], "AccessRights": ["FullAccess, ReadPermission"],
        "Deny": False}
MAILBOX = {"Identity": "contact.example/Users/OSCC", "SamAccountName": "oscc",
           "EmailAddresses": [f"SMTP:{ACCOUNT}"]}


def organisation(version="15.0", snapin=SNAPIN_2013):
    """An Exchange server as the manual finds it before §3.4: the account exists, nothing is set."""
    return {"Get-PSSnapin": [{"Name": snapin}, {"Name": "SqlServerCmdletSnapin100"}],
            "Get-ExchangeServer": [{"Name": "EXCH02", "AdminDisplayVersion": "Version 14.3 (Build 123.4)"},
                                   {"Name": "EXCH01", "AdminDisplayVersion": f"Version {version} (Build 1497.2)"}],
            ("Get-Mailbox", ACCOUNT): [MAILBOX], ("Get-Mailbox", "service@contact.example"): [],
            "Get-ThrottlingPolicy": [], ("Get-ThrottlingPolicyAssociation", ACCOUNT): [{"ThrottlingPolicyId": None}],
            "Get-TransportConfig": [{"ShadowRedundancyEnabled": True, "HeaderPromotionModeSetting": "NoCreate"}],
            "Get-ImapSettings": [{"LoginType": "PlainTextLogin"}],
            "Get-ReceiveConnector": [{"AuthMechanism": "Tls, Integrated"}],
            "Get-ADPermission": [SELF], "Get-MailboxPermission": [SELF]}


def prepared(version="15.0", snapin=SNAPIN_2013):
    """The same server once exchange_prepare ran."""
    granted = {"User": "CONTACT\\oscc", "ExtendedRights": ["Send-As"], "AccessRights": ["FullAccess"], "Deny": False}
    return {**organisation(version, snapin),
            ("Get-Mailbox", ACCOUNT): [{**MAILBOX,
                                        "EmailAddresses": [f"SMTP:{ACCOUNT}", "smtp:service@contact.example"]}],
            ("Get-Mailbox", "service@contact.example"): [{"Identity": "contact.example/Users/service",
                                                          "ForwardingAddress": "contact.example/Users/OSCC"}],
            "Get-ThrottlingPolicy": [{"ImapMaxBurst": "8000000", "ImapRechargeRate": "Unlimited"}],
            ("Get-ThrottlingPolicyAssociation", ACCOUNT): [{"ThrottlingPolicyId": "OSCC"}],
            "Get-TransportConfig": [{"ShadowRedundancyEnabled": False, "HeaderPromotionModeSetting": "MayCreate"}],
            "Get-ImapSettings": [{"LoginType": "SecureLogin"}],
            "Get-ReceiveConnector": [{"AuthMechanism": "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"}],
            "Get-ADPermission": [SELF, granted], "Get-MailboxPermission": [SELF, granted]}


def run(monkeypatch, host, check_mode=False, **args):
    return run_action(monkeypatch, ActionModule, host, {**ARGS, **args}, check_mode, "oscc.admin.exchange_prepare")


def test_exchange_2013_is_read_in_one_batch_and_prepared_in_a_second(monkeypatch):
    host = FakeHost(organisation())
    result = run(monkeypatch, host)
    assert result["changed"] and result["version"] == "15.0" and not result.get("failed"), result
    assert len(host.batches) == 2 and host.batches[0]["read_only"] and not host.batches[1]["read_only"]
    assert all(op["snapin"] == SNAPIN_2013 for op in host.batches[0]["ops"][2:] + host.batches[1]["ops"])
    assert host.batches[0]["ops"][1]["name"] == "Get-PSSnapin" and "snapin" not in host.batches[0]["ops"][1]
    assert result["done"] == host.cmdlets(1) == ["Set-Mailbox", "New-ThrottlingPolicy",
                                                 "Set-ThrottlingPolicyAssociation", "Set-TransportConfig",
                                                 "Set-TransportConfig", "Set-ImapSettings",
                                                 "Set-ReceiveConnector", "Add-ADPermission", "Add-MailboxPermission"]
    first = host.batches[1]["ops"][0]["parameters"]
    assert first == {"Identity": ACCOUNT, "EmailAddresses": {"Add": ["smtp:service@contact.example"]}, "Confirm": False,
                     "ErrorAction": "Stop"}


def test_check_mode_lists_the_steps_and_sends_no_change(monkeypatch):
    host = FakeHost(organisation())
    result = run(monkeypatch, host, check_mode=True)
    assert result["changed"] and len(result["steps"]) == 9 and "done" not in result
    assert len(host.batches) == 1 and all(n.startswith("Get-") for n in host.cmdlets(0))


@pytest.mark.parametrize("version, snapin", [("15.0", SNAPIN_2013), ("14.3", SNAPIN_2010), ("8.3", SNAPIN_2007)])
def test_the_after_state_plans_nothing(monkeypatch, version, snapin):
    host = FakeHost(prepared(version, snapin))
    result = run(monkeypatch, host)
    assert not result["changed"] and result["steps"] == [] and "done" not in result, result
    assert all(n.startswith("Get-") for b in range(len(host.batches)) for n in host.cmdlets(b))


def test_exchange_2007_is_read_again_through_its_own_snap_in_and_forwards_each_alias(monkeypatch):
    answers = organisation("8.3", SNAPIN_2007)
    answers["Get-ExchangeServer"] = f"The Windows PowerShell snap-in '{SNAPIN_2013}' is not installed on this computer."
    host = FakeHost(answers)
    assert run(monkeypatch, host, check_mode=True)["failed"]  # the guessed snap-in failed and the answer stays so
    answers = organisation("8.3", SNAPIN_2007)
    host = FakeHost(answers)
    result = run(monkeypatch, host)
    assert [b["ops"][2]["snapin"] for b in host.batches] == [SNAPIN_2013, SNAPIN_2007, SNAPIN_2007]
    assert "Get-ThrottlingPolicy" not in host.cmdlets(1) and "Get-Mailbox" in host.cmdlets(1)[2:]
    assert [(s["cmdlet"], s["parameters"]) for s in result["steps"]][:2] == [
        ("New-Mailbox", {"Name": "service", "Shared": True, "PrimarySmtpAddress": "service@contact.example"}),
        ("Set-Mailbox", {"Identity": "service@contact.example", "ForwardingAddress": ACCOUNT,
                         "DeliverToMailboxAndForward": False})]


def test_a_host_without_the_shell_is_told_so(monkeypatch):
    host = FakeHost({"Get-PSSnapin": [], "Get-ExchangeServer": "The Windows PowerShell snap-in 'x' is not installed"})
    result = run(monkeypatch, host)
    assert result["failed"] and result["msg"] == "the Exchange Management Shell is not on this host"


def test_a_missing_account_is_named_even_though_later_reads_failed_for_want_of_it(monkeypatch):
    host = FakeHost({**organisation(), ("Get-Mailbox", ACCOUNT): [],
                     ("Get-ThrottlingPolicyAssociation", ACCOUNT): "The operation couldn't be performed because object "
                                                                   f"'{ACCOUNT}' couldn't be found on 'dc1'."})
    result = run(monkeypatch, host)
    assert result["failed"] and f"mailbox {ACCOUNT} does not exist" in result["msg"] and len(host.batches) == 1


def test_a_host_that_is_no_exchange_server_of_the_organisation_is_named(monkeypatch):
    host = FakeHost(organisation(), computer="MGMT01")
    result = run(monkeypatch, host)
    assert result["failed"] and result["msg"].startswith("this host (MGMT01) is not one of the organisation's Exchange "
                                                         "servers (EXCH02, EXCH01)")


def test_a_failed_cmdlet_is_one_line_with_what_ran_before_it(monkeypatch):
    host = FakeHost({**organisation(), "Set-ImapSettings": "Active Directory operation failed on dc1.\r\nThe object "
                                                           "does not exist."})
    result = run(monkeypatch, host)
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"] == ("Set-ImapSettings failed: Active Directory operation failed on dc1. The object does not "
                             "exist. (done before it: Set-Mailbox, New-ThrottlingPolicy, "
                             "Set-ThrottlingPolicyAssociation, "
                             "Set-TransportConfig, Set-TransportConfig)")


def test_only_the_allowed_cmdlets_and_parameters_can_be_run():
    steps = [{"cmdlet": "Set-Mailbox", "parameters": {"Identity": "x", "EmailAddresses": {"Add": ["smtp:y"]}}}]
    assert exchange.apply_ops(steps, exchange.CMDLETS, snapin=SNAPIN_2013).ops[0]["name"] == "Set-Mailbox"
    with pytest.raises(exchange.ExchangeError, match="Remove-Mailbox is not a cmdlet this plan runs"):
        exchange.apply_ops([{"cmdlet": "Remove-Mailbox", "parameters": {"Identity": "x"}}], exchange.CMDLETS)
    with pytest.raises(exchange.ExchangeError, match="Set-Mailbox -Password is not a parameter this plan sets"):
        exchange.apply_ops([{"cmdlet": "Set-Mailbox", "parameters": {"Password": "x"}}], exchange.CMDLETS)


@pytest.mark.parametrize("account", ["o'brien@contact.example", 'say"hi"@contact.example', "ü&%TEMP%@contact.example",
                                     "x" * 300 + "@contact.example"])
def test_hostile_addresses_reach_the_cmdlets_as_they_are(monkeypatch, account):
    answers = {**organisation(), ("Get-Mailbox", account): [MAILBOX],
               ("Get-ThrottlingPolicyAssociation", account): [{"ThrottlingPolicyId": "OSCC"}]}
    host = FakeHost(answers)
    result = run(monkeypatch, host, account=account, check_mode=True)
    assert not result.get("failed"), result
    assert host.batches[0]["ops"][3]["parameters"]["Identity"] == account


@pytest.mark.parametrize("args, words", [
    ({"account": "oscc@x\nSet-Mailbox"}, "account must be one line"),
    ({"aliases": ["a@x\r\n"]}, "aliases must be one line"),
    ({"account": "oscc"}, "account must be an e-mail address"),
    ({"imap_budget": 10}, "imap_budget must be at least 8000000"),
])
def test_bad_input_is_one_line_before_any_round_trip(monkeypatch, args, words):
    host = FakeHost(organisation())
    result = run(monkeypatch, host, **args)
    assert result["failed"] and words in result["msg"] and host.batches == []
