# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the failover_cluster_info action plugin (plugins/action/failover_cluster_info.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: failover_cluster_info
short_description: Read the warm-standby cluster of an OSCC node (HPPC Group, nodes, quorum)
version_added: 0.3.0
description:
  - Reads, in one batch through the FailoverClusters cmdlets (round trips in docs/windows.md), the HPPC Group's
    state and owner, every node's state and drain status, the cluster service on this node, the quorum type and
    whether the cluster runs with a forced quorum (the cluster's C(FixQuorum) property), and how OSCC stands on
    this node (C(active), C(warm_standby) or C(stopped)).
  - How OSCC V12 shows Warm Standby is not publicly documented; the role is derived from the group and the
    C(OpenScape Contact Center) service as docs/cluster.md states.
  - When the cluster service does not run here the cluster cannot be read; the result then says why in
    C(cluster.cluster_error) and still gives the services.
  - With O(node_details), the same batch also reads what manual §8.8 checks on a node - its addresses, the
    network order, the TCP/IP binding order (interface metrics on Windows Server 2016 and later, the registry's
    C(Tcpip\Linkage\Bind) on 2012 R2; C(binding_source) says which) and the OSCC patch level (docs/cluster.md).
  - Changes nothing; runs in check mode.
options:
  group:
    description: The cluster group that holds OSCC (manual chapter 8).
    type: str
    default: HPPC Group
  node_details:
    description:
      - Also read this node's adapters, addresses, network order, binding order and OSCC patch level
        (C(cluster.node_info)), in the same batch.
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
    platforms: windows
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Where does OSCC run?
  oscc.admin.failover_cluster_info:
  register: cluster

- name: Stop when this node is not in Warm Standby
  ansible.builtin.assert:
    that: cluster.cluster.oscc_role == 'warm_standby'
"""

RETURN = r"""
cluster:
  description: The cluster as this node sees it.
  returned: always
  type: dict
  contains:
    node:
      description: This computer's name (C(Win32_ComputerSystem)).
      type: str
    cluster_service:
      description: The cluster service's status here (C(Running), C(Stopped), C(Absent)).
      type: str
    oscc_services:
      description: Each OSCC service's status here.
      type: dict
    oscc_role:
      description: C(active), C(warm_standby) or C(stopped) (assumed, docs/cluster.md); absent without the cluster.
      type: str
    cluster_error:
      description: Why the cluster could not be read, or null.
      type: str
    cluster:
      description: The cluster's name and C(forced_quorum) (its FixQuorum property).
      type: dict
    nodes:
      description: Node name to its C(state) (Up, Down, Paused, Joining), C(drain) status and current C(vote).
      type: dict
    group:
      description: The group's C(name), C(owner) and C(state) (Online, Offline, Failed, PartialOnline, Pending).
      type: dict
    quorum:
      description: The quorum C(type) and C(resource).
      type: dict
    node_info:
      description:
        - With O(node_details) only. C(name) (this computer), C(os) (C(caption), C(version)), C(addresses) (the
          adapters' IPv4 addresses), C(adapter_addresses) (adapter name to its addresses), C(network_order) (the
          cluster networks this node has an interface in, the cluster's own traffic's preference first, by lowest
          metric; null without the cluster), C(network_adapters) (cluster network to the adapter holding this
          node's interface in it), C(binding_order) (the adapters, first first), C(binding_source)
          (C(interface_metric) or C(registry_bind)), C(patch_level) (the OSCC uninstall entries, docs/backup.md).
      type: dict
    node_error:
      description: With O(node_details), why one of the node's reads failed, or null.
      type: str
  sample:
    node: LAB-MAIN
    cluster_service: Running
    oscc_role: active
    group: {name: HPPC Group, owner: lab-main, state: Online}
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
