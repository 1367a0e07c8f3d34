# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the replication_preflight action plugin (plugins/action/replication_preflight.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: replication_preflight
short_description: Check one OSCC server for replication as manual §7.3 troubleshoots it, and keep its hosts.equiv
version_added: 0.1.0
description:
  - Checks what replication between the OSCC main, backup and central report servers needs on one server, each
    check reported with the manual's step (manual §7.1, §7.3 steps 1-6, §8.1).
  - C(7.1) - the clock offset from O(time_reference), measured with C(w32tm /stripchart) (replication fails when
    clocks are more than two seconds apart, §7.1, §8.1). The role C(oscc.admin.replication_preflight) judges the
    spread across all participating servers.
  - C(7.3 step 1) - C(INFORMIXDIR), C(INFORMIXSERVER) and C(ONCONFIG) present as system environment variables.
  - C(7.3 step 2) - each partner answers a ping (C(Test-Connection)).
  - C(7.3 step 3) - each partner's short and fully-qualified name resolve to its inventory address, and the address
    back to its name (C(Resolve-DnsName)).
  - C(7.3 steps 4-5) - C(hosts.equiv) exists and lists the local and each remote server, short and fully-qualified.
    With O(hosts_equiv=present) the missing names are added (atomically, only if nobody changed the file since it
    was read, with a backup); lines that distrust one of them (C(-name)) are removed, every other line stays
    unless O(exclusive=true).
  - C(7.3 step 6) - a trusted connection to each partner's database server, as C(dbaccess sysmaster@<server>)
    with C(select count(*) from systables). It runs as the connection's account; the manual asks for the
    C(informix) account, so run the task as that user (C(become_method=runas)) for a faithful answer.
  - Read-only unless O(hosts_equiv=present), and always in check mode. Reads everything in one batch, then writes
    C(hosts.equiv) only when it must change (round trips in docs/windows.md). C(hosts.equiv) is not written when
    a check of §7.1 or §7.3 steps 1-3 failed. Step 6 is measured before the write; run again to confirm it.
  - The task fails when any check failed, naming each one.
options:
  local_name:
    description: This server's short name (one label), as the partners' C(hosts.equiv) list it.
    type: str
    required: true
  local_fqdn:
    description: This server's fully-qualified name.
    type: str
    required: true
  partners:
    description:
      - The remote servers of the replication - on the central report server, the main and backup servers; on a
        main or backup server, the central report server (§7.3 step 5), and for high availability the other one of
        the pair.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Its short name.
        type: str
        required: true
      fqdn:
        description: Its fully-qualified name.
        type: str
        required: true
      address:
        description: Its IP address as the inventory knows it (C(ansible_host)); names must resolve to it.
        type: str
        required: true
      informixserver:
        description: Its Informix database server (C(ol_<servername>)), for the trusted connection (§7.3 step 6).
        type: str
  time_reference:
    description:
      - The server every clock is measured against (a name or address). This host's own name measures nothing
        (offset 0). Without it the clock check is reported as not measured.
    type: str
  clock_samples:
    description: Samples w32tm takes (1-30).
    type: int
    default: 3
  clock_warning_seconds:
    description: An offset from the reference above this is a warning.
    type: float
    default: 1.0
  clock_failure_seconds:
    description: An offset from the reference above this fails (§7.1 - replication fails above two seconds).
    type: float
    default: 2.0
  hosts_equiv:
    description: C(check) reports a hosts.equiv that lacks a name as failed; C(present) adds the names.
    type: str
    choices: [check, present]
    default: check
  hosts_equiv_path:
    description: The file (§7.3 step 4).
    type: str
    default: C:\Windows\System32\drivers\etc\hosts.equiv
  exclusive:
    description:
      - With O(hosts_equiv=present), leave exactly the names of §7.3 step 5 in the file, one a line, in the
        manual's order. Refused with O(hosts_equiv=check).
    type: bool
    default: false
  backup:
    description: Keep a timestamped copy of hosts.equiv before changing it.
    type: bool
    default: true
  checks:
    description: The checks to run; all by default.
    type: list
    elements: str
    choices: [environment, clock, network, hosts_equiv, trusted_connection]
    default: [environment, clock, network, hosts_equiv, trusted_connection]
  timeout:
    description: Seconds w32tm and each dbaccess may run.
    type: int
    default: 120
extends_documentation_fragment:
  - oscc.admin.informix_location
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: [windows]
notes:
  - Without O(informixdir) or O(informixserver), the host's C(INFORMIXDIR) and C(INFORMIXSERVER) environment
    variables are read for C(dbaccess) (§7.3 step 6; round trips in docs/windows.md).
  - The Windows parts (w32tm, the DNS and ping cmdlets, the system environment) are simulated in the collection's
    lab; see docs/vendor-facts.md, Replication preflight, for what is verified.
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Check the central report server against the main server (read-only)
  oscc.admin.replication_preflight:
    local_name: osccrep
    local_fqdn: osccrep.contact.example.com
    informixdir: C:\Program Files\Informix
    informixserver: ol_osccrep
    time_reference: osccrep.contact.example.com
    partners:
      - name: oscc1
        fqdn: oscc1.contact.example.com
        address: 10.20.30.11
        informixserver: ol_oscc1
  register: preflight

- name: Add the missing names to hosts.equiv (§7.3 steps 4-5), with a diff
  oscc.admin.replication_preflight:
    local_name: osccrep
    local_fqdn: osccrep.contact.example.com
    partners: "{{ preflight_partners }}"
    checks: [hosts_equiv]
    hosts_equiv: present
  diff: true
"""

RETURN = r"""
checks:
  description: One entry per check, in the manual's order.
  returned: always
  type: list
  elements: dict
  contains:
    step:
      description: The manual's section and step, for example C(7.3 step 3), C(7.1) for the clock.
      type: str
    check:
      description: What was checked.
      type: str
    partner:
      description: The partner's short name for a check of one partner, else null.
      type: str
    status:
      description: C(ok), C(warning) or C(failed).
      type: str
    detail:
      description: What was found, and what to do when it is not ok.
      type: str
  sample:
    - {"step": "7.3 step 3", "check": "127.0.1.3 resolves back to lab-report.lab.invalid", "partner": "lab-report",
       "status": "failed", "detail": "reverse lookup: 3.1.0.127.in-addr.arpa : DNS name does not exist"}
clock_offset_seconds:
  description:
    - How far this host's clock is from the reference's (positive - ahead), the median of the samples; 0 on the
      reference itself; null when not measured.
  returned: always
  type: float
time_reference:
  description: The reference the offset is measured from.
  returned: always
  type: str
hosts_equiv:
  description: The hosts.equiv file.
  returned: always
  type: dict
  contains:
    path:
      description: The file.
      type: str
    exists:
      description: Whether it exists (after the write); null when not checked.
      type: bool
    lines:
      description: Its lines now.
      type: list
      elements: str
    planned_lines:
      description: Its lines as the plan leaves them.
      type: list
      elements: str
    added:
      description: The names the plan adds.
      type: list
      elements: str
    removed:
      description: The lines the plan removes.
      type: list
      elements: str
    changed:
      description: Whether it was (in check mode - would be) changed.
      type: bool
    backup_file:
      description: The copy made before the change.
      type: str
local:
  description: This host's names as given.
  returned: always
  type: dict
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
