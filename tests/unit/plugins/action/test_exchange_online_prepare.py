"""exchange_online_prepare's decisions from what Exchange Online PowerShell reports (manual §3.2, §3.7, §3.8)."""
import pytest
from windows_host import FakeHost, run_action

from ansible_collections.oscc.admin.plugins.action.exchange_online_prepare import ActionModule
from ansible_collections.oscc.admin.plugins.plugin_utils._mail import exchange

ACCOUNT = "oscc@contoso.example"
ONLINE = {"organization": "contoso.onmicrosoft.com", "app_id": "8a3c1d2e-0000-4b1c-9f7e-1234567890ab",
          "certificate_thumbprint": "0123456789ABCDEF0123456789ABCDEF01234567"}
ARGS = {"account": ACCOUNT, "aliases": ["service@contoso.example"], "report_sender": "reports@contoso.example",
        **ONLINE}
MODULE = [{"Name": "ExchangeOnlineManagement", "Version": "3.4.0"}]
FRESH = {"Get-Module": MODULE, "Get-Mailbox": [{"Identity": "oscc", "EmailAddresses": [f"SMTP:{ACCOUNT}"]}],
         "Get-CASMailbox": [{"ImapEnabled": False, "SmtpClientAuthenticationDisabled": None}],
         "Get-RecipientPermission": []}
DONE = {"Get-Module": MODULE,
        "Get-Mailbox": [{"Identity": "oscc", "EmailAddresses": [f"SMTP:{ACCOUNT}", "smtp:service@contoso.example"]}],
        "Get-CASMailbox": [{"ImapEnabled": True, "SmtpClientAuthenticationDisabled": False}],
        "Get-RecipientPermission": [{"Trustee": ACCOUNT, "AccessRights": ["SendAs"]}]}


def run(monkeypatch, host, check_mode=False, **args):
    return run_action(monkeypatch, ActionModule, host, {**ARGS, **args}, check_mode,
                      "oscc.admin.exchange_online_prepare")


def connected(batch):
    """Each batch connects app-only first and disconnects in its cleanup."""
    connect = [op for op in batch["ops"] if op.get("name") == "Connect-ExchangeOnline"]
    assert len(connect) == 1 and connect[0]["module"] == "ExchangeOnlineManagement"
    assert connect[0]["parameters"] == {"AppId": ONLINE["app_id"],
                                        "CertificateThumbprint": ONLINE["certificate_thumbprint"],
                                        "Organization": ONLINE["organization"], "ShowBanner": False,
                                        "ErrorAction": "Stop"}
    assert [op["name"] for op in batch["cleanup"]] == ["Disconnect-ExchangeOnline"]
    return True


def test_a_fresh_mailbox_is_read_in_one_batch_and_set_in_a_second(monkeypatch):
    host = FakeHost(FRESH)
    result = run(monkeypatch, host)
    assert result["changed"] and not result.get("failed"), result
    assert len(host.batches) == 2 and all(connected(b) for b in host.batches)
    assert host.cmdlets(0) == ["Get-Module", "Connect-ExchangeOnline", "Get-Mailbox", "Get-CASMailbox",
                               "Get-RecipientPermission"]
    assert host.cmdlets(1)[0] == "Connect-ExchangeOnline"
    assert result["done"] == host.cmdlets(1)[1:] == ["Set-Mailbox", "Set-CASMailbox", "Set-CASMailbox",
                                                     "Add-RecipientPermission"]
    assert host.batches[1]["ops"][-1]["parameters"] == {"Identity": "reports@contoso.example", "Trustee": ACCOUNT,
                                                        "AccessRights": "SendAs", "Confirm": False,
                                                        "ErrorAction": "Stop"}


def test_check_mode_reads_and_applies_nothing(monkeypatch):
    host = FakeHost(FRESH)
    result = run(monkeypatch, host, check_mode=True)
    assert result["changed"] and len(result["steps"]) == 4 and len(host.batches) == 1 and host.batches[0]["read_only"]


def test_the_after_state_plans_nothing(monkeypatch):
    host = FakeHost(DONE)
    result = run(monkeypatch, host)
    assert not result["changed"] and result["steps"] == [] and len(host.batches) == 1


@pytest.mark.parametrize("answers, words", [
    ({**FRESH, "Get-Module": []}, "the ExchangeOnlineManagement module is not installed on this host "
                                  "(Install-Module ExchangeOnlineManagement)"),
    ({**FRESH, "Connect-ExchangeOnline": "AADSTS700016: Application not found.\r\nTrace ID: 1"},
     "Connect-ExchangeOnline to contoso.onmicrosoft.com failed: AADSTS700016: Application not found. Trace ID: 1"),
    ({**FRESH, "Get-Mailbox": [], "Get-CASMailbox": "couldn't be found"},
     f"the OSCC account's mailbox {ACCOUNT} does not exist in contoso.onmicrosoft.com"),
])
def test_faults_are_one_line_and_nothing_is_set(monkeypatch, answers, words):
    host = FakeHost(answers)
    result = run(monkeypatch, host)
    assert result["failed"] and words in result["msg"] and "\n" not in result["msg"] and len(host.batches) == 1
    assert host.batches[0]["cleanup"] == [exchange.ONLINE_DISCONNECT]


def test_a_failed_change_names_it_and_what_ran_before(monkeypatch):
    host = FakeHost({**FRESH, "Add-RecipientPermission": "The user isn't allowed to be a trustee."})
    result = run(monkeypatch, host)
    assert result["msg"] == ("Add-RecipientPermission failed: The user isn't allowed to be a trustee. (done before it: "
                             "Set-Mailbox, Set-CASMailbox, Set-CASMailbox)")


def test_only_the_online_cmdlets_can_be_run():
    with pytest.raises(exchange.ExchangeError, match="New-ThrottlingPolicy is not a cmdlet this plan runs"):
        exchange.apply_ops([{"cmdlet": "New-ThrottlingPolicy", "parameters": {"Name": "x"}}], exchange.CMDLETS_ONLINE)
