# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Manual §8.2: which node the synchronisation runs on, decided from the cluster (docs: ha_sync_target.yml).
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import cluster


def ha_sync_target(state, nodes, chosen=None):
    """The node that was down (the one not owning the group), the one that served, and why neither can be said."""
    if not isinstance(state, dict) or "group" not in state:
        raise AnsibleFilterError("ha_sync_target: the input must be failover_cluster_info's cluster")
    if not isinstance(nodes, (list, tuple)) or len(nodes) != 2 or not all(isinstance(n, str) and n for n in nodes):
        raise AnsibleFilterError(f"ha_sync_target: nodes must be the main and the backup server, got {nodes!r}")
    return cluster.sync_target(state, list(nodes), chosen or None)


class FilterModule:
    def filters(self):
        return {"ha_sync_target": ha_sync_target}
