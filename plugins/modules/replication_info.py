# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the replication_info action plugin (plugins/action/replication_info.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: replication_info
short_description: Read the replication state of an OSCC server (central reporting, high availability)
version_added: 0.2.0
description:
  - Reads, in one batch (round trips in docs/windows.md), whether the server replicates through Informix
    Enterprise Replication (the C(CDR_) parameters of its C(ONCONFIG), C(cdr list server), the queue sbspace in
    C(onstat -d)), the state of each partner of each kind of replication, and the fill of the replication buffer
    with the manual's levels (§7.1.1).
  - Changes nothing; runs in check mode. The result is one JSON object per host with stable keys, for a
    dashboard or an C(ansible.builtin.assert).
options:
  scope:
    description:
      - Which kinds of replication to report partners for.
    type: str
    choices: [central_reporting, high_availability, all]
    default: all
  row_counts:
    description:
      - Tables of O(row_count_database) to count, each with one read-only C(select count(*)) through C(dbaccess)
        in the same round trip. Plain SQL identifiers. restore_estate.yml compares them across the estate.
    type: list
    elements: str
    default: []
  row_count_database:
    description: The database the O(row_counts) tables are in.
    type: str
    default: hppc
extends_documentation_fragment:
  - oscc.admin.replication
  - oscc.admin.informix_location
  - oscc.admin.informix_location.onconfig
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
- name: Read the replication state of every OSCC server
  oscc.admin.replication_info:
  register: replication

- name: Fail when the buffer is at the critical level (§7.1.1)
  ansible.builtin.assert:
    that: replication.buffer.level != 'critical'
    fail_msg: "{{ replication.buffer.meaning }} ({{ replication.buffer.percent }} %)"
"""

RETURN = r"""
row_counts:
  description: With O(row_counts), each table's number of rows; C(null) where DB-Access gave no count.
  returned: with row_counts
  type: dict
  sample: {"agents": 12}
row_count_errors:
  description: With O(row_counts), why a table has no count (the Informix error line, or the run's failure).
  returned: with row_counts
  type: dict
host:
  description: The inventory host.
  returned: always
  type: str
role:
  description: The host's part, from its inventory group - C(main), C(backup) or C(central_report).
  returned: always
  type: str
informixserver:
  description: The Informix server.
  returned: always
  type: str
server_group:
  description: The host's Enterprise Replication server group.
  returned: always
  type: str
  sample: g_ol_oscc1
server_mode:
  description: The server mode from the C(onstat -) return code.
  returned: always
  type: str
enterprise_replication:
  description:
    - Whether the host replicates through Informix Enterprise Replication - C(detected), C(local_state)
      (C(running), C(stopped), C(offline), C(not_in_domain), C(not_configured), C(error)), the C(evidence)
      found, the C(cdr_parameters) of ONCONFIG and the C(cdr_list_server) answer.
  returned: always
  type: dict
kinds:
  description:
    - Per kind (C(central_reporting), C(high_availability)), C(configured) and the C(partners) - each with
      C(host), C(group), C(listed), C(state), C(suspended), C(needs_reset), C(er_state), C(er_status),
      C(er_meaning) and C(queued_bytes).
    - C(state) is C(active) (STATUS C(Connected), C(Local) or C(Timeout), an idle connection ER opens again),
      C(paused) (every delivery of the kind suspended - STATE C(Suspended) on the row of the server it goes to),
      C(partly_paused) (high availability suspended one way only), C(connecting) (C(Connecting), C(Dropped) -
      ER retries by itself), C(disconnected) (C(Disconnect) - closed by a user command and unavailable until
      reset; C(needs_reset) is true), C(deleted), C(disabled), C(defining) (STATE C(Deleted), C(Disabled),
      C(Quiescent)), C(stopped) (replication stopped here) or C(unknown).
    - C(suspended) lists the deliveries (C(from), C(to) server groups) whose receiver's row reads C(Suspended);
      C(er_meaning) gives the documented meaning of the row's STATE and STATUS.
  returned: always
  type: dict
buffer:
  description:
    - The replication buffer of §7.1.1 - C(percent), C(level) (C(ok) below 50, C(warning_hourly) from 50,
      C(warning) from 75, C(critical) from 95, C(unknown)), its C(meaning), C(queued_bytes), C(capacity_bytes),
      C(sbspaces) and C(computed_from), the formula.
  returned: always
  type: dict
  sample: {"percent": 12.5, "level": "ok", "queued_bytes": 320000, "capacity_bytes": 2560000}
servers:
  description: The rows of C(cdr list server) - C(group), C(id), C(state), C(status), C(queue), C(changed).
  returned: always
  type: list
  elements: dict
remote_operations:
  description: Remote round trips made (one).
  returned: always
  type: int
"""
