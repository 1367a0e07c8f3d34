"""Planning the Exchange cmdlets for the OSCC account (manual §3.4, §3.7, §3.8)."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._mail import exchange

READY = {"version": "15.0",
         "mailbox": {"identity": "oscc", "email_addresses": ["SMTP:oscc@x.example", "smtp:a@x.example"]},
         "throttling_policy": {"ImapMaxBurst": "8000000", "ImapRechargeRate": "Unlimited"},
         "throttling_association": "OSCC",
         "transport": {"ShadowRedundancyEnabled": False, "HeaderPromotionModeSetting": "MayCreate"},
         "imap": {"LoginType": "SecureLogin"},
         "receive_connector": {"AuthMechanism": "Tls, BasicAuth, BasicAuthRequireTLS"},
         "send_as_granted": True, "full_access": {"agent@x.example": True}}
WANTED = {"account": "oscc@x.example", "aliases": ["A@x.example"], "receive_connector": "Client",
          "report_sender": "r@x.example", "report_mailboxes": ["Agent@x.example"], "tls": True}


def test_a_ready_organisation_needs_nothing():
    assert exchange.plan(READY, WANTED) == []


@pytest.mark.parametrize("change, cmdlet, parameters", [
    ({"throttling_policy": {"ImapMaxBurst": "7999999", "ImapRechargeRate": "8000000"}}, "Set-ThrottlingPolicy",
     {"Identity": "OSCC", "ImapMaxBurst": 8000000, "ImapRechargeRate": 8000000}),
    ({"throttling_association": ""}, "Set-ThrottlingPolicyAssociation",
     {"Identity": "oscc@x.example", "ThrottlingPolicy": "OSCC"}),
    ({"transport": {"ShadowRedundancyEnabled": True, "HeaderPromotionModeSetting": "MayCreate"}}, "Set-TransportConfig",
     {"ShadowRedundancyEnabled": False}),
    ({"imap": {"LoginType": "PlainTextLogin"}}, "Set-ImapSettings", {"LoginType": "SecureLogin"}),
    ({"send_as_granted": False}, "Add-ADPermission",
     {"Identity": "r@x.example", "User": "oscc@x.example", "ExtendedRights": "Send As"}),
])
def test_each_gap_gets_its_cmdlet(change, cmdlet, parameters):
    steps = exchange.plan({**READY, **change}, WANTED)
    assert [(s["cmdlet"], s["parameters"]) for s in steps] == [(cmdlet, parameters)]


def test_exchange_2010_has_no_throttling_or_shadow_redundancy_steps():
    steps = exchange.plan({**READY, "version": "14.3", "throttling_policy": None, "throttling_association": None,
                           "transport": {"ShadowRedundancyEnabled": True, "HeaderPromotionModeSetting": "NoCreate"}},
                          WANTED)
    assert [(s["cmdlet"], s["parameters"]) for s in steps] == [
        ("Set-TransportConfig", {"HeaderPromotionModeSetting": "MayCreate"})]


def test_a_higher_budget_is_kept_and_unlimited_is_enough():
    assert exchange.plan({**READY, "throttling_policy": {"ImapMaxBurst": "9000000", "ImapRechargeRate": "Unlimited"}},
                         WANTED) == []


@pytest.mark.parametrize("current, words", [
    ({**READY, "mailbox": None}, "mailbox oscc@x.example does not exist"),
    ({**READY, "receive_connector": None}, "receive connector 'Client' does not exist"),
    ({**READY, "version": "unknown"}, "cannot read the Exchange version"),
])
def test_what_cannot_be_planned_is_said(current, words):
    with pytest.raises(exchange.ExchangeError, match=words):
        exchange.plan(current, WANTED)


ONLINE_READY = {"version": "online", "mailbox": {"identity": "oscc", "email_addresses": ["SMTP:oscc@x.example"]},
                "imap_enabled": True, "smtp_client_auth_disabled": False, "send_as_granted": True}
ONLINE_WANTED = {"account": "oscc@x.example", "aliases": [], "report_sender": "r@x.example", "smtp_auth": True,
                 "organization": "x.onmicrosoft.com"}


def test_an_office365_mailbox_set_as_the_manual_wants_needs_nothing():
    assert exchange.plan_online(ONLINE_READY, ONLINE_WANTED) == []


@pytest.mark.parametrize("change, wanted, expected", [
    ({"imap_enabled": False}, {}, [("Set-CASMailbox", {"Identity": "oscc@x.example", "ImapEnabled": True})]),
    ({"smtp_client_auth_disabled": None}, {},  # the tenant's default is not trusted: set on the mailbox
     [("Set-CASMailbox", {"Identity": "oscc@x.example", "SmtpClientAuthenticationDisabled": False})]),
    ({"smtp_client_auth_disabled": None}, {"smtp_auth": False}, []),
    ({"send_as_granted": False}, {}, [("Add-RecipientPermission", {"Identity": "r@x.example",
                                                                   "Trustee": "oscc@x.example",
                                                                   "AccessRights": "SendAs"})]),
    ({}, {"report_sender": None}, []),
    ({}, {"aliases": ["OSCC@x.example", "b@x.example"]},
     [("Set-Mailbox", {"Identity": "oscc@x.example", "EmailAddresses": {"Add": ["smtp:b@x.example"]}})]),
])
def test_office365_plans_only_what_is_missing(change, wanted, expected):
    steps = exchange.plan_online({**ONLINE_READY, **change}, {**ONLINE_WANTED, **wanted})
    assert [(s["cmdlet"], s["parameters"]) for s in steps] == expected and all(s["why"] for s in steps)


def test_an_office365_account_that_does_not_exist_is_said():
    with pytest.raises(exchange.ExchangeError, match="does not exist in x.onmicrosoft.com; create and license"):
        exchange.plan_online({**ONLINE_READY, "mailbox": None}, ONLINE_WANTED)
