# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the exchange_custom_headers action plugin (plugins/action/exchange_custom_headers.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: exchange_custom_headers
short_description: Define the OSCC custom headers on Exchange with osccmseheaders.exe
version_added: 0.1.0
description:
  - Manual §3.4.1 - on Exchange 2007, 2010 and 2013 the custom headers the OSCC e-mail server needs reach IMAP only
    after C(osccmseheaders.exe) on the OSCC main server has sent a special message over authenticated SMTP. This
    module runs that utility on the main server and answers its prompts, in the manual's order - Return, From
    address, To address, Subject, SMTP server host name, SMTP server port number, SMTP user name, SMTP password.
  - Why the utility and not a message of our own - only the utility knows the full set of headers the OSCC e-mail
    server uses; a message built here would define the headers it happened to carry.
  - Prompts are matched by these labels, not counted. The manual gives only the labels, so the utility of a
    different release fails closed - a prompt asked again (an answer refused) stops it at once, a prompt not
    recognised runs into O(timeout), and a run that exits before the password was asked, or with an exit code
    other than 0, fails. Each failure returns the utility's transcript (its last 500 characters when it was stopped).
  - Each answer is one non-empty line; a line break would answer the next prompt, so it is refused.
  - Run it after C(HeaderPromotionModeSetting) is C(MayCreate) and authenticated SMTP is on
    (M(oscc.admin.exchange_prepare)). Prove the result with the C(custom_headers) check of M(oscc.admin.mail_check).
  - Idempotent through a record file written after a successful run, holding the answers except the password; while
    it holds the same answers the utility is not run again. O(force) runs it anyway.
  - The password is answered from a SecureString parameter, masked in the transcript and never in the record, a
    command line or the result. Reads the record, runs the utility, writes the record (round trips in docs/windows.md).
options:
  program:
    description:
      - The utility on the main server, in the folder the OSCC software is installed in. Absolute; an existing
        C(.exe) or C(.com) file.
    type: str
    required: true
  from_address:
    description: The sender of the special message - the address of O(smtp_user), for example the OSCC account.
    type: str
    required: true
  to_address:
    description: A known address on the Exchange server, usually the OSCC account again.
    type: str
    required: true
  subject:
    description: The special message's subject.
    type: str
    default: OpenScape Contact Center custom headers
  smtp_host:
    description: The Exchange server's host name.
    type: str
    required: true
  smtp_port:
    description: Its SMTP port.
    type: int
    default: 25
  smtp_user:
    description: The account the utility authenticates as.
    type: str
    required: true
  smtp_password:
    description: Its password. Keep it in a vault.
    type: str
    required: true
  record:
    description: The record of a successful run. Absolute; default C(osccmseheaders.oscc-done.json) next to O(program).
    type: str
  force:
    description: Run the utility even when the record says it ran with these answers.
    type: bool
    default: false
  timeout:
    description: Seconds the utility may take, prompts included, before it is stopped.
    type: int
    default: 120
notes:
  - Unverified against the real utility - the prompt labels and their order are the manual's; whether every release
    reads its answers from standard input is not public. The failure modes above are what guards that.
  - The utility may be run again safely; Exchange keeps headers it has already defined.
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Define the custom headers (manual §3.4.1)
  oscc.admin.exchange_custom_headers:
    program: C:\Program Files (x86)\OpenScape Contact Center\osccmseheaders.exe
    from_address: osccemail@contact.example.com
    to_address: osccemail@contact.example.com
    smtp_host: exch01.contact.example.com
    smtp_port: 587
    smtp_user: osccemail@contact.example.com
    smtp_password: "{{ vault_oscc_mail_password }}"
"""

RETURN = r"""
ran:
  description: Whether the utility ran in this task.
  returned: always
  type: bool
record:
  description: The record file on the main server.
  returned: always
  type: str
output:
  description: What the utility printed, the password masked.
  returned: when it ran, and on failure
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
