# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Read-only replication state of an OSCC server (docs: plugins/modules/replication_info.py).
# Manual §7.1.1 (the buffer's levels), §7.3 and §8.1.
from __future__ import annotations

from ansible_collections.oscc.admin.plugins.plugin_utils._replication.action import Estate, ReplicationAction


class ActionModule(ReplicationAction):

    def act(self, args, target, task_vars):
        informix = self.informix(target, args, task_vars)
        estate = Estate(args, task_vars, informix, args["scope"])
        ops = self.probe_ops(informix)
        found = ops.results(target.batch(ops.ops, read_only=True, check=False))
        return dict(self.read_probe(informix, estate, found), changed=False)
