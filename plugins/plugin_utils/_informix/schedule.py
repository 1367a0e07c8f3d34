# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Scheduled backups (manual §6.3.1) with no controller at run time: Task Scheduler runs the host
# executor on a saved batch, which leaves the archive as <name>.arc.partial and its result as a
# run record, <name>.run.json. The next backup or restore judges each record here, as a controller
# backup is judged, and turns it into a manifest (or a FAILED line) under the server's lock.
# PURE: the saved batches, the records' judgement and the requests that adopt them; backup.adopt runs
# the adoption on the host.
from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import socket

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_plan import (
    archive_ops,
    backup_outcome,
    identity,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import RUN_RECORD_SUFFIX, Probe
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import output as output_of

STAMP = "{stamp}"  # replaced by the executor with the UTC time the run started (contract.BATCH_REQUEST)
PLAN_KEYS = ("level", "tool", "method", "tapedev", "verify", "timeout", "destination", "results_file", "manifest")


def scheduled_plan(args: dict, probe: Probe, host: str | None) -> dict:
    """What one level's scheduled run does and its record carries (PLAN_KEYS). args: the backup's arguments
    (backup_options.backup_arguments) with the level and the results file."""
    tapedev = probe.onconfig_values.get("TAPEDEV")
    manifest = {"format": arc.MANIFEST_FORMAT, **identity(probe, host), "tool": args["tool"], "method": args["method"],
                "controller": socket.gethostname(),
                "tapedev": tapedev if args["method"] in ("directory", "tapedev") else None}
    return {"level": args["level"], "tool": args["tool"], "method": args["method"], "verify": args["verify"],
            "timeout": args["timeout"], "destination": args["destination"], "results_file": args["results_file"],
            "tapedev": tapedev, "manifest": manifest}


def run_name(server: str, level: int, stamp: str = STAMP) -> str:
    """The form of _archives.archive_name, the time filled in by the run itself."""
    return f"{server}_{stamp}_L{level}"


def scheduled_ops(informix, plan: dict, plan_file: str, stamp: str = STAMP) -> Batch:
    """What one scheduled run does. The same function names the results when the record is judged."""
    path, destination = informix.path, plan["destination"]
    name = run_name(informix.informixserver, plan["level"], stamp)
    ops = Batch().add("plan", {"op": "read", "path": plan_file, "encoding": "utf-8"})  # the record carries its plan
    # No lease: the lock lives as long as the run's batch, so a killed run leaves a lock the next run breaks.
    ops.add("lock", {"op": "lock", "path": informix.lock_path,
                     "record": {"operation": "scheduled backup", "token": f"scheduled-{stamp}"}})
    ops.add("before_onstat", informix.program_op("onstat", "-"))
    ops.add("before_arc", informix.program_op("onstat", "-g", "arc"))
    ops.add("mkdir", {"op": "mkdir", "path": destination})
    archive_ops(informix, ops, path.join(destination, name + arc.ARCHIVE_SUFFIX + ".partial"), name, plan["tool"],
                plan["method"], plan["level"], plan["tapedev"], plan["verify"], plan["timeout"])
    informix.server_state(ops, prefix="after_")
    ops.add_cleanup("unlock", {"op": "unlock", "path": informix.lock_path, "token": f"scheduled-{stamp}"})
    return ops


def saved_batch(informix, plan: dict, plan_file: str) -> dict:
    return _saved_batch(informix, plan, plan_file, stamp_token(_saved_batch(informix, plan, plan_file, "")))


def stamp_token(bare: dict) -> str:
    """The placeholder of a saved batch: STAMP, or {stamp-N} when an operator's value (a destination, a results file)
    holds it. The executor replaces it over the batch's whole text, so it must occur only where this module put it.
    bare: the batch with an empty placeholder. A token's { is its first character and } its last, so no occurrence
    can overlap one put in next to an operator's text."""
    text = json.dumps(bare)
    tokens = itertools.chain([STAMP], (f"{{stamp-{n}}}" for n in itertools.count(1)))
    return next(token for token in tokens if token not in text)


def _saved_batch(informix, plan: dict, plan_file: str, stamp: str) -> dict:
    ops = scheduled_ops(informix, plan, plan_file, stamp)
    record_name = run_name(informix.informixserver, plan["level"], stamp) + RUN_RECORD_SUFFIX
    record = informix.path.join(plan["destination"], record_name)
    # The record on the destination is for people; the controller trusts only the host's own copy (adopt).
    host_record = informix.path.join(informix.runs_dir, record_name)
    return {"ops": ops.ops, "cleanup": ops.cleanup, "stamp": stamp, "record": record, "host_record": host_record}


def stamp_time(stamp: str) -> str:
    when = dt.datetime.strptime(stamp[:15], "%Y%m%dT%H%M%S").replace(microsecond=int(stamp[15:18]) * 1000)
    return arc.timestamp(when)


def judge(informix, record: dict) -> dict:
    """A run record read back: its plan, and the manifest it makes or the reason it failed. A record of any
    other shape (damaged, hand-edited) is a failed run, never an error of the task that reads it."""
    try:
        return _judge(informix, record)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        found = re.search(r"_(\d{8}T\d{9})_L([012])", record.get("record_name", ""))
        return {"record": record["record"], "stamp": found.group(1), "level": int(found.group(2)), "plan": None,
                "name": run_name(informix.informixserver, int(found.group(2)), found.group(1)),
                "failure": f"the run record is damaged ({type(exc).__name__})"}


def _judge(informix, record: dict) -> dict:
    server = informix.informixserver
    found = re.fullmatch(re.escape(server) + r"_(\d{8}T\d{9})_L([012])" + re.escape(RUN_RECORD_SUFFIX),
                         record["record_name"])
    stamp, level = found.group(1), int(found.group(2))
    verdict = {"record": record["record"], "stamp": stamp, "level": level, "name": run_name(server, level, stamp)}
    results = record.get("results") if isinstance(record.get("results"), list) else []
    try:
        plan = json.loads(results[0]["content"])
        if not isinstance(plan, dict) or any(k not in plan for k in PLAN_KEYS) or plan["level"] != level:
            raise ValueError
    except (IndexError, KeyError, TypeError, ValueError):
        return dict(verdict, failure="the run record holds no plan of this collection's", plan=None)
    if not all(isinstance(r, dict) for r in results) or not isinstance(plan["manifest"], dict):
        raise TypeError("results")
    verdict["plan"] = plan
    ops = scheduled_ops(informix, plan, "", stamp)
    named = ops.results({"results": results})
    at = record.get("failed_at")
    if at is not None and not (isinstance(at, int) and 0 <= at < len(results) and isinstance(results[at], dict)):
        raise ValueError("failed_at")
    failed = ops.failed({"results": results, "failed_at": at})
    stopped, failure = (failed.step, failed.result) if failed else (None, None)
    before = ifx.last_archives(ifx.parse_onstat_arc(output_of(named.get("before_arc"))))
    if record.get("error"):
        return dict(verdict, failure=f"the host executor failed: {record['error']}")
    if stopped == "lock" and failure.get("ok"):
        holder = failure.get("holder") or {}
        return dict(verdict, failure=f"another {holder.get('operation') or 'backup'} was running on this server")
    if (named.get("before_onstat") or {}).get("rc") != ifx.ONLINE_RC:
        return dict(verdict, failure="the Informix server was not On-Line "
                                     f"(onstat - rc {(named.get('before_onstat') or {}).get('rc')})")
    base = before.get(level - 1) if level else None
    if level and base is None:
        return dict(verdict,
                    failure=f"the server has no level {level - 1} archive for a level {level} backup to build on")
    if stopped not in (None, "archive"):
        return dict(verdict, failure=f"{stopped} failed: {(failure or {}).get('error')}")
    problem, kept = backup_outcome(plan["tool"], plan["timeout"], named)
    checkpoint = ifx.last_archives(ifx.parse_onstat_arc(output_of(named.get("after_onstat_arc")))).get(level)
    previous = before.get(level)
    if problem is None and plan["verify"] and (
            checkpoint is None or (previous and ifx.checkpoint_order(checkpoint) <= ifx.checkpoint_order(previous))):
        problem = f"backup not verified: onstat -g arc shows no new level {level} archive"
    if problem:
        return dict(verdict, failure=problem)
    name = verdict["name"]
    manifest = dict(plan["manifest"], name=name, level=level, parent=None, parent_checkpoint=base,
                    chain=None if level else name, purpose="scheduled", start=stamp_time(stamp), end=None,
                    size=kept.get("size"), sha256=kept.get("sha256"),
                    archive=name + arc.ARCHIVE_SUFFIX if plan["tool"] == "ontape" else None, checkpoint=checkpoint,
                    informix_banner=output_of(named.get("after_onstat")).strip(), verified=bool(plan["verify"]),
                    chunks=ifx.parse_onstat_chunks(output_of(named.get("after_onstat_d"))),
                    ontape_output=kept["output"][-4000:])
    return dict(verdict, manifest=manifest)


NOT_ON_HOST = "no record of this run on the host: not adopted"
EDITED_ON_SHARE = "its record on the destination is not the one the run wrote (it differs from the host's copy)"


def judge_on_host(informix, record: dict, host_records: dict) -> dict:
    """A run record of the destination judged by the host's own copy of it (Probe.host_records): whoever can write
    the destination (a share) can write a record there, never the copy beside the server's lock. A record without
    that copy (forged, or from before the copies) is skipped and left where it is; one that differs from it fails."""
    copy = host_records.get(record["record_name"])
    if copy is None:
        return {"record": record["record"], "skipped": NOT_ON_HOST}
    verdict = judge(informix, dict(copy, record=record["record"], record_name=record["record_name"]))
    verdict["host_record"] = informix.path.join(informix.runs_dir, record["record_name"])
    if {k: v for k, v in record.items() if k not in ("record", "record_name")} != copy:
        verdict.pop("manifest", None)
        verdict["failure"] = EDITED_ON_SHARE
    return verdict


def run_warnings(verdicts: list[dict]) -> list[str]:
    """The destination's run records not adopted, each with why (docs/backup.md, Scheduled runs)."""
    return [f"scheduled run {v['record']} skipped: {v['skipped']}" for v in verdicts if "skipped" in v]


def results_file(path, destination: str, plan: dict | None) -> str:
    """Where the run's line goes: the plan's results file only when it is a plain text file of the destination
    (a record on a share must not make the server append to a file elsewhere), else results.txt there."""
    wanted = (plan or {}).get("results_file")
    if isinstance(wanted, str) and path.dirname(wanted) == destination \
            and arc.name_problem(path.basename(wanted)) is None \
            and not path.basename(wanted).lower().endswith((".json", ".arc", ".partial", ".lock")):
        return wanted
    return path.join(destination, "results.txt")


def line_text(text: str) -> str:
    """One line of the results file, whatever a record holds: no line breaks, control characters or endless text."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text)[:300]


def adoption_ops(informix, verdicts: list[dict]) -> list[dict]:
    """Each judged run made permanent: the archive kept and its manifest written, or both dropped; the
    record (and the host's copy) removed and one line appended to the results file either way. A skipped run's
    files stay as they are."""
    path, ops = informix.path, []
    for v in (v for v in verdicts if "skipped" not in v):
        destination = path.dirname(v["record"])
        partial = path.join(destination, v["name"] + arc.ARCHIVE_SUFFIX + ".partial")
        if "manifest" in v:
            manifest_path = path.join(destination, v["name"] + arc.MANIFEST_SUFFIX)
            if v["manifest"]["archive"]:
                ops.append({"op": "move", "src": partial, "dest": path.join(destination, v["manifest"]["archive"]),
                            "root": destination})
            ops.append({"op": "write", "path": manifest_path, "encoding": "utf-8", "expected_sha256": "",
                        "content": json.dumps(v["manifest"], indent=1, sort_keys=True)})
            line = f"{stamp_time(v['stamp'])} OK level {v['level']} {manifest_path} sha256 {v['manifest']['sha256']}"
        else:
            ops.append({"op": "remove", "path": partial, "root": destination})
            line = f"{stamp_time(v['stamp'])} FAILED level {v['level']}: {v['failure']}"
        ops.append({"op": "write", "path": results_file(path, destination, v.get("plan")), "encoding": "utf-8",
                    "append": True, "content": line_text(line) + ("\r\n" if informix.platform == "windows" else "\n")})
        ops.append({"op": "remove", "path": v["record"], "root": destination})
        if v.get("host_record"):
            ops.append({"op": "remove", "path": v["host_record"], "root": informix.runs_dir})
    return ops


# A run writes its two records as it ends, so a host copy without its destination record may be a run still ending:
# one is left alone until its time limit (its plan's timeout) and the lease's 900 s beyond it have passed.
HOST_COPY_GRACE_SECONDS = 900


def orphaned_host_records(probe: Probe, path, now: dt.datetime) -> list[str]:
    """The file names of the host's copies of run records (Probe.host_records) whose record on the probed destination
    is gone (deleted by hand, or a run adopted before the copies were removed with it) and whose run started longer
    ago than its time limit: nothing will adopt them, and nothing else removes them. A copy whose plan names another
    destination (by its spelling), or that cannot be read, stays: this probe cannot tell whether its record is gone."""
    if not probe.destination or not probe.destination_exists:
        return []
    on_destination = {r["record_name"] for r in probe.run_records}
    ours = re.compile(re.escape(probe.server) + r"_(\d{8}T\d{9})_L[012]" + re.escape(RUN_RECORD_SUFFIX) + "$")
    found = []
    for name, copy in sorted(probe.host_records.items()):
        matched = ours.match(name)
        if not matched or name in on_destination:
            continue
        try:
            plan = json.loads(copy["results"][0]["content"])
            destination, limit = plan["destination"], int(plan["timeout"]) + HOST_COPY_GRACE_SECONDS
            started = dt.datetime.strptime(matched.group(1)[:15], "%Y%m%dT%H%M%S").replace(tzinfo=dt.timezone.utc)
            same = arc.is_within(path, destination, probe.destination) and \
                arc.is_within(path, probe.destination, destination)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError, OverflowError):
            continue
        if same and (now - started).total_seconds() > limit:
            found.append(name)
    return found


def own_records(probe: Probe) -> list[dict]:
    ours = re.compile(re.escape(probe.server) + r"_\d{8}T\d{9}_L[012]" + re.escape(RUN_RECORD_SUFFIX) + "$")
    return sorted((r for r in probe.run_records if ours.match(r["record_name"])), key=lambda r: r["record_name"])


def pending_warning(records: list[dict]) -> list[str]:
    if not records:
        return []
    return [f"{len(records)} finished scheduled run(s) wait to become manifests ({records[0]['record']} ...); "
            "a real run takes them over first, check mode plans without them"]
