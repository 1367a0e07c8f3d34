# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Restores the newest verified backup chain, or a named one (docs: plugins/modules/informix_restore.py).
# Manual §6.3.3 (ontape restore) and §6.3.4 (level 0 on a clean installation).
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils import _archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils import _informix as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix_action import REMOTE_RULES, InformixAction
from ansible_collections.oscc.admin.plugins.plugin_utils._prompts import RESTORE_PROMPTS
from ansible_collections.oscc.admin.plugins.plugin_utils._target import RemoteFailure

from .informix_backup import plan_backup, run_backup

RESTORE_SPEC = {
    "manifest": {"type": "str", "default": "latest"},
    "destination": {"type": "str"},
    "confirm": {"type": "bool", "default": False},
    "safety_backup": {"type": "bool", "default": True},
    "safety_destination": {"type": "str"},
    "include_levels": {"type": "list", "elements": "int", "choices": [0, 1, 2]},
    "chunks": {"type": "list", "elements": "str"},
    "timeout": {"type": "int", "default": 3600},
}


def restore_method(chain: list[dict], tapedev: str | None, server_last: dict) -> str:
    if any(m.get("tool") == "onbar" for m in chain):
        if any(m.get("tool") != "onbar" for m in chain):
            raise AnsibleActionFail("the chain mixes onbar and ontape backups; restore it level by level")
        # onbar -r restores the newest backup its storage manager holds: make sure that is this chain.
        known, ours = server_last.get(0), chain[0].get("checkpoint")
        if known and ours and (known.get("log"), known.get("date")) != (ours.get("log"), ours.get("date")):
            raise AnsibleActionFail(f"onbar would restore the server's last level 0 archive ({known['date']}), "
                                    f"not {chain[0]['name']}; only the newest onbar chain can be restored")
        return "onbar"
    methods = {m.get("method") for m in chain}
    if len(methods) != 1:
        raise AnsibleActionFail(f"the chain mixes backup methods {sorted(methods)}; restore it level by level")
    method = methods.pop()
    if method == "directory" and (ifx.is_null_device(tapedev) or any(c.isspace() for c in tapedev)):
        raise AnsibleActionFail(f"the chain was written to a TAPEDEV directory, but TAPEDEV is now {tapedev!r}")
    if method == "tapedev" and (ifx.is_null_device(tapedev) or any(c.isspace() for c in tapedev)):
        raise AnsibleActionFail(f"the chain was written through the TAPEDEV file, but TAPEDEV is now {tapedev!r}")
    return method


class ActionModule(InformixAction):
    ARGSPEC = RESTORE_SPEC
    PATH_OPTIONS = ("manifest", "destination", "safety_destination")

    def act(self, args, target, task_vars):
        if not args["confirm"] and not self._task.check_mode:
            raise AnsibleActionFail("confirm: true is required: a restore replaces the whole Informix instance "
                                    "and stops the OSCC services")
        wanted = None
        destination = args["destination"]
        if args["manifest"] != "latest":
            destination = target.path.dirname(args["manifest"])  # the chain lives beside its manifest
            wanted = target.path.basename(args["manifest"])
            wanted = wanted[: -len(arc.MANIFEST_SUFFIX)] if wanted.endswith(arc.MANIFEST_SUFFIX) else wanted
        if not destination:
            raise AnsibleActionFail("destination is required when manifest is 'latest'")
        probe = self.probe(target, args, destination=destination)
        chain = arc.restore_chain(probe.get("manifests", []), wanted, args["include_levels"])
        tapedev = probe["onconfig_values"].get("TAPEDEV")
        method = restore_method(chain, tapedev, probe["archives_by_level"])
        archives = [{"archive": m["archive_path"], "sha256": m["sha256"], "size": m["size"]} for m in chain
                    if m.get("archive_path")]
        checked = target.procedure("verify_archives", {"archives": archives}, read_only=True)["archives"] if archives else []
        bad = [a for a in checked if not a["ok"]]
        if bad:
            raise AnsibleActionFail(f"refusing to restore, nothing was touched: {bad[0]['archive']}: {bad[0]['reason']}")
        plan = {"restored": [m["name"] for m in chain], "method": method, "services": args["services"]}
        if self._task.check_mode:
            return {"changed": True, **plan, "safety_backup": args["safety_backup"], "server_mode": probe["server_mode"]}

        result = {"changed": False, **plan}
        if args["safety_backup"]:
            result["safety_backup"] = self._safety_backup(target, args, probe, destination, task_vars)
            result["changed"] = True
        for service in args["services"]:
            target.service(service, "stopped")  # manual §6.3.3 step 2
        params = {**self.location(args), **REMOTE_RULES, "archives": archives, "method": method, "tapedev": tapedev,
                  "prompts": RESTORE_PROMPTS, "timeout": args["timeout"],
                  "chunks": args["chunks"] if args["chunks"] is not None else chain[0].get("chunks", [])}
        try:
            done = target.procedure("restore", params)
        except RemoteFailure as exc:
            if not exc.details.get("touched"):
                self._start(target, args)
                raise
            undo = (f" The state before the restore is in {result['safety_backup']['manifest']}."
                    if "safety_backup" in result else "")
            raise RemoteFailure(f"{exc} The OSCC services stay stopped.{undo}", exc.details) from exc
        self._start(target, args)
        result.update(changed=True, server_mode=ifx.server_mode(done["onstat_rc"]), created_chunks=done["created_chunks"],
                      manifests=[m["manifest"] for m in chain], output=done["output"])
        return result

    def _safety_backup(self, target, args, probe, destination, task_vars):
        if probe["onstat_rc"] != ifx.ONLINE_RC:
            raise AnsibleActionFail(f"the server is {probe['server_mode']}, so no safety backup of the current state can be "
                                    "taken; set safety_backup: false to restore without one")
        safety_dir = args["safety_destination"] or target.path.join(destination, "safety")
        backup_args = {**self.location(args), "tool": "ontape", "level": 0, "method": "stdio", "destination": safety_dir,
                       "keep_full": None, "verify": True, "timeout": args["timeout"]}
        safety_probe = dict(probe, manifests=[], lock=None)
        params, _doomed = plan_backup(self, backup_args, safety_probe, task_vars.get("inventory_hostname"), purpose="safety")
        return run_backup(target, params)

    @staticmethod
    def _start(target, args):
        for service in args["services"]:
            target.service(service, "started")  # manual §6.3.3 step 16
