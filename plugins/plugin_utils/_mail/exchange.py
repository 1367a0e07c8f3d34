# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: Exchange on-premises and Exchange Online for the OSCC e-mail server (manual §3.2, §3.4, §3.7, §3.8):
# the cmdlets that read the organisation, from what they report the cmdlets that are still needed, in order, and
# the executor operations that run them. No I/O.
from __future__ import annotations

import re

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch, step_of
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import cmdlet, first, objects, truthy

POLICY_NAME = "OSCC"
MIN_IMAP_BUDGET = 8000000  # §3.4: ImapMaxBurst and ImapRechargeRate at least 8,000,000 (Exchange 2013)
# The cmdlets the remote side may run, each with the parameters this plan uses
# (docs/vendor-facts.md, Exchange Management Shell).
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


# Exchange Online (Office 365, manual §3.2, §3.8; docs/vendor-facts.md, Exchange Online): no throttling or
# transport settings there, only the mailbox's own protocols and the Send As permission.
CMDLETS_ONLINE = {
    "Set-Mailbox": {"Identity", "EmailAddresses"},
    "Set-CASMailbox": {"Identity", "ImapEnabled", "SmtpClientAuthenticationDisabled"},
    "Add-RecipientPermission": {"Identity", "Trustee", "AccessRights"},
}


# The Exchange Management Shell's snap-in, by the major version that names it so
# (docs/vendor-facts.md, Exchange Management Shell): 2013 and later, 2010, 2007.
SNAPINS = (("Microsoft.Exchange.Management.PowerShell.SnapIn", 15),
           ("Microsoft.Exchange.Management.PowerShell.E2010", 14),
           ("Microsoft.Exchange.Management.PowerShell.Admin", 8))
ONLINE_MODULE = "ExchangeOnlineManagement"
NO_SHELL = "the Exchange Management Shell is not on this host"
NO_ONLINE_MODULE = ("the ExchangeOnlineManagement module is not installed on this host "
                    "(Install-Module ExchangeOnlineManagement)")
# A cmdlet that finds nothing reports a non-terminating error; for a read, that is "none".
QUIET = {"ErrorAction": "SilentlyContinue"}
# What every planned cmdlet gets: no confirmation prompt (none can be answered), and an error ends the batch.
APPLY = {"Confirm": False, "ErrorAction": "Stop"}


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
            # Get-Mailbox shows the forwarding target by its identity, as it shows the account's own.
            forwards_to = {account.lower(), str(current["mailbox"].get("identity") or "").lower()} - {""}
            if existing is None or (existing.get("forwarding_address") or "").lower() not in forwards_to:
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
        steps.append(step("Set-ImapSettings", "basic authentication, encrypted where TLS is on (§3.7)",
                          LoginType=login_type))
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
            steps.append(step("Add-MailboxPermission", "full access for reports by e-mail (§3.8)",
                              Identity=mailbox_name, User=account, AccessRights="FullAccess", InheritanceType="All"))
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
        steps.append(step("Set-CASMailbox", "authenticated SMTP submission for the OSCC account (§3.7)",
                          Identity=account, SmtpClientAuthenticationDisabled=False))
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


def _family(version_major):
    return 15 if version_major >= 15 else (14 if version_major >= 14 else 8)


def read_ops(wanted, snapin, family) -> Batch:
    """What exchange_prepare reads of the organisation in one batch, through `snapin`, whose major
    version is `family`. The snap-ins registered come first, so a wrong guess names the right one."""
    def shell(name, select=None, **parameters):
        return cmdlet(name, snapin=snapin, select=select, **parameters)

    account = wanted["account"]
    reads = Batch().add("host", {"op": "env", "names": []})
    reads.add("snapins", cmdlet("Get-PSSnapin", Registered=True, select=["Name"]))
    reads.add("servers", shell("Get-ExchangeServer", select=["Name", "AdminDisplayVersion"]))
    reads.add("mailbox", shell("Get-Mailbox", select=["Identity", "SamAccountName", "EmailAddresses"], Identity=account,
                               **QUIET))
    if family >= 15:
        reads.add("policy", shell("Get-ThrottlingPolicy", select=["ImapMaxBurst", "ImapRechargeRate"],
                                  Identity=POLICY_NAME, **QUIET))
        reads.add("association", shell("Get-ThrottlingPolicyAssociation", select=["ThrottlingPolicyId"],
                                       Identity=account))
    reads.add("transport", shell("Get-TransportConfig",
                                 select=["ShadowRedundancyEnabled", "HeaderPromotionModeSetting"]))
    reads.add("imap", shell("Get-ImapSettings", select=["LoginType"]))
    if wanted.get("receive_connector"):
        reads.add("connector", shell("Get-ReceiveConnector", select=["AuthMechanism"],
                                     Identity=wanted["receive_connector"], **QUIET))
    if wanted.get("report_sender"):
        reads.add("send_as", shell("Get-ADPermission", select=["User", "ExtendedRights", "Deny"],
                                   Identity=wanted["report_sender"]))
    for name in wanted.get("report_mailboxes") or []:
        reads.add(("full_access", name), shell("Get-MailboxPermission", select=["User", "AccessRights", "Deny"],
                                               Identity=name))
    if family < 14:
        for alias in wanted.get("aliases") or []:
            reads.add(("alias", alias), shell("Get-Mailbox", select=["Identity", "ForwardingAddress"], Identity=alias,
                                              **QUIET))
    return reads


def snapin_to_use(reads, done, tried):
    """The registered Exchange snap-in to read through when `tried` was not it; None when `tried` was."""
    registered = {str(o.get("Name", "")).lower() for o in objects(reads.results(done), "snapins") or []}
    if tried.lower() in registered:
        return None
    for snapin, family in SNAPINS:
        if snapin.lower() in registered:
            return snapin, family
    raise ExchangeError(NO_SHELL)


def _granted(entries, sam, right):
    """Whether an allowing entry for DOMAIN\\<sam> holds `right` (Get-ADPermission, Get-MailboxPermission)."""
    for entry in entries or []:
        user = str(entry.get("User") or "").lower()
        rights = entry.get("ExtendedRights") if "ExtendedRights" in entry else entry.get("AccessRights")
        rights = rights if isinstance(rights, list) else [rights]
        if user.endswith("\\" + sam.lower()) and not truthy(entry.get("Deny")) and \
                any(right.lower() in str(r or "").lower() for r in rights):
            return True
    return False


def _mailbox(entry):
    return {"identity": str(entry.get("Identity") or ""),
            "email_addresses": [str(a) for a in entry.get("EmailAddresses") or []]}


def current_from(reads, done, wanted, family):
    """What exchange_prepare plans from (the keys plan() reads), from the read batch's results."""
    results = reads.results(done)
    mailbox = first(results, "mailbox")
    failed = reads.failed(done)
    if failed and not (objects(results, "mailbox") == [] and failed.index > reads.index("mailbox")):
        raise ExchangeError(failed.line())  # past a missing mailbox, what failed did for want of it
    computer = str(results["host"]["computer_name"])
    servers = objects(results, "servers")
    server = next((s for s in servers if str(s.get("Name", "")).lower() == computer.lower()), None)
    if server is None:
        raise ExchangeError(f"this host ({computer}) is not one of the organisation's Exchange servers "
                            f"({', '.join(str(s.get('Name')) for s in servers) or 'none'}); run the task on one")
    found = re.search(r"(\d+)\.(\d+)", str(server.get("AdminDisplayVersion") or ""))
    if not found:
        raise ExchangeError(f"cannot read the Exchange version {server.get('AdminDisplayVersion')!r}")
    version = f"{int(found.group(1))}.{int(found.group(2))}"
    if _family(int(found.group(1))) != family:
        raise ExchangeError(f"Exchange {version} on this host does not match its management shell snap-in")
    current = {"version": version, "mailbox": None, "transport": {}, "imap": {}, "throttling_policy": None,
               "throttling_association": None, "receive_connector": None, "send_as_granted": False, "full_access": {},
               "alias_mailboxes": {}}
    if mailbox is None:
        return current
    sam = str(mailbox.get("SamAccountName") or "")
    current["mailbox"] = _mailbox(mailbox)
    if family >= 15:
        policy = first(results, "policy")
        if policy:
            current["throttling_policy"] = {k: str(policy.get(k)) for k in ("ImapMaxBurst", "ImapRechargeRate")}
        current["throttling_association"] = str((first(results, "association") or {}).get("ThrottlingPolicyId") or "")
    transport = first(results, "transport") or {}
    current["transport"] = {"ShadowRedundancyEnabled": truthy(transport.get("ShadowRedundancyEnabled")),
                            "HeaderPromotionModeSetting": str(transport.get("HeaderPromotionModeSetting") or "")}
    current["imap"] = {"LoginType": str((first(results, "imap") or {}).get("LoginType") or "")}
    connector = first(results, "connector")
    if connector:
        current["receive_connector"] = {"AuthMechanism": str(connector.get("AuthMechanism") or "")}
    if wanted.get("report_sender"):
        current["send_as_granted"] = _granted(objects(results, "send_as"), sam, "Send-As")
    for name in wanted.get("report_mailboxes") or []:
        current["full_access"][name.lower()] = _granted(objects(results, ("full_access", name)), sam, "FullAccess")
    if family < 14:
        for alias in wanted.get("aliases") or []:
            box = first(results, ("alias", alias))
            if box:
                forwarding_address = str(box.get("ForwardingAddress") or "")
                current["alias_mailboxes"][alias.lower()] = {"forwarding_address": forwarding_address}
    return current


def online_connect(online):
    """Connect-ExchangeOnline app-only: the certificate is in the host's store, so no secret travels."""
    return cmdlet("Connect-ExchangeOnline", module=ONLINE_MODULE, AppId=online["app_id"],
                  CertificateThumbprint=online["certificate_thumbprint"], Organization=online["organization"],
                  ShowBanner=False, ErrorAction="Stop")


ONLINE_DISCONNECT = cmdlet("Disconnect-ExchangeOnline", module=ONLINE_MODULE, Confirm=False,
                           ErrorAction="SilentlyContinue")


def online_session(online, reads_module=False) -> Batch:
    """A batch that connects first (after the module's listing, for a read) and disconnects in its cleanup,
    which runs whatever failed."""
    session = Batch()
    if reads_module:
        session.add("module", cmdlet("Get-Module", ListAvailable=True, Name=ONLINE_MODULE, select=["Name", "Version"]))
    return session.add("connect", online_connect(online)).add_cleanup("disconnect", ONLINE_DISCONNECT)


def online_read_ops(wanted, online) -> Batch:
    """What exchange_online_prepare reads, in one session."""
    account = wanted["account"]
    reads = online_session(online, reads_module=True)
    reads.add("mailbox", cmdlet("Get-Mailbox", select=["Identity", "EmailAddresses"], Identity=account, **QUIET))
    reads.add("cas", cmdlet("Get-CASMailbox", select=["ImapEnabled", "SmtpClientAuthenticationDisabled"],
                            Identity=account))
    if wanted.get("report_sender"):
        reads.add("send_as", cmdlet("Get-RecipientPermission", select=["Trustee", "AccessRights"],
                                    Identity=wanted["report_sender"], Trustee=account, **QUIET))
    return reads


def online_current_from(reads, done, online):
    """What plan_online() reads, from the online read batch's results."""
    results = reads.results(done)
    if objects(results, "module") == []:
        raise ExchangeError(NO_ONLINE_MODULE)
    failed = reads.failed(done)
    if failed and failed.name == "connect":
        raise ExchangeError(f"Connect-ExchangeOnline to {online['organization']} failed: {failed.error}")
    mailbox = first(results, "mailbox")
    if failed and not (objects(results, "mailbox") == [] and failed.index > reads.index("mailbox")):
        raise ExchangeError(failed.line())
    current = {"version": "online", "mailbox": None, "imap_enabled": None, "smtp_client_auth_disabled": None,
               "send_as_granted": False}
    if mailbox is None:
        return current
    cas = first(results, "cas") or {}
    disabled = cas.get("SmtpClientAuthenticationDisabled")
    current.update(mailbox=_mailbox(mailbox), imap_enabled=truthy(cas.get("ImapEnabled")),
                   smtp_client_auth_disabled=None if disabled is None else truthy(disabled))
    current["send_as_granted"] = any("sendas" in str(r).lower() for entry in objects(results, "send_as") or []
                                     for r in (entry.get("AccessRights") if isinstance(entry.get("AccessRights"), list)
                                               else [entry.get("AccessRights")]))
    return current


def apply_ops(steps, cmdlets, session=None, **source) -> Batch:
    """The executor operations that run the planned steps, named ("step", n), each checked against `cmdlets`
    (cmdlet -> parameters the plan may set): nothing else reaches the shell. They follow the operations of
    `session` (an online connect) if given; `source` is the snapin or nothing (after a connect)."""
    ops = session or Batch()
    for number, entry in enumerate(steps):
        allowed = cmdlets.get(entry["cmdlet"])
        if allowed is None:
            raise ExchangeError(f"{entry['cmdlet']} is not a cmdlet this plan runs")
        unknown = sorted(set(entry["parameters"]) - set(allowed))
        if unknown:
            raise ExchangeError(f"{entry['cmdlet']} -{unknown[0]} is not a parameter this plan sets")
        ops.add(("step", number), cmdlet(entry["cmdlet"], select=["Identity"], **source, **entry["parameters"],
                                         **APPLY))
    return ops


def applied(ops, done):
    """(the cmdlets of the planned steps that ran, the failure in one line or None) from an apply batch."""
    results = ops.results(done)
    ran = [op["name"] for name, op in zip(ops.names, ops.ops)
           if step_of(name) == "step" and results.get(name, {}).get("ok")]
    failed = ops.failed(done)
    problem = failed.line() if failed else None
    if failed and failed.step == "step" and ran:
        problem += f" (done before it: {', '.join(ran)})"
    return ran, problem
