# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Planning a verified backup, shared by informix_backup, informix_restore (its safety backup) and
# informix_backup_schedule. Manual §6.3.2: the archive, then its manifest, then retention.
from __future__ import annotations

import datetime as dt
import json
import re
import socket

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.action import ServerLock, lock_to_break
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import RUN_RECORD_SUFFIX, lock_refused
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import output as output_of


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


LEFTOVER = r"_\d{8}T\d{9}_L[012]\.(arc|json)\.partial$"


def plan_backup(args, probe, host, purpose="regular", held_by=None):
    """Everything decided before the archive is written: name, parent, retention, the leftovers to clear.
    Only the server's own, trustworthy manifests count (probe["own"], see _archives.own_manifests).
    held_by: the ServerLock of a restore whose safety backup this is."""
    if probe["onstat_rc"] != ifx.ONLINE_RC:
        raise AnsibleActionFail(f"the Informix server is {probe['server_mode']} (onstat - rc {probe['onstat_rc']}); "
                                "backups need it On-Line")
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
    files = probe.get("files", {})
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
    # Retention as if the new archive were already verified; applied only after it is.
    future = manifests + [dict(manifest, verified=True, start=arc.timestamp(now))]
    doomed = arc.retention_plan(future, args["keep_full"]) if args.get("keep_full") else []
    delete = [n for m in doomed for n in (m.get("archive"), m["name"] + arc.MANIFEST_SUFFIX)
              if n and arc.name_problem(n) is None and n in files and not files[n]["dir"]]
    # Leftovers of this server's runs that were killed: cleared once this run holds the server's lock.
    own = re.compile(re.escape(server) + LEFTOVER)
    leftovers = [n for n, e in files.items() if own.match(n) and not e["dir"]
                 and n.split(".")[0] + RUN_RECORD_SUFFIX not in files]  # a scheduled run's archive waits for its record
    plan = {
        "destination": args["destination"], "name": name, "tool": args["tool"], "level": args["level"],
        "method": args["method"], "tapedev": tapedev, "verify": args["verify"], "timeout": args["timeout"],
        "manifest": manifest, "start": arc.timestamp(now), "delete": delete, "leftovers": sorted(leftovers),
        "files": sorted(files),
        "previous_checkpoint": probe["archives_by_level"].get(args["level"]),
        "break_token": None if held_by else lock_to_break(probe.get("lock")), "held_by": held_by,
    }
    return plan, doomed


def archive_ops(informix, plan, ops, partial):
    """The archive itself: ontape into <name>.arc.partial (manual §6.3.2), or onbar into its storage manager.
    A program that fails halts the batch there (a scheduled run then exits 1); its words are judged after."""
    level, timeout = plan["level"], plan["timeout"]
    path = informix.path
    if plan["tool"] == "onbar":
        ops.add("archive", informix.run("onbar", "-b", "-L", level, timeout=timeout, ok_rc=[0]))
        if plan["verify"]:  # onbar -v: can it be restored?
            ops.add("onbar_verify", informix.run("onbar", "-v", timeout=timeout))
        return ops
    if plan["method"] == "stdio":
        return ops.add("archive", informix.run("ontape", "-s", "-L", level, "-t", "STDIO", timeout=timeout,
                                               stdout_file=partial, ok_rc=[0]))
    if plan["method"] == "directory":  # a unique prefix: nothing of ours is renamed
        ops.add("archive", informix.run("ontape", "-s", "-L", level, "-d", timeout=timeout, ok_rc=[0],
                                        env={"IFX_ONTAPE_FILE_PREFIX": plan["name"]}))
        produced = path.join(plan["tapedev"], f"{plan['name']}_L{level}")
        ops.add("take", {"op": "copy", "src": produced, "dest": partial})
        ops.add("clear", {"op": "remove", "path": produced, "root": plan["tapedev"]})
    else:  # the one TAPEDEV file every run overwrites: its archive moves to its own generation at once
        ops.add("archive", informix.run("ontape", "-s", "-L", level, timeout=timeout, stdin_text="\n", ok_rc=[0]))
        ops.add("take", {"op": "copy", "src": plan["tapedev"], "dest": partial})
        ops.add("clear", {"op": "write", "path": plan["tapedev"], "content": "", "encoding": "latin-1"})
    return ops.add("hash", {"op": "hash", "path": partial})


def backup_outcome(plan, results) -> tuple[str | None, dict]:
    """Why the archive is not good (None when it is), and what the manifest records of it."""
    archive = results.get("archive") or {}
    text = archive.get("output") or ""
    if plan["tool"] == "onbar":
        for key in ("archive", "onbar_verify"):
            rc = (results.get(key) or {}).get("rc", 0)
            if rc:
                return (f"onbar returned {rc} ({ifx.ONBAR_RETURN_CODES.get(str(rc), 'see BAR_ACT_LOG')}); "
                        "no older backup was touched"), {"output": text}
        return None, {"output": text + output_of(results.get("onbar_verify")), "sha256": None, "size": None}
    stored = results.get("hash") or archive
    size, sha256 = stored.get("size", stored.get("stdout_size")), stored.get("sha256", stored.get("stdout_sha256"))
    if archive.get("timed_out"):
        failure = f"ontape did not finish within {plan['timeout']} seconds"
    elif ifx._FAILURE.search(text):
        failure = "ontape reported a failure"
    elif ifx.SUCCESS_TEXT not in text:
        failure = f"ontape ended without '{ifx.SUCCESS_TEXT}' (interrupted or killed)"
    elif not size:
        failure = "ontape wrote no archive data"
    else:
        return None, {"output": text, "sha256": sha256, "size": size}
    return f"{failure}; nothing was kept and no older backup was touched", {"output": text}


def run_backup(target, probe, plan):
    """The verified backup in two round trips: the archive and the server's word on it, then the manifest and
    retention. The manifest is written last: its presence is what marks the backup complete."""
    informix, destination = probe["informix"], plan["destination"]
    path = target.path
    # A lease for both round trips, renewed by the second (a restore's safety backup renews the restore's).
    lock = plan["held_by"] or ServerLock(target, informix, "backup", plan["timeout"] + 900)
    partial = path.join(destination, plan["name"] + arc.ARCHIVE_SUFFIX + ".partial")
    ops = Batch().add("mkdir", {"op": "mkdir", "path": destination})
    ops.add("lock", lock.op(plan["break_token"], renew=False) if plan["held_by"] is None else lock.op())
    ops.add("seen", {"op": "list", "path": destination, "pattern": informix.informixserver + "_*"})  # after the lock
    archive_ops(informix, plan, ops, partial)
    informix.server_state(ops, prefix="after_")
    raw = target.batch(ops.ops, check=False)
    results = ops.results(raw)
    failed = ops.failed(raw)
    stopped, failure = (failed.step, failed.result) if failed else (None, None)
    if stopped == "lock" and failure.get("ok"):
        raise lock_refused(failure, informix.lock_path)
    problem, recorded = backup_outcome(plan, results) if stopped in (None, "archive") else (None, {})
    if stopped not in (None, "archive") or (stopped == "archive" and not failure.get("ok")):
        problem = f"backup failed: {failure.get('error') or stopped + ' failed'}; no older backup was touched"
    seen = {e["name"] for e in (results.get("seen") or {}).get("entries", [])}
    newer = sorted(n for n in seen - set(plan["files"]) if n.endswith(arc.MANIFEST_SUFFIX))
    if problem is None and newer and plan["held_by"] is None:  # the plan (parent, retention) predates another run
        problem = (f"backup not kept: {newer[0]} appeared after this run planned (another backup of this server "
                   "finished meanwhile); run it again")
    checkpoint = ifx.last_archives(ifx.parse_onstat_arc(output_of(results.get("after_onstat_arc")))).get(plan["level"])
    previous = plan["previous_checkpoint"]
    if problem is None and plan["verify"] and (
            checkpoint is None or (previous and ifx.checkpoint_order(checkpoint) <= ifx.checkpoint_order(previous))):
        problem = f"backup not verified: onstat -g arc shows no new level {plan['level']} archive"
    finish = Batch().add("lock", lock.op())
    cleanup = [] if plan["held_by"] else [lock.release_op()]
    if problem:
        if plan["tool"] == "ontape":
            finish.add("discard", {"op": "remove", "path": partial, "root": destination})
        target.batch(finish.ops, cleanup, check=False)
        details = {"output": recorded.get("output") or output_of(results.get("archive")),
                   "rc": (results.get("archive") or {}).get("rc"),
                   "onstat_arc": output_of(results.get("after_onstat_arc"))}
        raise RemoteFailure(problem if problem.startswith(("backup", "ontape", "onbar")) else
                            f"backup failed: {problem}", details)
    archive = None
    if plan["tool"] == "ontape":
        archive = path.join(destination, plan["name"] + arc.ARCHIVE_SUFFIX)
        finish.add("keep", {"op": "move", "src": partial, "dest": archive, "root": destination})
    # Leftovers of killed runs, cleared under the lock; a scheduled run's archive with its record is not one.
    cleared = [n for n in plan["leftovers"] if n.split(".")[0] + RUN_RECORD_SUFFIX not in seen]
    for name in cleared:
        finish.add(("leftover", name), {"op": "remove", "path": path.join(destination, name), "root": destination})
    manifest_path = path.join(destination, plan["name"] + arc.MANIFEST_SUFFIX)
    manifest = dict(plan["manifest"], start=plan["start"], end=arc.timestamp(dt.datetime.now(dt.timezone.utc)),
                    size=recorded.get("size"), sha256=recorded.get("sha256"),
                    archive=path.basename(archive) if archive else None, checkpoint=checkpoint,
                    informix_banner=output_of(results.get("after_onstat")).strip(), verified=bool(plan["verify"]),
                    chunks=ifx.parse_onstat_chunks(output_of(results.get("after_onstat_d"))),
                    ontape_output=recorded["output"][-4000:])
    finish.add("manifest", {"op": "write", "path": manifest_path, "expected_sha256": "", "encoding": "utf-8",
                            "content": json.dumps(manifest, indent=1, sort_keys=True)})
    for name in plan["delete"]:  # retention: files of this destination only, named by the plan
        finish.add(("delete", name), {"op": "remove", "path": path.join(destination, name), "root": destination})
    raw = target.batch(finish.ops, cleanup, check=False)
    failed = finish.failed(raw)
    stopped, failure = (failed.step, failed.result) if failed else (None, None)
    if stopped in ("lock", "keep", "manifest"):
        why = lock_refused(failure, informix.lock_path) if stopped == "lock" and failure.get("ok") else failure.get("error")
        raise RemoteFailure(f"backup not kept: {why}; the archive stays as {partial}", failure)
    removed = finish.results(raw)
    deleted = [path.join(destination, name) for name in plan["delete"]
               if removed.get(("delete", name), {}).get("removed")]
    warnings = [f"retention stopped: {failure.get('error')}"] if stopped == "delete" else []
    if cleared:
        warnings.append(f"removed what killed runs left: {', '.join(cleared)}")
    return {
        "changed": True, "archive": archive, "manifest": manifest_path, "sha256": manifest["sha256"],
        "size": manifest["size"], "level": manifest["level"], "parent": manifest["parent"],
        "checkpoint": checkpoint, "verified": manifest["verified"], "deleted": deleted,
        **({"warnings": warnings} if warnings else {}),
    }
