# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the exchange_prepare action plugin (plugins/action/exchange_prepare.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: exchange_prepare
short_description: Prepare Exchange on-premises for the OSCC e-mail server
version_added: 0.1.0
description:
  - Runs on an Exchange server with the Exchange Management Shell (2007, 2010, 2013 - manual §3.1). Reads the
    organisation's settings, plans here which cmdlets are still needed, and runs only those (round trips in
    docs/windows.md); a second run finds nothing to do.
  - SMTP aliases on the OSCC account (Exchange 2007 - one mailbox per alias forwarding to the account, §3.4).
  - Exchange 2013 - a throttling policy C(OSCC) with C(ImapMaxBurst) and C(ImapRechargeRate) of at least
    8,000,000 associated with the account, and shadow redundancy off (§3.4).
  - C(HeaderPromotionModeSetting MayCreate), needed before the custom headers are defined (§3.4.1).
  - IMAP basic authentication, encrypted when O(tls) (§3.7); authenticated SMTP on O(receive_connector).
  - Reports by e-mail (§3.8) - Send As on O(report_sender) and full access to O(report_mailboxes).
  - The account itself must exist; creating accounts stays with the directory's own process.
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
  imap_budget:
    description: C(ImapMaxBurst) and C(ImapRechargeRate) of the policy; at least 8,000,000.
    type: int
    default: 8000000
  tls:
    description: IMAP logins only over TLS (C(SecureLogin)); false allows plain-text logins (C(PlainTextLogin)).
    type: bool
    default: true
  receive_connector:
    description: The receive connector OSCC submits to; it gets basic authentication (over TLS when O(tls)).
    type: str
  report_sender:
    description: The address reports are sent from (an AD contact or mailbox); the account gets Send As on it.
    type: str
  report_mailboxes:
    description: Mailboxes the account gets full access to for reports by e-mail.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - The cmdlets have been exercised against the lab's simulation of the Exchange Management Shell only; watch
    the first run on a real Exchange server with C(--check).
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Prepare Exchange 2013 for the OSCC e-mail server
  oscc.admin.exchange_prepare:
    account: OSCCEmail@contact.example.com
    aliases: [service@contact.example.com]
    receive_connector: Client Frontend EXCH01
    report_sender: OSCCReports@contact.example.com
"""

RETURN = r"""
version:
  description: The Exchange version (8 = 2007, 14 = 2010, 15 = 2013).
  returned: always
  type: str
steps:
  description: The cmdlets needed, each with its parameters and why (what check mode shows).
  returned: always
  type: list
  elements: dict
  sample: [{"cmdlet": "Set-TransportConfig", "parameters": {"ShadowRedundancyEnabled": false},
            "why": "shadow redundancy off for throughput (§3.4)"}]
done:
  description: The cmdlets that ran.
  returned: changed and not check mode
  type: list
  elements: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
