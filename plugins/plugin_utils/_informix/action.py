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
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import signing
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

    def manifest_trust(self, args, task_vars) -> signing.Trust:
        """Which manifests this run signs and believes (docs/backup.md, Manifest signing): manifest_key and
        manifest_previous_keys, or when not given the inventory's oscc_manifest_key and oscc_manifest_previous_keys
        (vaulted); accept_unsigned_manifests. The keys stay on the controller."""
        key, previous = args.get("manifest_key"), args.get("manifest_previous_keys")
        if key is None:
            key = self._inventory_value(task_vars, "oscc_manifest_key")
        if previous is None:
            previous = self._inventory_value(task_vars, "oscc_manifest_previous_keys")
        if previous is not None and not isinstance(previous, list):
            raise AnsibleActionFail("oscc_manifest_previous_keys must be a list of keys")
        try:
            return signing.Trust.of(key, previous, args.get("accept_unsigned_manifests"))
        except signing.ManifestKeyError as exc:
            raise AnsibleActionFail(str(exc)) from None

    def _inventory_value(self, task_vars, name):
        if task_vars.get(name) is None:
            return None
        return self._templar.template(task_vars[name])

    @staticmethod
    def unsigned_taken(probe: Probe, restored: list | None = None) -> tuple[list, list]:
        """The unsigned manifests this run accepted (accept_unsigned_manifests), for the result, and its warning.
        restored: the chain a restore takes; then only its unsigned members (named) are listed."""
        if restored is not None:
            taken = [m["manifest"] for m in restored if m.get("unsigned")]
            what = ("restoring {} unsigned manifest(s), named with accept_unsigned_manifests: true (nothing proves "
                    "who wrote them): {}")
        else:
            taken = [m["manifest"] for m in probe.own if m.get("unsigned")]
            what = ("accepted {} unsigned manifest(s) because accept_unsigned_manifests is true (nothing proves who "
                    "wrote them); they are restored only when named, never by latest or as a parent: {}")
        if not taken:
            return [], []
        return taken, [what.format(len(taken), ", ".join(taken))]

    def probe(self, target, args, destination=None, also=None, trust=None, independent=None) -> Probe:
        probe = informix_host.probe(target, args, destination, also, trust, independent)
        if destination and probe.destination_dangling:
            raise AnsibleActionFail(f"destination {destination} is a link that leads nowhere")
        if destination and probe.destination_is_file:
            raise AnsibleActionFail(f"destination {destination} is a file, not a directory")
        return probe
