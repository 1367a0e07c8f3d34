# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: The round trips both cluster plugins share: the probe (one read-only batch) and a change with the group's
# and the services' reads after it in the same batch.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import cluster
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch


def probe(target, group: str, peer: str | None = None, peer_addresses=(), node_reads: bool = False) -> dict:
    """The cluster as the node sees it, in one round trip (also in check mode); with node_reads also the node's
    network and patch level (node.py)."""
    reads = cluster.probe_ops(group, peer, peer_addresses, node_reads)
    return cluster.read_probe(reads, target.batch(reads.ops, read_only=True, check=False), group)


def change(target, ops: list, group: str) -> dict:
    """The plan's cmdlets in one round trip, then the state they left read in the same batch."""
    batch = Batch.numbered(ops, "change")
    batch.add("computer", cluster.computer_op())
    batch.add("services", cluster.services_op())
    cluster.cluster_reads(batch, group)
    done = target.batch(batch.ops, check=False)
    failed = batch.failed(done)
    if failed is not None and failed.step == "change":
        raise AnsibleActionFail(f"cluster: {failed.line()}")
    return cluster.read_probe(batch, done, group)
