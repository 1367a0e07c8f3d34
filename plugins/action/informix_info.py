# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Read-only facts about an OSCC Informix instance (docs: plugins/modules/informix_info.py).
from __future__ import annotations

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.action import InformixAction

BACKUP_PARAMETERS = ("TAPEDEV", "TAPEBLK", "TAPESIZE", "LTAPEDEV", "LTAPEBLK", "LTAPESIZE", "BAR_ACT_LOG",
                     "BAR_BSALIB_PATH")


class ActionModule(InformixAction):
    def act(self, args, target, task_vars):
        probe = self.probe(target, args)
        values = probe.onconfig_values
        header = ifx.parse_onstat_header(probe.text.onstat) or {}
        return {
            "changed": False,
            "server_mode": probe.server_mode,
            "onstat_rc": probe.onstat_rc,
            "version": header.get("version"),
            "product": header.get("product"),
            "archives": {str(level): value for level, value in probe.archives_by_level.items()},
            "onconfig_path": probe.onconfig_path,
            "backup_parameters": {name: values[name] for name in BACKUP_PARAMETERS if name in values},
            "environment": probe.environment,
            "platform": target.platform,
        }
