# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: planning and judging a verified backup, shared by informix_backup, informix_restore (its safety
# backup) and informix_backup_schedule. Manual §6.3.2: the archive, then its manifest, then retention.
# Nothing here reaches the host: backup.py runs the plan.
from __future__ import annotations

import datetime as dt
import re
import socket

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import (
    RUN_RECORD_SUFFIX,
    BackupPlan,
    Probe,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import output as output_of


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


def check_devices(args: dict, onconfig_values: dict) -> None:
    """Refuse, before anything runs, a device the backup's tool would fail on or store nothing to."""
    if args["tool"] == "onbar":
        check_ltapedev(onconfig_values.get("LTAPEDEV"))
    else:
        check_tapedev(args["method"], onconfig_values.get("TAPEDEV"))


def identity(probe: Probe, host: str | None) -> dict:
    """Whose backup a manifest is: the server, where it ran and the software it ran (manual §7.4 step 2, §8.6)."""
    return {"informixserver": probe.server, "host": host, "computer_name": probe.computer_name,
            "informix_version": probe.informix_version, "oscc_version": probe.oscc_version}


LEFTOVER = r"_\d{8}T\d{9}_L[012]\.(arc|json)\.partial$"


def plan_backup(args: dict, probe: Probe, host: str | None, purpose: str = "regular", held: bool = False,
                now: dt.datetime | None = None, signed: bool = True) -> BackupPlan:
    """Everything decided before the archive is written: name, parent, retention, the leftovers to clear.
    Only the server's own, trustworthy manifests count (probe.own, see archives.own_manifests).
    args: the backup's arguments (backup_options.backup_arguments). held: a restore's safety backup, run
    under the restore's lock. now: when the run starts (the controller's clock). signed: its manifest will be
    signed (a run with manifest_key)."""
    if probe.destination_link is not None:  # it may lead into another server's folder
        raise AnsibleActionFail(f"destination {args['destination']} is a link (to "
                                f"{probe.destination_link or 'elsewhere'}); backups are written into real folders "
                                "only: give the folder it leads to")
    if probe.onstat_rc != ifx.ONLINE_RC:
        raise AnsibleActionFail(f"the Informix server is {probe.server_mode} (onstat - rc {probe.onstat_rc}); "
                                "backups need it On-Line")
    tapedev = probe.onconfig_values.get("TAPEDEV")
    check_devices(args, probe.onconfig_values)
    manifests = probe.own
    parent = arc.parent_for(arc.newest_candidates(manifests), args["level"], probe.archives_by_level)
    server = probe.server
    now = now or dt.datetime.now(dt.timezone.utc)
    name = arc.archive_name(server, args["level"], now)
    files = probe.files
    taken = [n for n in (name + arc.ARCHIVE_SUFFIX, name + arc.MANIFEST_SUFFIX) if n in files]
    if taken:
        raise AnsibleActionFail(f"{taken[0]} already exists in the destination; no backup overwrites another")
    manifest = {
        "format": arc.MANIFEST_FORMAT, "name": name, **identity(probe, host),
        "level": args["level"], "parent": parent["name"] if parent else None,
        "chain": (parent.get("chain") or parent["name"]) if parent else name,
        "tool": args["tool"], "method": args["method"], "purpose": purpose,
        "tapedev": tapedev if args["method"] in ("directory", "tapedev") else None, "controller": socket.gethostname(),
    }
    # Retention as if the new archive were already verified (the newest: its checkpoint comes after every recorded
    # one); applied only after it is. Only chains whose signatures verified count (a restore's safety backup and a
    # run without manifest_key count none of theirs).
    taken = dict(manifest, verified=True, start=arc.timestamp(now), checkpoint=arc.NOT_YET_TAKEN)
    future = arc.signed_only(manifests) + ([taken] if signed else [])
    doomed = arc.retention_plan(future, args["keep_full"]) if args.get("keep_full") else []
    delete = [n for m in doomed for n in (m.get("archive"), m["name"] + arc.MANIFEST_SUFFIX)
              if n and arc.name_problem(n) is None and n in files and not files[n]["dir"]]
    # Leftovers of this server's runs that were killed: cleared once this run holds the server's lock.
    own = re.compile(re.escape(server) + LEFTOVER)
    leftovers = [n for n, e in files.items() if own.match(n) and not e["dir"]
                 and n.split(".")[0] + RUN_RECORD_SUFFIX not in files]  # a scheduled run's archive waits for its record
    return BackupPlan(
        destination=args["destination"], name=name, tool=args["tool"], level=args["level"], method=args["method"],
        tapedev=tapedev, verify=args["verify"], timeout=args["timeout"], manifest=manifest, start=arc.timestamp(now),
        delete=delete, doomed=doomed, leftovers=sorted(leftovers), files=sorted(files),
        previous_checkpoint=probe.archives_by_level.get(args["level"]), held=held)


def archive_ops(informix, ops, partial, name, tool, method, level, tapedev, verify, timeout):
    """The archive itself: ontape into <name>.arc.partial (manual §6.3.2), or onbar into its storage manager.
    A program that fails halts the batch there (a scheduled run then exits 1); its words are judged after.
    informix: where the programs are (host.Informix); only requests are built here."""
    path = informix.path
    if tool == "onbar":
        ops.add("archive", informix.program_op("onbar", "-b", "-L", level, timeout=timeout, ok_rc=[0]))
        if verify:  # onbar -v: can it be restored?
            ops.add("onbar_verify", informix.program_op("onbar", "-v", timeout=timeout))
        return ops
    if method == "stdio":
        return ops.add("archive", informix.program_op("ontape", "-s", "-L", level, "-t", "STDIO", timeout=timeout,
                                                      stdout_file=partial, ok_rc=[0]))
    if method == "directory":  # a unique prefix: nothing of ours is renamed
        ops.add("archive", informix.program_op("ontape", "-s", "-L", level, "-d", timeout=timeout, ok_rc=[0],
                                               env={"IFX_ONTAPE_FILE_PREFIX": name}))
        produced = path.join(tapedev, f"{name}_L{level}")
        ops.add("take", {"op": "copy", "src": produced, "dest": partial})
        ops.add("clear", {"op": "remove", "path": produced, "root": tapedev})
    else:  # the one TAPEDEV file every run overwrites: its archive moves to its own generation at once
        ops.add("archive", informix.program_op("ontape", "-s", "-L", level, timeout=timeout, stdin_text="\n",
                                               ok_rc=[0]))
        ops.add("take", {"op": "copy", "src": tapedev, "dest": partial})
        ops.add("clear", {"op": "write", "path": tapedev, "content": "", "encoding": "latin-1"})
    return ops.add("hash", {"op": "hash", "path": partial})


def backup_outcome(tool: str, timeout: int, results: dict) -> tuple[str | None, dict]:
    """Why the archive is not good (None when it is), and what the manifest records of it. results: the
    backup batch's results by name (archive_ops)."""
    archive = results.get("archive") or {}
    text = archive.get("output") or ""
    if tool == "onbar":
        for key in ("archive", "onbar_verify"):
            rc = (results.get(key) or {}).get("rc", 0)
            if rc:
                return (f"onbar returned {rc} ({ifx.ONBAR_RETURN_CODES.get(str(rc), 'see BAR_ACT_LOG')}); "
                        "no older backup was touched"), {"output": text}
        return None, {"output": text + output_of(results.get("onbar_verify")), "sha256": None, "size": None}
    stored = results.get("hash") or archive
    size, sha256 = stored.get("size", stored.get("stdout_size")), stored.get("sha256", stored.get("stdout_sha256"))
    if archive.get("timed_out"):
        failure = f"ontape did not finish within {timeout} seconds"
    elif ifx._FAILURE.search(text):
        failure = "ontape reported a failure"
    elif ifx.SUCCESS_TEXT not in text:
        failure = f"ontape ended without '{ifx.SUCCESS_TEXT}' (interrupted or killed)"
    elif not size:
        failure = "ontape wrote no archive data"
    else:
        return None, {"output": text, "sha256": sha256, "size": size}
    return f"{failure}; nothing was kept and no older backup was touched", {"output": text}
