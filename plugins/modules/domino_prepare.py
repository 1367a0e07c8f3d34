# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the domino_prepare action plugin (plugins/action/domino_prepare.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: domino_prepare
short_description: Prepare an HCL / Lotus Domino server for the OSCC e-mail server through its console
version_added: 0.1.0
description:
  - Manual §3.8 - reports by e-mail need C(SMTPVerifyAuthenticatedSender=0) in notes.ini. The module reads notes.ini
    and, only for a variable that differs, sends C(set config NAME=VALUE) to the running server through its console
    program (C(nserver -c) on Windows, C(server -c) on Linux); then it reads notes.ini again and fails unless the
    server wrote the value. An absent C(SMTPVerifyAuthenticatedSender) counts as Domino's default, C(0).
  - Manual §3.5.1 - O(compact) databases are compacted with C(load compact <database> -b), in place with space
    recovery only. IMAP access to a database stops while it is compacted, so give it only in the OSCC maintenance
    window; it runs every time it is given.
  - A previous value is reported (C(settings), diff), never changed silently; with C(SMTPTranslateAddresses) set
    Domino ignores C(SMTPVerifyAuthenticatedSender), which is returned as a warning.
  - What the console cannot set is not attempted - the mailbox's C(Prefers MIME) format preference (§3.5), immediate
    full-text indexing (§3.5) and the SSL port's authentication options (§3.7) are Domino Directory and database
    settings; the C(imap_search), C(custom_headers) and C(imap_login) checks of M(oscc.admin.mail_check) prove them
    over IMAP.
  - Reads first and uses the console only when something differs. Its round trips are in docs/windows.md.
options:
  notes_ini:
    description:
      - The notes.ini of the running server. Absolute; on Windows usually in the program folder
        (C(C:\Lotus\Domino\notes.ini)), on Linux in the data directory (C(/local/notesdata/notes.ini)).
      - The console program runs in its folder.
    type: str
    required: true
  console:
    description:
      - The console program - C(nserver.exe) in the Domino program folder on Windows, C(server) (for example
        C(/opt/hcl/domino/bin/server)) on Linux. Absolute.
      - On Linux it must run as the server's user (C(become_user)).
    type: str
    required: true
  settings:
    description:
      - notes.ini variables and their wanted values. A value is one line without double quotes - the console would
        read a line break as a second command and notes.ini as a second variable.
    type: dict
    default: {"SMTPVerifyAuthenticatedSender": "0"}
  compact:
    description: Databases, relative to the data directory, to compact with C(-b) now.
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds each console command may take.
    type: int
    default: 60
notes:
  - The console commands and C(-c) are taken from HCL's administration help and are unverified against a running
    server here (docs/vendor-facts.md, Domino); the read-back of notes.ini is what makes a C(set config) count as done.
  - A Configuration Settings document in the Domino Directory may set the same variable and win at the next
    restart; the module reports a notes.ini that does not take the value.
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
- name: Let the OSCC e-mail server send reports from other addresses (manual §3.8)
  oscc.admin.domino_prepare:
    notes_ini: C:\Lotus\Domino\notes.ini
    console: C:\Lotus\Domino\nserver.exe

- name: Compact the OSCC mail database in the maintenance window (manual §3.5.1)
  oscc.admin.domino_prepare:
    notes_ini: /local/notesdata/notes.ini
    console: /opt/hcl/domino/bin/server
    compact: [mail/osccmail.nsf]
  become: true
  become_user: notes
"""

RETURN = r"""
commands:
  description: The console commands planned (and, unless in check mode, sent), in order.
  returned: always
  type: list
  elements: str
  sample: ["set config SMTPVerifyAuthenticatedSender=0", "load compact mail/osccmail.nsf -b"]
settings:
  description: The variables that differed, with the value before (null when absent) and after.
  returned: always
  type: dict
  sample: {"SMTPVerifyAuthenticatedSender": {"before": "1", "after": "0"}}
output:
  description: What the console printed for each command.
  returned: when commands were sent
  type: list
  elements: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
