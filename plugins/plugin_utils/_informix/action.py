# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: What the Informix action plugins share: the probe
# (their common options are the doc fragments oscc.admin.informix and oscc.admin.informix_location).
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import host as informix_host
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import Probe


class InformixAction(OsccAction):
    FAILURES = (arc.ChainError,)
    DETAIL_KEYS = OsccAction.DETAIL_KEYS + ("onstat_arc", "lock", "touched", "created_chunks", "archives",
                                            "skipped_manifests", "server_mode", "services_stopped", "safety_backup",
                                            "take_over")
    COMMON_PATHS = ("informixdir",)
    COMMON_NAMES = {"informixserver": ""}

    @staticmethod
    def location(args):
        return {k: args.get(k) for k in ("informixdir", "informixserver", "onconfig")}

    def probe(self, target, args, destination=None, also=None) -> Probe:
        probe = informix_host.probe(target, args, destination, also)
        if destination and probe.destination_dangling:
            raise AnsibleActionFail(f"destination {destination} is a link that leads nowhere")
        if destination and probe.destination_is_file:
            raise AnsibleActionFail(f"destination {destination} is a file, not a directory")
        return probe
