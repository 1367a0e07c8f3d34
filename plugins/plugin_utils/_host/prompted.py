# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: Programs run in turn with their prompts answered (the manual's console utilities and commands), as
# executor `prompted` operations in one batch, judged here: the exit code, the "once" prompts never
# asked, the line that says why a program ended, the secrets masked in every transcript returned.
# With a record, nothing runs while the record file holds exactly its content (unless forced), and
# the record is written only after every program succeeded, so a re-run changes nothing.
from __future__ import annotations

import re

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure

MASK = "********"
_STOPPED = " was stopped. Output: "  # how both executors end the error of a prompted program they stopped
# The stage a program still running at its deadline reached, as both executors say it (contract.PROMPTED_LATE).
_LATE = re.compile(r"did not finish within (\d+) seconds \[answered (\d+), printed (\d+), "
                   r"since the last answer (\d+), last answered: (.*)\]$", re.S)
# Under CreateNoWindow (Windows) or without a terminal (POSIX) a program that reads the console itself (_getch,
# Console.ReadKey) or holds its prompts in a buffer while its output is a pipe waits for ever: only the timeout ends it.
READS_CONSOLE = ("the program may read the console directly (a key press, a password typed at the console), "
                 "which a remote session cannot answer")
BUFFERED = "or hold its prompts in a buffer while its output is a pipe"


def masked(text: str, secrets: dict) -> str:
    for value in (secrets or {}).values():
        if value:
            text = text.replace(str(value), MASK)
    return text


def one_line(text: str) -> str:
    return " ".join(text.split())


def shown(argv: list, path) -> str:
    """How a run is named in a message: the program's file name and its arguments."""
    return " ".join([path.basename(argv[0]), *[str(a) for a in argv[1:]]])


def why_it_ended(tail: str, secrets: dict) -> str:
    """The last line a program printed after the last prompt answered: what says why it ended."""
    lines = [line.strip() for line in masked(tail, secrets).lstrip(" :\t").splitlines() if line.strip()]
    return (lines or ["no output"])[-1]


def run_problem(result: dict, secrets: dict) -> str | None:
    """Why a finished run failed (its exit code, or a "once" prompt it never asked), or None."""
    if result["rc"] != 0:
        return f"returned {result['rc']}: {why_it_ended(result['tail'], secrets)}"
    if result["unanswered"]:
        return f"ended without asking for {result['unanswered'][0]!r}: {why_it_ended(result['tail'], secrets)}"
    return None


def late_cause(why: str) -> str:
    """A deadline in words that name the stage the program reached and the likely cause (docs/windows.md,
    First-run checklist); any other reason as it is."""
    found = _LATE.search(why)
    if not found:
        return why
    seconds, answers, printed, since, last = found.groups()
    head = why[:found.start()] + f"did not finish within {seconds} seconds"
    answered = f"the answer to {one_line(last)!r} (answer {answers})"
    if int(printed) == 0:
        return f"{head}: it printed nothing at all (stage: started, no prompt seen): {READS_CONSOLE}, {BUFFERED}"
    if int(since) == 0 and int(answers):
        return (f"{head}: it printed nothing after {answered}: {READS_CONSOLE}, {BUFFERED}, "
                f"or need more time than the timeout")
    where = f"since {answered}" if int(answers) else "since it started"
    return (f"{head}: no prompt was answered in what it printed {where} (see the output): {READS_CONSOLE}, "
            f"or ask a question the prompt table does not know")


def stopped(error: str, secrets: dict) -> tuple[str, str]:
    """(why, output) of a program the executor stopped: a timeout, an aborting or a refused answer."""
    head, found, output = error.partition(_STOPPED)
    if not found:
        return masked(error, secrets), ""
    why = head.rsplit("; ", 1)[0]
    if why.startswith("it "):
        why = why[len("it "):]
    elif " did not finish within " in why:
        why = late_cause("did not finish within " + why.split(" did not finish within ", 1)[1])
    return masked(why, secrets) + "; it was stopped", masked(output, secrets)


def prompted_op(argv: list, prompts: list, timeout: int, cwd: str | None = None) -> dict:
    # The console's code page, as these programs write it (Windows; POSIX hosts read it as UTF-8).
    op = {"op": "prompted", "argv": [str(a) for a in argv], "prompts": [list(p) for p in prompts], "timeout": timeout,
          "encoding": "oem"}
    if cwd:
        op["cwd"] = cwd
    return op


def run_prompted(target, runs: list, prompts: list, timeout: int, cwd: str | None = None, secrets: dict | None = None,
                 record: dict | None = None, force: bool = False, check: bool = False,
                 read_after: str | None = None, preflight: tuple | None = None) -> dict:
    """Run each argv of `runs` in turn with `prompts` answered. Returns {changed, ran, outputs, output} and, with
    read_after, that file's text after the runs. A failure ends the task with one line, secrets masked.
    preflight: (read-only ops by name, function(their results)) sent with the record's read; the function raises
    when what they found forbids the run (a program that is no program), before anything ran, check mode too."""
    secrets = secrets or {}
    reads = Batch()
    if record and not force:
        reads.add("record", {"op": "read", "path": record["path"], "encoding": "utf-8"})
    for name, op in (preflight[0] if preflight else {}).items():
        reads.add(name, op)
    if reads.ops:
        found = reads.results(target.batch(reads.ops, read_only=True))
        if preflight:
            preflight[1](found)
        held = found.get("record") or {}
        if held.get("exists") and held["content"] == record["content"]:
            return {"changed": False, "ran": False}
    if check:
        return {"changed": True, "ran": False}
    ops = Batch.numbered([prompted_op(argv, prompts, timeout, cwd) for argv in runs], "run")
    if read_after:
        ops.add("read_after", {"op": "read", "path": read_after, "encoding": "latin-1"})
    results = ops.results(target.batch(ops.ops, secrets=secrets, check=False))
    outputs = []
    for number, argv in enumerate(runs):
        result = results.get(("run", number))
        if result is None:  # not run: only after a failure, which ended the task already
            break
        if not result["ok"]:
            why, output = stopped(result.get("error") or "failed", secrets)
            raise RemoteFailure(one_line(f"{shown(argv, target.path)} {why}"), {"output": output, "outputs": outputs})
        transcript = masked(result["output"], secrets)
        problem = run_problem(result, secrets)
        if problem:
            raise RemoteFailure(one_line(f"{shown(argv, target.path)} {problem}"),
                                {"output": transcript, "outputs": outputs, "rc": result["rc"]})
        outputs.append(transcript)
    done = {"changed": True, "ran": True, "rc": 0, "output": "".join(outputs), "outputs": outputs}
    if read_after:
        after = results["read_after"]
        if not after["ok"]:
            raise RemoteFailure(after.get("error") or f"{read_after} could not be read", {"outputs": outputs})
        done["read_after"] = after.get("content") or ""
    if record:  # only now: a run that failed is never recorded as done
        target.batch([{"op": "mkdir", "path": target.path.dirname(record["path"])},
                      {"op": "write", "path": record["path"], "content": record["content"], "encoding": "utf-8"}])
    return done
