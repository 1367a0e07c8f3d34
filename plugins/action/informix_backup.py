# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Verified, chain-aware Informix backups (docs: plugins/modules/informix_backup.py).
# Manual §6.3.2 (ontape); the archive, then its manifest, then retention, in that order.
from __future__ import annotations

import datetime as dt
import socket

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils import _archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils import _informix as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix_action import REMOTE_RULES, InformixAction

BACKUP_SPEC = {
    "tool": {"type": "str", "choices": ["ontape", "onbar"], "default": "ontape"},
    "level": {"type": "int", "choices": [0, 1, 2], "default": 0},
    "method": {"type": "str", "choices": ["stdio", "directory", "tapedev"]},
    "destination": {"type": "str", "required": True},
    "keep_full": {"type": "int", "default": 2},
    "verify": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 21600},
}


def resolve_method(args: dict) -> None:
    """method is ontape's: it defaults to stdio there and means nothing to onbar."""
    if args["tool"] == "onbar":
        if args.get("method"):
            raise AnsibleActionFail("method applies to tool=ontape only; onbar writes to its storage manager")
    elif not args.get("method"):
        args["method"] = "stdio"


def check_ltapedev(ltapedev: str | None) -> None:
    if ifx.is_null_device(ltapedev):
        raise AnsibleActionFail(
            f"LTAPEDEV is {ltapedev or 'unset (NUL)'}: onbar refuses it (return code 156), and OSCC installs it so. "
            "Use tool=ontape, or configure LTAPEDEV and the storage manager first (manual §6.3.5)")


def check_tapedev(method: str, tapedev: str | None) -> None:
    """Refuse configurations in which ontape reports success but stores nothing."""
    if method in ("stdio", None):
        return
    if ifx.is_null_device(tapedev):
        raise AnsibleActionFail(
            f"TAPEDEV is {tapedev or 'unset (NUL)'}: ontape would report success and store nothing. "
            "Use method=stdio, or set TAPEDEV to a file or directory with oscc.admin.onconfig")
    if not tapedev or any(c.isspace() for c in tapedev):
        raise AnsibleActionFail(f"TAPEDEV {tapedev!r} contains white space; Informix reads only up to the first blank")


def plan_backup(action, args, probe, host, purpose="regular"):
    """Everything decided before the archive is written: name, parent, retention, remote parameters."""
    if probe["onstat_rc"] != ifx.ONLINE_RC:
        raise AnsibleActionFail(f"the Informix server is {probe['server_mode']} (onstat - rc {probe['onstat_rc']}); "
                                "backups need it On-Line")
    lock = probe.get("lock")
    if lock and not lock.get("stale"):
        raise AnsibleActionFail(f"another backup is running on this host (pid {lock.get('pid')}, since "
                                f"{lock.get('started')}); lock {lock.get('path')}")
    tapedev = probe["onconfig_values"].get("TAPEDEV")
    if args["tool"] == "onbar":
        check_ltapedev(probe["onconfig_values"].get("LTAPEDEV"))
    else:
        check_tapedev(args["method"], tapedev)
    manifests = probe.get("manifests", [])
    parent = arc.parent_for(manifests, args["level"], probe["archives_by_level"])
    server = probe["environment"]["INFORMIXSERVER"]
    now = dt.datetime.now(dt.timezone.utc)
    name = arc.archive_name(server, args["level"], now)
    manifest = {
        "format": arc.MANIFEST_FORMAT, "name": name, "host": host, "informixserver": server,
        "level": args["level"], "parent": parent["name"] if parent else None,
        "chain": (parent.get("chain") or parent["name"]) if parent else name,
        "tool": args["tool"], "method": args["method"], "purpose": purpose,
        "tapedev": tapedev if args["method"] in ("directory", "tapedev") else None, "controller": socket.gethostname(),
    }
    # Retention as if the new archive were already verified; applied remotely only after it is.
    future = manifests + [dict(manifest, verified=True, start=arc.timestamp(now))]
    doomed = arc.retention_plan(future, args["keep_full"]) if args.get("keep_full") else []
    delete = [path for m in doomed for path in (m.get("archive_path"), m.get("manifest")) if path]
    params = {
        **action.location(args), **REMOTE_RULES, "destination": args["destination"], "name": name, "tool": args["tool"],
        "level": args["level"], "method": args["method"], "tapedev": tapedev, "verify": args["verify"],
        "timeout": args["timeout"], "manifest": manifest, "delete": delete,
        "previous_checkpoint": probe["archives_by_level"].get(args["level"]),
    }
    return params, doomed


def run_backup(target, params):
    done = target.procedure("backup", params)
    manifest = done["manifest"]
    return {
        "changed": True, "archive": manifest.get("archive_path"), "manifest": manifest["manifest"], "sha256": manifest["sha256"],
        "size": manifest["size"], "level": manifest["level"], "parent": manifest["parent"],
        "checkpoint": manifest["checkpoint"], "verified": manifest["verified"], "deleted": done["deleted"],
    }


class ActionModule(InformixAction):
    ARGSPEC = BACKUP_SPEC
    PATH_OPTIONS = ("destination",)

    def act(self, args, target, task_vars):
        if args["keep_full"] < 1:
            raise AnsibleActionFail("keep_full must be at least 1: the newest verified chain is never deleted")
        resolve_method(args)
        probe = self.probe(target, args, destination=args["destination"])
        params, doomed = plan_backup(self, args, probe, task_vars.get("inventory_hostname"))
        if self._task.check_mode:
            return {
                "changed": True, "level": args["level"], "parent": params["manifest"]["parent"],
                "archive": target.path.join(args["destination"], params["name"] + arc.ARCHIVE_SUFFIX)
                if args["tool"] == "ontape" else None,
                "would_delete": [m["name"] for m in doomed], "server_mode": probe["server_mode"],
            }
        return run_backup(target, params)
