# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# The restore itself as executor operations (manual §6.3.3 steps 3-15): take the server off-line,
# create missing chunks, let ontape or onbar restore the chain, bring the server On-Line. Its
# decisions (what ran, whether the server was touched, what ontape's words mean) are made here.
# HOST: the restore's round trips; restore_plan.py chooses the chain and the method.
from __future__ import annotations

import dataclasses
import time

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch, step_of
from ansible_collections.oscc.admin.plugins.plugin_utils._host.prompted import stopped as stopped_prompted
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import informix_of
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.lock import lock_refused
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import Probe, RestorePlan, output
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_plan import STAGE_PREFIX
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_prompts import RESTORE_PROMPTS

QUIESCENT_OR_UP = [1, 7, 5]  # after ontape -r: Quiescent, Single-User or already On-Line
# What touches the server: once one of these ran, a failure leaves it as the restore left it.
TOUCHING = ("shutdown", "chunk", "stage", "save_tapedev", "load_tapedev", "restore", "online")


def restore_ops(informix, chain, method, tapedev, timeout, lock, found, server_up) -> Batch:
    path = informix.path
    files = [m["archive_path"] for m in chain if m.get("archive_path")]
    # What the look hashed, checked again as each archive is fed or staged: one swapped on the share since is refused.
    checksums = [m["sha256"] for m in chain if m.get("archive_path")]
    ops = Batch().add("lock", lock.op())  # still this restore's: nothing runs otherwise
    if method == "onbar":  # restorable? asked before anything is touched
        ops.add("onbar_verify", informix.program_op("onbar", "-v", timeout=timeout, ok_rc=[0]))
    if server_up:
        ops.add("shutdown", informix.program_op("onmode", "-ky", timeout=timeout))
    ops.add("offline", informix.program_op("onstat", "-", ok_rc=[ifx.OFFLINE_RC]))
    for chunk in found["missing_chunks"]:  # manual §6.3.3: missing chunk files are created empty first
        ops.add(("chunk_dir", chunk), {"op": "mkdir", "path": path.dirname(chunk)})
        ops.add(("chunk", chunk), {"op": "write", "path": chunk, "content": "", "expected_sha256": "",
                                   "encoding": "latin-1"})
    if method == "onbar":
        ops.add("restore", informix.program_op("onbar", "-r", timeout=timeout, ok_rc=[0]))
    elif method == "stdio":
        ops.add("restore", informix.program_op("ontape", "-r", "-t", "STDIO", timeout=timeout, stdin_files=files,
                                               stdin_sha256=checksums))
    elif method == "directory":
        for level, archive in enumerate(files):
            ops.add(("stage", level), {"op": "copy", "src": archive, "dest": found["staged"][level],
                                       "sha256": checksums[level]})
            ops.add_cleanup(("unstage", level), {"op": "remove", "path": found["staged"][level], "root": tapedev})
        ops.add("restore", informix.program_op("ontape", "-r", "-d", timeout=timeout,
                                               env={"IFX_ONTAPE_FILE_PREFIX": STAGE_PREFIX}))
    else:  # the manual's TAPEDEV file: ontape asks for each level in turn, and each must be in the file then
        saved, folder = tapedev + ".oscc-saved", path.dirname(tapedev)
        ops.add("save_tapedev", {"op": "move", "src": tapedev, "dest": saved, "root": folder})
        ops.add_cleanup("restore_tapedev", {"op": "move", "src": saved, "dest": tapedev, "root": folder})
        ops.add("load_tapedev", {"op": "copy", "src": files[0], "dest": tapedev, "sha256": checksums[0]})
        ops.add("restore", {"op": "prompted", "argv": [informix.program("ontape"), "-r"], "env": informix.env(),
                            "timeout": timeout, "encoding": informix.encoding,
                            "stage": {"files": files, "target": tapedev, "sha256": checksums},
                            "prompts": [list(p) for p in RESTORE_PROMPTS]})
    ops.add("recovered", informix.program_op("onstat", "-", ok_rc=QUIESCENT_OR_UP))
    ops.add("online", informix.program_op("onmode", "-m", timeout=timeout))
    ops.add("mode", informix.program_op("onstat", "-", ok_rc=[ifx.ONLINE_RC]))
    ops.add_cleanup("left", informix.program_op("onstat", "-"))  # the mode the server is left in, whatever happened
    return ops


def wait_for_mode(target, informix, wanted, timeout) -> int:
    """onstat - until the server is in one of the wanted modes (a mode change Informix finishes later)."""
    deadline = time.monotonic() + timeout
    while True:
        rc = target.one(informix.program_op("onstat", "-"))["rc"]
        if rc in wanted or time.monotonic() > deadline:
            return rc
        time.sleep(2)


def restore_batch(target, probe: Probe, plan: RestorePlan, timeout, lock, found) -> dict:
    """The restore in one round trip (more only while Informix finishes a mode change); a RemoteFailure that
    says whether the server was touched and in which mode it is left."""
    informix, method = informix_of(target, probe), plan.method
    server_up = probe.onstat_rc != ifx.OFFLINE_RC
    ops = restore_ops(informix, plan.chain, method, plan.tapedev, timeout, lock, found, server_up)
    raw = target.batch(ops.ops, ops.cleanup, check=False)
    results = ops.results(raw)
    ran = ops.ran(raw)
    touched = any(step_of(name) in TOUCHING for name in ran)
    left = results["left"]
    details = {"touched": touched, "onstat_rc": left.get("rc") if left.get("ok") else None,
               "created_chunks": [name[1] for name in ran if step_of(name) == "chunk" and results[name].get("ok")]}
    failed = ops.failed(raw)
    stopped, failure = (failed.step, failed.result) if failed else (None, None)
    text = output(results.get("restore"))
    if method == "onbar" and results.get("restore", {}).get("rc") == 0:
        text += "\n" + ifx.SUCCESS_TEXT  # onbar reports by return code, not in words
    details["output"] = text or output(failure)
    if stopped == "lock":
        why = lock_refused(failure, informix.lock_path) if failure.get("ok") else failure.get("error")
        raise RemoteFailure(f"the server's lock is not this restore's any more: {why}", details)
    if stopped == "onbar_verify":
        rc = failure.get("rc")
        raise RemoteFailure(f"refusing to restore: onbar -v returned {rc} "
                            f"({ifx.ONBAR_RETURN_CODES.get(str(rc), 'see BAR_ACT_LOG')})", details)
    if stopped == "offline" and failure.get("ok"):  # onmode -ky returned before the server was down
        if wait_for_mode(target, informix, [ifx.OFFLINE_RC], timeout) != ifx.OFFLINE_RC:
            raise RemoteFailure(f"server did not reach mode Off-Line within {timeout} s", details)
        return restore_batch(target, dataclasses.replace(probe, onstat_rc=ifx.OFFLINE_RC), plan, timeout, lock, found)
    if stopped == "restore" and method == "onbar" and failure.get("ok"):
        rc = failure.get("rc")
        raise RemoteFailure(f"onbar -r returned {rc} ({ifx.ONBAR_RETURN_CODES.get(str(rc), 'see BAR_ACT_LOG')}); "
                            "the server is left as onbar left it", details)
    if stopped and not failure.get("ok"):
        error = failure.get("error") or ""
        details["output"] = details["output"] or error.partition(" Output: ")[2]  # the transcript's tail
        program = informix.path.basename(failed.op.get("argv", ["the restore"])[0]).split(".")[0]
        message = f"{program} {error[3:]}" if error.startswith("it ") else f"restore failed: {error}"
        if failed.op.get("op") == "prompted" and " did not finish within " in error:
            # the stage ontape reached, and why it may hang there (a prompt it never flushed to the pipe)
            message = f"{program} {stopped_prompted(error, {})[0]}"
        raise RemoteFailure(message, details)
    if stopped not in (None, "mode", "recovered") or ifx._FAILURE.search(text) or ifx.SUCCESS_TEXT not in text:
        raise RemoteFailure("ontape restore failed; the server is left as ontape left it", details)
    rc = results["mode"]["rc"] if "mode" in results else results["recovered"]["rc"]
    if stopped == "recovered":  # ontape finished before the server left Off-Line
        rc = wait_for_mode(target, informix, QUIESCENT_OR_UP, timeout)
        if rc not in QUIESCENT_OR_UP:
            raise RemoteFailure(f"server did not reach mode {QUIESCENT_OR_UP} within {timeout} s", details)
        if rc != ifx.ONLINE_RC:
            target.batch([informix.program_op("onmode", "-m", timeout=timeout)])
    if rc != ifx.ONLINE_RC:
        rc = wait_for_mode(target, informix, [ifx.ONLINE_RC], timeout)
        if rc != ifx.ONLINE_RC:
            raise RemoteFailure(f"server did not reach mode On-Line within {timeout} s (onstat - rc {rc})", details)
    transcript = [output(results.get(n)) for n in ("shutdown", "restore", "online") if n in results]
    return {"changed": True, "output": text, "transcript": transcript, "onstat_rc": rc,
            "created_chunks": details["created_chunks"], "touched": True}
