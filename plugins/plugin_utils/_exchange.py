# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Exchange on-premises and Exchange Online for the OSCC e-mail server (manual §3.2, §3.4, §3.7, §3.8):
# from what the organisation reports, the cmdlets that are still needed, in order. No I/O.
from __future__ import annotations

POLICY_NAME = "OSCC"
MIN_IMAP_BUDGET = 8000000  # §3.4: ImapMaxBurst and ImapRechargeRate at least 8,000,000 (Exchange 2013)
# The cmdlets the remote side may run, each with the parameters this plan uses (reference/mail.md §2).
CMDLETS = {
    "Set-Mailbox": {"Identity", "EmailAddresses", "ForwardingAddress", "DeliverToMailboxAndForward"},
    "New-Mailbox": {"Name", "Shared", "PrimarySmtpAddress"},
    "New-ThrottlingPolicy": {"Name", "ImapMaxBurst", "ImapRechargeRate"},
    "Set-ThrottlingPolicy": {"Identity", "ImapMaxBurst", "ImapRechargeRate"},
    "Set-ThrottlingPolicyAssociation": {"Identity", "ThrottlingPolicy"},
    "Set-TransportConfig": {"ShadowRedundancyEnabled", "HeaderPromotionModeSetting"},
    "Set-ImapSettings": {"LoginType"},
    "Set-ReceiveConnector": {"Identity", "AuthMechanism"},
    "Add-ADPermission": {"Identity", "User", "ExtendedRights"},
    "Add-MailboxPermission": {"Identity", "User", "AccessRights", "InheritanceType"},
}


# Exchange Online (Office 365, manual §3.2, §3.8; reference/mail.md §3): no throttling or transport settings
# there, only the mailbox's own protocols and the Send As permission.
CMDLETS_ONLINE = {
    "Set-Mailbox": {"Identity", "EmailAddresses"},
    "Set-CASMailbox": {"Identity", "ImapEnabled", "SmtpClientAuthenticationDisabled"},
    "Add-RecipientPermission": {"Identity", "Trustee", "AccessRights"},
}


class ExchangeError(Exception):
    pass


def major(version):
    """8 = Exchange 2007, 14 = 2010, 15 = 2013 (the versions the manual names)."""
    try:
        return int(str(version).split(".", maxsplit=1)[0])
    except ValueError:
        raise ExchangeError(f"cannot read the Exchange version {version!r}") from None


def step(cmdlet, why, **parameters):
    return {"cmdlet": cmdlet, "parameters": parameters, "why": why}


def missing_aliases(current, wanted, where):
    """The wanted aliases the account's mailbox lacks; a missing mailbox is an error naming `where`."""
    mailbox = current.get("mailbox")
    if not mailbox:
        raise ExchangeError(f"the OSCC account's mailbox {wanted['account']} does not exist {where}")
    addresses = {a.lower().split(":", 1)[-1] for a in mailbox.get("email_addresses", [])}
    return [a for a in wanted.get("aliases", []) if a.lower() not in addresses]


def checked(steps, cmdlets):
    """`steps`, after a guard against a planning bug: parameters the remote side would refuse too."""
    for entry in steps:
        unknown = set(entry["parameters"]) - cmdlets[entry["cmdlet"]]
        if unknown:
            raise ExchangeError(f"{entry['cmdlet']} does not take {', '.join(sorted(unknown))}")
    return steps


def plan(current, wanted):
    """The steps that bring `current` (what the read procedure returned) to `wanted` (the role's inputs)."""
    version = major(current["version"])
    account = wanted["account"]
    missing = missing_aliases(current, wanted, "on this Exchange organisation; create the account first (manual §3.4)")
    steps = []
    if version < 14:  # Exchange 2007 rewrites aliases to the primary address: one forwarding mailbox per alias (§3.4)
        for alias in wanted.get("aliases", []):
            existing = current.get("alias_mailboxes", {}).get(alias.lower())
            if existing is None:
                steps.append(step("New-Mailbox", "a mailbox for the alias (Exchange 2007, §3.4)",
                                  Name=alias.split("@")[0], Shared=True, PrimarySmtpAddress=alias))
            if existing is None or (existing.get("forwarding_address") or "").lower() != account.lower():
                steps.append(step("Set-Mailbox", "forward the alias to the OSCC account (Exchange 2007, §3.4)",
                                  Identity=alias, ForwardingAddress=account, DeliverToMailboxAndForward=False))
    elif missing:
        steps.append(step("Set-Mailbox", "SMTP aliases of the OSCC account (§3.4)", Identity=account,
                          EmailAddresses={"Add": [f"smtp:{a}" for a in missing]}))
    if version >= 15:
        budget = max(int(wanted.get("imap_budget", MIN_IMAP_BUDGET)), MIN_IMAP_BUDGET)
        policy = current.get("throttling_policy")
        if policy is None:
            steps.append(step("New-ThrottlingPolicy", "own throttling policy for the OSCC account (§3.4)",
                              Name=POLICY_NAME, ImapMaxBurst=budget, ImapRechargeRate=budget))
        elif any(_budget(policy.get(k)) < budget for k in ("ImapMaxBurst", "ImapRechargeRate")):
            steps.append(step("Set-ThrottlingPolicy", "IMAP budgets of at least 8,000,000 (§3.4)",
                              Identity=POLICY_NAME, ImapMaxBurst=budget, ImapRechargeRate=budget))
        if (current.get("throttling_association") or "").lower() != POLICY_NAME.lower():
            steps.append(step("Set-ThrottlingPolicyAssociation", "the policy applies to the OSCC account (§3.4)",
                              Identity=account, ThrottlingPolicy=POLICY_NAME))
        if current["transport"].get("ShadowRedundancyEnabled") is not False:
            steps.append(step("Set-TransportConfig", "shadow redundancy off for throughput (§3.4)",
                              ShadowRedundancyEnabled=False))
    if current["transport"].get("HeaderPromotionModeSetting") != "MayCreate":
        steps.append(step("Set-TransportConfig", "custom headers may be created (§3.4.1)",
                          HeaderPromotionModeSetting="MayCreate"))
    login_type = "SecureLogin" if wanted.get("tls", True) else "PlainTextLogin"
    if current.get("imap", {}).get("LoginType") != login_type:
        steps.append(step("Set-ImapSettings", "basic authentication, encrypted where TLS is on (§3.7)", LoginType=login_type))
    connector = current.get("receive_connector")
    if wanted.get("receive_connector"):
        if connector is None:
            raise ExchangeError(f"receive connector {wanted['receive_connector']!r} does not exist; name the one OSCC "
                                "submits to (email_server_exchange_receive_connector)")
        mechanisms = [m.strip() for m in str(connector.get("AuthMechanism", "")).split(",") if m.strip()]
        needed = ["Tls", "BasicAuth"] + (["BasicAuthRequireTLS"] if wanted.get("tls", True) else [])
        if [m for m in needed if m not in mechanisms]:
            steps.append(step("Set-ReceiveConnector", "authenticated SMTP (§3.4.1, §3.7)",
                              Identity=wanted["receive_connector"],
                              AuthMechanism=", ".join(mechanisms + [m for m in needed if m not in mechanisms])))
    sender = wanted.get("report_sender")
    if sender and not current.get("send_as_granted"):
        steps.append(step("Add-ADPermission", "the OSCC account may send reports as this address (§3.8)",
                          Identity=sender, User=account, ExtendedRights="Send As"))
    for mailbox_name in wanted.get("report_mailboxes", []):
        if not current.get("full_access", {}).get(mailbox_name.lower()):
            steps.append(step("Add-MailboxPermission", "full access for reports by e-mail (§3.8)", Identity=mailbox_name,
                              User=account, AccessRights="FullAccess", InheritanceType="All"))
    return checked(steps, CMDLETS)


def plan_online(current, wanted):
    """The Exchange Online cmdlets that bring `current` (exchange_online_read) to `wanted`."""
    account = wanted["account"]
    missing = missing_aliases(current, wanted, f"in {wanted['organization']}; create and license the account first "
                                               "(manual §3.2)")
    steps = []
    if missing:
        steps.append(step("Set-Mailbox", "SMTP aliases of the OSCC account (§3.2)", Identity=account,
                          EmailAddresses={"Add": [f"smtp:{a}" for a in missing]}))
    if current.get("imap_enabled") is not True:
        steps.append(step("Set-CASMailbox", "IMAP4 for the OSCC account (§3.2)", Identity=account, ImapEnabled=True))
    # None: the mailbox follows the tenant's default, which Microsoft turns off for new tenants.
    if wanted.get("smtp_auth", True) and current.get("smtp_client_auth_disabled") is not False:
        steps.append(step("Set-CASMailbox", "authenticated SMTP submission for the OSCC account (§3.7)", Identity=account,
                          SmtpClientAuthenticationDisabled=False))
    sender = wanted.get("report_sender")
    if sender and not current.get("send_as_granted"):
        steps.append(step("Add-RecipientPermission", "the OSCC account may send reports as this address (§3.8)",
                          Identity=sender, Trustee=account, AccessRights="SendAs"))
    return checked(steps, CMDLETS_ONLINE)


def _budget(value):
    """A throttling budget as Exchange prints it: a number or Unlimited."""
    if value is None:
        return 0
    text = str(value).strip()
    return float("inf") if text.lower() == "unlimited" else int(text)
