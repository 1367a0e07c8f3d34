# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Planning a verified backup, shared by informix_backup, informix_restore (its safety backup) and
# informix_backup_schedule. Manual §6.3.2: the archive, then its manifest, then retention.
from __future__ import annotations

import datetime as dt
import socket

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils import _archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils import _informix as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix_action import REMOTE_RULES, lock_to_break


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


def identity(probe: dict, host: str | None) -> dict:
    """Whose backup a manifest is: the server, where it ran and the software it ran (manual §7.4 step 2, §8.6)."""
    return {"informixserver": probe["environment"]["INFORMIXSERVER"], "host": host,
            "computer_name": probe.get("computer_name"), "informix_version": probe.get("informix_version"),
            "oscc_version": probe.get("oscc_version")}


def plan_backup(args, location, probe, host, purpose="regular", lock_token=None):
    """Everything decided before the archive is written: name, parent, retention, remote parameters.
    Only the server's own, trustworthy manifests count (probe["own"], see _archives.own_manifests)."""
    if probe["onstat_rc"] != ifx.ONLINE_RC:
        raise AnsibleActionFail(f"the Informix server is {probe['server_mode']} (onstat - rc {probe['onstat_rc']}); "
                                "backups need it On-Line")
    break_token = None if lock_token else lock_to_break(probe.get("lock"))
    tapedev = probe["onconfig_values"].get("TAPEDEV")
    if args["tool"] == "onbar":
        check_ltapedev(probe["onconfig_values"].get("LTAPEDEV"))
    else:
        check_tapedev(args["method"], tapedev)
    manifests = probe.get("own", [])
    parent = arc.parent_for(manifests, args["level"], probe["archives_by_level"])
    server = probe["environment"]["INFORMIXSERVER"]
    now = dt.datetime.now(dt.timezone.utc)
    name = arc.archive_name(server, args["level"], now)
    manifest = {
        "format": arc.MANIFEST_FORMAT, "name": name, **identity(probe, host),
        "level": args["level"], "parent": parent["name"] if parent else None,
        "chain": (parent.get("chain") or parent["name"]) if parent else name,
        "tool": args["tool"], "method": args["method"], "purpose": purpose,
        "tapedev": tapedev if args["method"] in ("directory", "tapedev") else None, "controller": socket.gethostname(),
    }
    # Retention as if the new archive were already verified; applied remotely only after it is.
    future = manifests + [dict(manifest, verified=True, start=arc.timestamp(now))]
    doomed = arc.retention_plan(future, args["keep_full"]) if args.get("keep_full") else []
    delete = [name for m in doomed for name in (m.get("archive"), m["name"] + arc.MANIFEST_SUFFIX) if name]
    params = {
        **location, **REMOTE_RULES, "destination": args["destination"], "name": name, "tool": args["tool"],
        "level": args["level"], "method": args["method"], "tapedev": tapedev, "verify": args["verify"],
        "timeout": args["timeout"], "manifest": manifest, "delete": delete, "lock_token": lock_token,
        "break_token": break_token, "previous_checkpoint": probe["archives_by_level"].get(args["level"]),
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
