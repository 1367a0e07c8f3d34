# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Manual §8.8: what keeps a new cluster node from replacing the old one (docs: cluster_node_problems.yml).
from __future__ import annotations

import socket

from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import node


def cluster_node_problems(info, name, address, patch_level, network_order=None, binding_order=None):
    """The lines naming each difference between the node (failover_cluster_info's node_info) and what it must be."""
    if not isinstance(info, dict) or "binding_order" not in info:
        raise AnsibleFilterError("cluster_node_problems: the input must be failover_cluster_info's "
                                 "cluster.node_info (node_details: true)")
    for option, value in (("name", name), ("address", address)):
        if not isinstance(value, str) or not value:
            raise AnsibleFilterError(f"cluster_node_problems: {option} must be a non-empty string, got {value!r}")
    return node.problems(info, name, address, patch_level or None,
                         tuple(network_order or node.NETWORK_ORDER), tuple(binding_order or node.BINDING_ORDER),
                         resolved=None if node.is_address(address) else resolve(address))


def resolve(name: str) -> list:
    """The IPv4 addresses a DNS name in the inventory stands for, as the controller resolves it (it reaches the
    node by that name); none when it does not resolve."""
    try:
        found = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({entry[4][0] for entry in found})


class FilterModule:
    def filters(self):
        return {"cluster_node_problems": cluster_node_problems}
