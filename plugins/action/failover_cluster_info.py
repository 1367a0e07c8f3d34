# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Read-only state of the warm-standby cluster (docs: plugins/modules/failover_cluster_info.py). Manual chapter 8.
from __future__ import annotations

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import host
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction


class ActionModule(OsccAction):
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        state = host.probe(target, args["group"], node_reads=args["node_details"])
        return {"changed": False, "cluster": state}
