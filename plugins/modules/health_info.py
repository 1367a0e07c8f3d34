# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the health_info action plugin (plugins/action/health_info.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: health_info
short_description: Read the health facts of one OSCC server in one batch (the estate health report)
version_added: 0.2.0
description:
  - Reads, in one executor batch (round trips in docs/windows.md), the Informix server's mode, the newest verified
    archive of each level in the backup destination with its age by the host's clock (manual §6.3), the
    replication state and buffer fill (§7.1.1), on a cluster node the HPPC Group's owner and the nodes' states
    (chapter 8), the state of the listed services and the clock's offset from a time reference (§7.1, §8.1).
  - Each read beside the Informix probe is independent of the others - a node without a cluster, a server without
    Enterprise Replication or a reference that does not answer costs only its own fact.
  - Changes nothing; check mode and normal mode read the same. The verdicts are made on the controller by the
    P(oscc.admin.health_report_verdict#filter) filter; the role C(oscc.admin.health_report) writes the report.
options:
  destination:
    description:
      - The backup destination whose manifests say which archives are verified (the backup role's
        C(informix_backup_destination)). An absolute path on the host.
      - When omitted, no archive is read and the report says so.
    type: str
  services:
    description: Windows services whose state is reported (Windows hosts only).
    type: list
    elements: str
    default: [OpenScape Contact Center, OpenScape Contact Center AutoPA]
  cluster_group:
    description: The cluster group whose owner is reported where the host is a cluster node.
    type: str
    default: HPPC Group
  time_reference:
    description:
      - The name of the server the clock is measured from with C(w32tm /stripchart) (Windows hosts only). When
        omitted, no offset is measured.
    type: str
  local_names:
    description: The names this host answers to; a O(time_reference) among them is this host (offset 0).
    type: list
    elements: str
    default: []
  clock_samples:
    description: How many samples C(w32tm) takes; the median is reported.
    type: int
    default: 3
  timeout:
    description: Seconds each program may run.
    type: int
    default: 120
extends_documentation_fragment:
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
notes:
  - O(informixdir) and O(informixserver) fall back to the inventory's C(oscc_informixdir) and
    C(oscc_informixserver), then to the host's environment (a further read, docs/windows.md).
  - Manifests are believed as the backup module believes them (docs/backup.md, Manifest signing), signed with the
    inventory's C(oscc_manifest_key) or one of C(oscc_manifest_previous_keys).
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Read the health facts of every OSCC server
  oscc.admin.health_info:
    destination: '{{ oscc_backup_destination }}'
    time_reference: report.example.com
  register: health
"""

RETURN = r"""
host_time:
  description: The host's UTC time when it was read; the archives' ages are counted from it.
  returned: always
  type: str
judged_by:
  description: Which clock dated the ages - the host's, or the controller's when the host gave none.
  returned: always
  type: str
platform:
  description: C(windows) or C(posix).
  returned: always
  type: str
informix:
  description: C(server), C(mode) (from the C(onstat -) return code), C(onstat_rc) and C(version).
  returned: always
  type: dict
archives:
  description:
    - C(destination), C(readable), C(skipped) (manifests not believed) and C(levels) - per level C(0) and C(1)
      the newest verified archive's C(name), C(start) and C(age_hours), or C(null).
  returned: always
  type: dict
replication:
  description:
    - C(local_state), C(detected), C(partners) (C(kind), C(host), C(state), C(queued_bytes)) and C(buffer)
      (C(percent), C(level), C(queued_bytes), C(capacity_bytes)) as M(oscc.admin.replication_info) reads them;
      C(null) for a host outside the groups C(oscc_main), C(oscc_backup) and C(oscc_central_report).
  returned: always
  type: dict
cluster:
  description:
    - C(node), C(cluster_service), C(group), C(owner), C(group_state), C(nodes) (name to state) and C(error);
      C(null) where the host is no cluster node or not a Windows host.
  returned: always
  type: dict
services:
  description: Each of O(services) to its state (C(Running), C(Stopped), ... or C(Absent)); C(null) on POSIX.
  returned: always
  type: dict
clock:
  description: C(reference), C(offset_seconds) (this host minus the reference) and C(error); C(null) unmeasured.
  returned: always
  type: dict
remote_operations:
  description: Remote round trips made (docs/windows.md).
  returned: always
  type: int
"""
