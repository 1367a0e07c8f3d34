# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Verified, chain-aware Informix backups (docs: plugins/modules/informix_backup.py).
# Manual §6.3.2 (ontape); the archive, then its manifest, then retention, in that order.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import double_hop
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.action import InformixAction
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup import adopt, run_backup
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_options import backup_arguments
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_plan import plan_backup, resolve_method
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.lock import (
    broke_lock,
    lock_to_break,
    lock_warning,
    take_over,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.schedule import (
    own_records,
    pending_warning,
    run_warnings,
)

UNSIGNED_BACKUP = ("manifest_key is not set (nor the inventory's oscc_manifest_key): this backup's manifest is "
                   "unsigned, and a restore takes it only with accept_unsigned_manifests: true")


class ActionModule(InformixAction):
    PATH_OPTIONS = ("destination",)

    def act(self, args, target, task_vars):
        args = backup_arguments(args)  # the one builder the safety and scheduled backups share
        if args["keep_full"] < 1:
            raise AnsibleActionFail("keep_full must be at least 1: the newest verified chain is never deleted")
        resolve_method(args)
        trust = self.manifest_trust(args, task_vars)
        probe = self.probe(target, args, destination=args["destination"], trust=trust)
        found_lock = probe.lock  # the lock this run breaks, if any, as found before adoption probes again
        break_token, taken_over = None, None
        if args["take_over"]:  # a killed run's lock, once nothing of that run is alive (refused otherwise)
            break_token, taken_over = take_over(target, probe, args["services"])
        pending, adopted = own_records(probe), []
        if pending and not self._task.check_mode:  # finished scheduled runs become manifests first (manual §6.3.1)
            adopted = adopt(target, probe, args["timeout"] + 900,
                            break_token if taken_over else lock_to_break(probe.lock), trust)
            if not all("skipped" in verdict for verdict in adopted):  # the destination changed: read it again
                probe = self.probe(target, args, destination=args["destination"], trust=trust)
        plan = plan_backup(args, probe, task_vars.get("inventory_hostname"), signed=trust.signs)
        # What else lies in the destination is reported, never counted or deleted (other servers, damaged files).
        unsigned, signing_warnings = self.unsigned_taken(probe)
        signing_warnings += run_warnings(adopted)
        seen = {"skipped_manifests": probe.skipped, "other_files": probe.others, "unsigned_manifests": unsigned}
        if not trust.signs:
            signing_warnings.append(UNSIGNED_BACKUP)
        if self._task.check_mode:
            warnings = lock_warning(probe.lock) + pending_warning(pending) + signing_warnings
            if not probe.destination_exists and double_hop.is_unc(args["destination"]) and target.platform == "windows":
                warnings.append("destination " + double_hop.unreachable(
                    args["destination"], "does not exist or cannot be read from the WinRM session (the backup "
                                         "creates it if the session may)"))
            return {
                "changed": True, "level": args["level"], "parent": plan.manifest["parent"],
                "archive": target.path.join(args["destination"], plan.name + arc.ARCHIVE_SUFFIX)
                if args["tool"] == "ontape" else None,
                "would_delete": [m["name"] for m in plan.doomed], "would_delete_files": plan.delete,
                "server_mode": probe.server_mode, **seen, **({"warnings": warnings} if warnings else {}),
                **({"take_over": dict(taken_over, took_over=False, would_take_over=taken_over["took_over"])}
                   if taken_over else {}),
            }
        done = run_backup(target, probe, plan, break_token=break_token, trust=trust)
        broke, broke_warnings = broke_lock(found_lock, taken_over)  # the run took the lock: it broke that one
        warnings = broke_warnings + done.pop("warnings", []) + signing_warnings
        return {**done, **seen, **broke, **({"take_over": taken_over} if taken_over else {}),
                **({"warnings": warnings} if warnings else {})}
