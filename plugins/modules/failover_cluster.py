# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the failover_cluster action plugin (plugins/action/failover_cluster.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: failover_cluster
short_description: Put the HPPC Group, a node or the quorum of the warm-standby cluster where a procedure needs them
version_added: 0.3.0
description:
  - Takes the HPPC Group online or offline or moves it to a node (C(Start-ClusterGroup), C(Stop-ClusterGroup),
    C(Move-ClusterGroup)), optionally waiting until the node that was active reports Warm Standby (manual
    §8.1.3.1 step 1, §8.6.3 step 1); pauses a node with its groups drained or resumes it (C(Suspend-ClusterNode
    -Drain), C(Resume-ClusterNode); §8.6.1 steps 2 and 6, §8.8 step 2); starts this node's cluster service with a
    forced quorum (C(Start-ClusterNode -FixQuorum); §8.7).
  - One read-only batch first (also in check mode), then one batch for the change, which reads the new state in
    the same round trip (round trips in docs/windows.md). Nothing changes when the cluster is already as asked.
  - A forced quorum is refused without O(confirm), and unless the other node is verifiably not running OSCC - its
    service control manager shows every OSCC service stopped, or no address of it answers a ping from this node
    and its service control manager does not answer either. Refused too on a host that is not a node of the
    cluster and for a O(peer) that is this node (by name or by an address its name resolves to). A reboot of this
    node drops the forced quorum; the result says so.
  - Pausing the last Up node is refused; a pause whose drain did not end C(Completed) or left the group on the node
    fails, naming the group.
options:
  group:
    description: The cluster group that holds OSCC.
    type: str
    default: HPPC Group
  state:
    description: The group C(online) or C(offline) (on its owner, or on O(owner) after the move).
    type: str
    choices: [online, offline]
  owner:
    description: The node the group moves to (a node name of the cluster, any case); it must be Up.
    type: str
  wait_for_warm_standby:
    description:
      - After the group went offline or moved, wait until the node that owned it reports Warm Standby
        (docs/cluster.md says how that is judged), at most O(timeout) seconds.
    type: bool
    default: false
  node:
    description: The node O(node_state) acts on; this node when not given.
    type: str
  node_state:
    description: C(paused) drains the node's groups to another node and pauses it; C(resumed) resumes it.
    type: str
    choices: [paused, resumed]
  quorum:
    description:
      - C(forced) stops this node's cluster service when it runs and starts it with C(-FixQuorum) (manual §8.7),
        unless the cluster already runs forced. Refused when the cluster has its quorum.
    type: str
    choices: [forced]
  confirm:
    description: Required C(true) for O(quorum=forced).
    type: bool
    default: false
  peer:
    description: The other node's computer name; required with O(quorum=forced).
    type: str
  peer_addresses:
    description:
      - Addresses of O(peer) besides the inventory's C(ansible_host) and C(oscc_cluster_addresses) of the host named
        O(peer); all of them are pinged.
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait for Warm Standby.
    type: int
    default: 600
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: windows
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Take the HPPC Group offline and wait for Warm Standby (manual §8.1.3.1 step 1)
  oscc.admin.failover_cluster:
    state: offline
    wait_for_warm_standby: true

- name: Pause the standby node (manual §8.6.1 step 2)
  oscc.admin.failover_cluster:
    node: lab-backup
    node_state: paused

- name: Force quorum on the main node, the backup node cut off (manual §8.7)
  oscc.admin.failover_cluster:
    quorum: forced
    peer: lab-backup
    confirm: true
"""

RETURN = r"""
changes:
  description: What changed (or, in check mode, would change), in words.
  returned: always
  type: list
  elements: str
cluster:
  description: The cluster after the change, as M(oscc.admin.failover_cluster_info) returns it.
  returned: always
  type: dict
warm_standby_judged_by:
  description:
    - With O(wait_for_warm_standby), that the wait relied on the assumed reading of Warm Standby (docs/cluster.md),
      not on an indicator of the vendor.
  returned: when the wait ran
  type: str
polls:
  description: How many times the wait for Warm Standby read the cluster again, one round trip each.
  returned: when the wait ran
  type: int
forced_quorum_note:
  description: That a reboot of this node drops the forced quorum.
  returned: when O(quorum=forced)
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
