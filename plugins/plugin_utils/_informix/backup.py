# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: a planned backup run on the host (backup_plan.py plans and judges it), in two round trips
# under the server's lock, and the finished scheduled runs adopted (schedule.py judges them).
# Manual §6.3.2: the archive, then its manifest, then retention.
from __future__ import annotations

import datetime as dt
import json
import uuid

from ansible_collections.oscc.admin.plugins.plugin_utils._host import double_hop
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import signing
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_plan import archive_ops, backup_outcome
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import informix_of
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.lock import (
    ServerLock,
    lock_op,
    lock_refused,
    lock_to_break,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import (
    RUN_RECORD_SUFFIX,
    BackupPlan,
    Probe,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import output as output_of
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.schedule import (
    adoption_ops,
    judge_on_host,
    orphaned_host_records,
    own_records,
)


def run_backup(target, probe: Probe, plan: BackupPlan, held_by: ServerLock | None = None,
               break_token: str | None = None, trust: signing.Trust | None = None) -> dict:
    """The verified backup in two round trips: the archive and the server's word on it, then the manifest and
    retention. The manifest is written last: its presence is what marks the backup complete.
    held_by: the ServerLock of the restore whose safety backup this is (plan.held). break_token: the lock to break
    (lock.take_over's); by default one a dead run of this controller left (lock_to_break). trust: signs the
    manifest (signing.Trust with manifest_key; none: it stays unsigned)."""
    if plan.held != (held_by is not None):
        raise ValueError("a safety backup runs under its restore's lock, any other backup under its own")
    informix, destination = informix_of(target, probe), plan.destination
    path = target.path
    # A lease for both round trips, renewed by the second (a restore's safety backup renews the restore's).
    lock = held_by or ServerLock(target, informix, "backup", plan.timeout + 900)
    partial = path.join(destination, plan.name + arc.ARCHIVE_SUFFIX + ".partial")
    ops = Batch().add("mkdir", {"op": "mkdir", "path": destination})
    if break_token is None:
        break_token = lock_to_break(probe.lock)
    ops.add("lock", lock.op() if plan.held else lock.op(break_token, renew=False))
    ops.add("seen", {"op": "list", "path": destination, "pattern": informix.informixserver + "_*"})  # after the lock
    archive_ops(informix, ops, partial, plan.name, plan.tool, plan.method, plan.level, plan.tapedev, plan.verify,
                plan.timeout)
    informix.server_state(ops, prefix="after_")
    raw = target.batch(ops.ops, check=False)
    results = ops.results(raw)
    failed = ops.failed(raw)
    stopped, failure = (failed.step, failed.result) if failed else (None, None)
    if stopped == "lock" and failure.get("ok"):
        raise lock_refused(failure, informix.lock_path, taking_over=break_token is not None)
    problem, recorded = backup_outcome(plan.tool, plan.timeout, results) if stopped in (None, "archive") else (None, {})
    if stopped not in (None, "archive") or (stopped == "archive" and not failure.get("ok")):
        problem = f"backup failed: {failure.get('error') or stopped + ' failed'}; no older backup was touched"
        if stopped in ("mkdir", "seen") and double_hop.refused(destination, failure.get("error"), target.platform):
            problem = ("backup failed: destination " + double_hop.unreachable(
                destination, f"could not be used ({failure.get('error')})") + "; no older backup was touched")
    seen = {e["name"] for e in (results.get("seen") or {}).get("entries", [])}
    newer = sorted(n for n in seen - set(plan.files) if n.endswith(arc.MANIFEST_SUFFIX))
    if problem is None and newer and not plan.held:  # the plan (parent, retention) predates another run
        problem = (f"backup not kept: {newer[0]} appeared after this run planned (another backup of this server "
                   "finished meanwhile); run it again")
    checkpoint = ifx.last_archives(ifx.parse_onstat_arc(output_of(results.get("after_onstat_arc")))).get(plan.level)
    previous = plan.previous_checkpoint
    if problem is None and plan.verify and (
            checkpoint is None or (previous and ifx.checkpoint_order(checkpoint) <= ifx.checkpoint_order(previous))):
        problem = f"backup not verified: onstat -g arc shows no new level {plan.level} archive"
    finish = Batch().add("lock", lock.op())
    cleanup = [] if plan.held else [lock.release_op()]
    if problem:
        if plan.tool == "ontape":
            finish.add("discard", {"op": "remove", "path": partial, "root": destination})
        target.batch(finish.ops, cleanup, check=False)
        details = {"output": recorded.get("output") or output_of(results.get("archive")),
                   "rc": (results.get("archive") or {}).get("rc"),
                   "onstat_arc": output_of(results.get("after_onstat_arc"))}
        raise RemoteFailure(problem if problem.startswith(("backup", "ontape", "onbar")) else
                            f"backup failed: {problem}", details)
    archive = None
    if plan.tool == "ontape":
        archive = path.join(destination, plan.name + arc.ARCHIVE_SUFFIX)
        finish.add("keep", {"op": "move", "src": partial, "dest": archive, "root": destination})
    # Leftovers of killed runs, cleared under the lock; a scheduled run's archive with its record is not one.
    cleared = [n for n in plan.leftovers if n.split(".")[0] + RUN_RECORD_SUFFIX not in seen]
    for name in cleared:
        finish.add(("leftover", name), {"op": "remove", "path": path.join(destination, name), "root": destination})
    manifest_path = path.join(destination, plan.name + arc.MANIFEST_SUFFIX)
    manifest = dict(plan.manifest, start=plan.start, end=arc.timestamp(dt.datetime.now(dt.timezone.utc)),
                    size=recorded.get("size"), sha256=recorded.get("sha256"),
                    archive=path.basename(archive) if archive else None, checkpoint=checkpoint,
                    informix_banner=output_of(results.get("after_onstat")).strip(), verified=bool(plan.verify),
                    chunks=ifx.parse_onstat_chunks(output_of(results.get("after_onstat_d"))),
                    ontape_output=recorded["output"][-4000:])
    manifest = signing.sign(manifest, trust or signing.Trust())  # the key stays here: only the signature travels
    finish.add("manifest", {"op": "write", "path": manifest_path, "expected_sha256": "", "encoding": "utf-8",
                            "content": json.dumps(manifest, indent=1, sort_keys=True)})
    for name in plan.delete:  # retention: files of this destination only, named by the plan
        finish.add(("delete", name), {"op": "remove", "path": path.join(destination, name), "root": destination})
    # The host's copies of run records whose destination record is gone: nothing else would ever remove them.
    orphans = [] if plan.held else orphaned_host_records(probe, path, dt.datetime.now(dt.timezone.utc))
    for name in orphans:
        finish.add(("host_record", name), {"op": "remove", "path": path.join(informix.runs_dir, name),
                                           "root": informix.runs_dir})
    raw = target.batch(finish.ops, cleanup, check=False)
    failed = finish.failed(raw)
    stopped, failure = (failed.step, failed.result) if failed else (None, None)
    if stopped in ("lock", "keep", "manifest"):
        why = (lock_refused(failure, informix.lock_path) if stopped == "lock" and failure.get("ok")
               else failure.get("error"))
        raise RemoteFailure(f"backup not kept: {why}; the archive stays as {partial}", failure)
    removed = finish.results(raw)
    deleted = [path.join(destination, name) for name in plan.delete
               if removed.get(("delete", name), {}).get("removed")]
    warnings = [f"retention stopped: {failure.get('error')}"] if stopped in ("delete", "host_record") else []
    removed_copies = [path.join(informix.runs_dir, name) for name in orphans
                      if removed.get(("host_record", name), {}).get("removed")]
    if removed_copies:
        warnings.append(f"removed {len(removed_copies)} host copies of run records whose record on the destination "
                        f"is gone: {', '.join(removed_copies)}")
    if cleared:
        warnings.append(f"removed what killed runs left: {', '.join(cleared)}")
    return {
        "changed": True, "archive": archive, "manifest": manifest_path, "sha256": manifest["sha256"],
        "size": manifest["size"], "level": manifest["level"], "parent": manifest["parent"],
        "checkpoint": checkpoint, "verified": manifest["verified"], "deleted": deleted,
        "removed_host_records": removed_copies,
        "signed_with": (manifest.get("signature") or {}).get("key_id"),
        **({"warnings": warnings} if warnings else {}),
    }


def adopt(target, probe: Probe, ttl: int, break_token=None, trust: signing.Trust | None = None) -> list[dict]:
    """The server's finished scheduled runs turned into manifests, under its lock: one round trip to take the lock
    and read each kept archive back, one to make them permanent. Returns the verdicts; the caller probes again.
    trust: signs the manifests (the scheduled run on the host never holds the key), whose every fact comes from the
    host's own copy of the run's record and whose archive is hashed on the host first (schedule.judge_on_host)."""
    informix = informix_of(target, probe)
    verdicts = [judge_on_host(informix, r, probe.host_records) for r in own_records(probe)]
    if all("skipped" in v for v in verdicts):  # nothing of this host's to adopt: no lock taken
        return verdicts
    token = uuid.uuid4().hex
    unlock = {"op": "unlock", "path": informix.lock_path, "token": token}
    kept = [v for v in verdicts if v.get("manifest", {}).get("archive")]
    partials = [informix.path.join(informix.path.dirname(v["record"]), v["name"] + arc.ARCHIVE_SUFFIX + ".partial")
                for v in kept]
    taking = Batch().add("lock", lock_op(informix, "adopting scheduled backups", token, ttl, break_token))
    for partial in partials:
        taking.add(("read", partial), {"op": "hash", "path": partial})
    done = target.batch(taking.ops, check=False)
    failed = taking.failed(done)
    if failed:
        target.batch([unlock], check=False)
        if failed.step == "lock" and failed.result.get("ok"):
            raise lock_refused(failed.result, informix.lock_path)
        raise RemoteFailure(f"the scheduled backups could not be taken over: {failed.error}", failed.result)
    read = taking.results(done)
    for verdict, partial in zip(kept, partials):  # the archive on the host is the one the run recorded
        found = read[("read", partial)]
        manifest = verdict["manifest"]
        recorded = (manifest["sha256"], manifest["size"])
        if not found.get("exists") or (found.get("sha256"), found.get("size")) != recorded:
            del verdict["manifest"]
            verdict["failure"] = ("its archive is gone" if not found.get("exists") else
                                  "its archive is not the one the run wrote (checksum)")
    for verdict in kept:
        if "manifest" in verdict:
            verdict["manifest"] = signing.sign(verdict["manifest"], trust or signing.Trust())
    making = Batch().add("lock", lock_op(informix, "adopting scheduled backups", token, ttl, token, renew=True))
    for number, op in enumerate(adoption_ops(informix, verdicts)):
        making.add(("adopt", number), op)
    failed = making.failed(target.batch(making.ops, [unlock], check=False))
    if failed:
        why = failed.result.get("error") or "the lock was lost"
        raise RemoteFailure(f"the scheduled backups could not be taken over: {why}", failed.result)
    return verdicts
