# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the exchange_online_prepare action plugin (plugins/action/exchange_online_prepare.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: exchange_online_prepare
short_description: Prepare an Office 365 (Exchange Online) mailbox for the OSCC e-mail server
version_added: 0.1.0
description:
  - Runs on a Windows host with the C(ExchangeOnlineManagement) PowerShell module, connecting app-only with
    C(Connect-ExchangeOnline -AppId -CertificateThumbprint -Organization) - the certificate stays in the host's store,
    no password travels. Reads the mailbox, plans here, then runs only the cmdlets still needed (round trips in
    docs/windows.md).
  - SMTP aliases on the OSCC account (§3.2); IMAP4 enabled for it (C(Set-CASMailbox -ImapEnabled)); authenticated
    SMTP submission enabled for it when O(smtp_auth) (C(-SmtpClientAuthenticationDisabled $false), §3.7) - a
    mailbox that only follows the tenant's default is set explicitly.
  - Reports by e-mail (§3.8) - C(Add-RecipientPermission -AccessRights SendAs) on O(report_sender).
  - Exchange Online has no per-account throttling policy; its limits (30 messages a minute, 20 IMAP sessions,
    §3.2) are the OSCC side's to respect - the oscc.admin.email_server role checks them.
  - The account must exist and be licensed; buying and assigning licences is not done here.
options:
  account:
    description: The OSCC account's primary SMTP address.
    type: str
    required: true
  aliases:
    description: Further SMTP addresses that deliver to the account.
    type: list
    elements: str
    default: []
  smtp_auth:
    description: OSCC submits with SMTP authentication (§3.7); enables it for the mailbox.
    type: bool
    default: true
  report_sender:
    description: The From address of reports by e-mail; the account gets Send As on it.
    type: str
  organization:
    description: The tenant, for example C(contoso.onmicrosoft.com).
    type: str
    required: true
  app_id:
    description: The application (client) ID of the Entra ID app registered for app-only Exchange Online access.
    type: str
    required: true
  certificate_thumbprint:
    description: The thumbprint of that app's certificate in the host's certificate store.
    type: str
    required: true
notes:
  - The cmdlets and parameters are Microsoft's documented ones (docs/vendor-facts.md, Exchange and Exchange Online);
    they are not run against a real tenant in this collection's tests, which use a simulated Exchange Online PowerShell
    that asserts them.
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Prepare the OSCC mailbox in Office 365
  oscc.admin.exchange_online_prepare:
    account: osccemail@contoso.com
    aliases: [service@contoso.com]
    report_sender: osccreports@contoso.com
    organization: contoso.onmicrosoft.com
    app_id: 8a3c1d2e-0000-4b1c-9f7e-1234567890ab
    certificate_thumbprint: 0123456789ABCDEF0123456789ABCDEF01234567
"""

RETURN = r"""
steps:
  description: The cmdlets planned, each with its parameters and why the manual wants it.
  returned: always
  type: list
  elements: dict
  sample: [{"cmdlet": "Set-CASMailbox", "parameters": {"Identity": "osccemail@contoso.com", "ImapEnabled": true},
            "why": "IMAP4 for the OSCC account (§3.2)"}]
done:
  description: The cmdlets run.
  returned: when steps were run
  type: list
  elements: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
