# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the account_password action plugin (plugins/action/account_password.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: account_password
short_description: Change the OSCC (hppc) and Informix (informix) passwords in the manual's places and order
version_added: 0.1.0
description:
  - Manual §6.2. The password of the local user C(hppc) (OSCC) or C(informix) is entered in three places - the
    Log On tab of every service that runs as that user, the local user itself, and (the Informix password only)
    the database-server password of OSCC's startup configuration, a GUI (C(tcfmain)) this module cannot set.
  - Every password is checked before anything changes - the Informix password at most 16 characters and without
    spaces (§6.2), no password with a control character (NUL, line break, tab).
  - O(phase=change) stops the services (OSCC before Informix), enters the password on the Log On tab of each
    service running as the user (C(ansible.windows.win_service)), then sets the local user's password
    (C(ansible.windows.win_user)), and records a keyed fingerprint of each password on the host (docs/credentials.md).
    A password whose fingerprint is already recorded is not set again - a second run changes nothing.
  - O(phase=start) starts the services again (Informix before OSCC, §6.2 steps 14-15) once the operator confirmed
    the startup configuration (O(startup_configuration_confirmed)); a service that does not start - for example
    one left with the old password - fails the task and names the service. OSCC is never started while the record
    holds an Informix change still waiting for the startup configuration that this task's passwords do not
    confirm, or while the Informix server's service is not running and not started first.
  - In check mode nothing changes; the summary says what a real run would set, stop and start, and that it would
    stop at the operator's checkpoint (no failure for the change not made).
  - Pass passwords holding C({{) or C({%) as C(!unsafe) values, otherwise Ansible takes them for templates.
  - No password is in the result, a command line or a file on the host; the fingerprint is an HMAC keyed by
    O(fingerprint_key), which never reaches the host.
options:
  phase:
    description: C(change) - §6.2 steps 1-9; C(start) - steps 14-15 after the operator's steps 10-13.
    type: str
    choices: [change, start]
    default: change
  hppc_password:
    description: The new OSCC password (user C(hppc)). Keep it in a vault.
    type: str
  informix_password:
    description: The new Informix password (user C(informix)); at most 16 characters, no spaces. Keep it in a vault.
    type: str
  informixserver:
    description:
      - The Informix server (C(ol_<servername>)). Its Windows service is the one of C(Informix IDS - <informixserver>)
        (the manual's name) and C(IBM Informix Database Server - <informixserver>) the host has, unless C(services.ids)
        names it.
    type: str
    required: true
  services:
    description:
      - Service names where a host's differ from the manual's, by key - C(oscc), C(autopa), C(message), C(ids),
        C(snmp) (docs/credentials.md).
    type: dict
    default: {}
  fingerprint_key:
    description:
      - The secret that keys the fingerprints (HMAC-SHA256), at least 16 characters. When not given, the inventory's
        C(oscc_manifest_key).
    type: str
  record:
    description: The file on the host that keeps the fingerprints (never a password). Absolute.
    type: str
    default: C:\ProgramData\oscc.admin\credentials.json
  startup_configuration_confirmed:
    description:
      - With O(phase=start) - the operator has entered the new Informix password in the startup configuration
        (§6.2 steps 10-13). Without it a pending Informix change fails the start and the services stay stopped.
      - It confirms the change recorded as pending; the C(oscc.admin.credentials) role withholds it when the change
        phase of the same run replaced a pending password by a different one (result RV(reopened)).
    type: bool
    default: false
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
    platforms: [windows]
notes:
  - Run the task with C(no_log) (the role C(oscc.admin.credentials) does); the result holds no password either way.
  - C(ansible.windows.win_user) tests the old password by a logon before it sets a new one; that failed logon counts
    towards an account lockout policy.
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Change the Informix password (manual §6.2 steps 1-9)
  oscc.admin.account_password:
    informix_password: "{{ vault_informix_password }}"
    informixserver: ol_oscc1
  no_log: true
"""

RETURN = r"""
users:
  description: The users whose password was set (or would be, in check mode).
  returned: always
  type: list
  elements: str
stopped:
  description: The services stopped, in order.
  returned: always
  type: list
  elements: str
logon:
  description: The services whose Log On password was set, in order.
  returned: always
  type: list
  elements: str
started:
  description: The services started (O(phase=start)), in order.
  returned: always
  type: list
  elements: str
startup_configuration_pending:
  description: The operator still has to set the database-server password in the startup configuration.
  returned: always
  type: bool
reopened:
  description:
    - O(phase=change) - the Informix password differs from the one that was waiting for the startup configuration;
      the checkpoint is open again for this one.
  returned: always
  type: bool
summary:
  description:
    - One line for people; in check mode what a real run would do (C(would set), C(would stop), C(would start)).
  returned: always
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
