# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The executor selftest (plugins/modules/executor_selftest.py): the batches that run every operation of
# contract.OPERATIONS once with known inputs in a scratch folder under the host's temp, and the table that compares
# what each answered with what the contract promises. No I/O: the action plugin sends the batches.
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import OPERATIONS, result_problems

SCRATCH_PREFIX = "oscc-selftest-"
# Arguments a shell would read (& %TEMP% $HOME quotes, runs of blanks); outside ASCII for the OEM code page.
ARGS = ["a & b", "%TEMP%", 'say "hi" twice', "two  blanks", "$HOME", "Grüße"]
# A file of every kind of character the latin-1 files carry, and the text the utf-8 one carries.
DATA = 'Grüße & 100% "quoted"\n'
TEXT = "Grüße, ½ €\n"
ZIP_ENTRIES = {"one.txt": b"first entry\n", "two.txt": b"second entry\n"}
STDIN_NAME, PROMPTED_NAME = "Alice", "Bob"
# The prompted stage (a TAPEDEV restore's levels): the level 1 file, staged only when its checksum is the one given.
STAGED, TAPEDEV_BEFORE = "STAGED-L1\n", "level 0\n"
STAGE_PROMPTS = [["Restore a level ([12]) archive", "level"], ["press Return", "return"]]
HOLD_SECONDS = 2  # the timeout of the program whose child holds its output for 30 seconds
LOCK_TTL = 600
NOT_APPLICABLE = "not applicable on POSIX hosts (Windows only)"

# The text the argument check carries: the arguments, one a line.
ARGV_TEXT = "".join(argument + "\n" for argument in ARGS)
# Windows: the argument check runs the executor itself (its text given to the Plan, written to the scratch folder)
# as a native program, powershell.exe -File, with a JSON batch as one argument that holds every character of ARGS
# (raw, not \u-escaped) and asks it to write ARGV_TEXT: the file, compared, proves the argument arrived intact. It is
# the way the scheduled tasks run the executor (scheduled_task.executor_action). No other PowerShell is written.
EXECUTOR_NAME, ARGV_FILE = "executor.ps1", "argv.txt"
POWERSHELL_FILE = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File"]

# The small programs the batch writes: each asks for a name, or starts a child that keeps the output open; on POSIX
# one echoes its arguments one a line (execve hands them over as they are, no command line is parsed).
# Windows: cmd.exe runs the .cmd files.
SCRIPTS = {
    "windows": {
        "ask": ("ask-name.cmd", "@echo off\r\nset /p NAME=Name? \r\necho(hello %NAME%\r\n"),
        "hold": ("hold-output.cmd", "@echo off\r\necho(started\r\nping -n 30 127.0.0.1\r\necho(finished\r\n"),
        "stage": ("ask-level.cmd", "@echo off\r\nset /p LEVEL=Restore a level 1 archive (y/n) \r\n"
                  "set /p GO=press Return to continue \r\ntype tapedev.txt\r\n"),
    },
    "posix": {
        "echo": ("echo-args.sh", 'for argument in "$@"; do printf \'%s\\n\' "$argument"; done\n'),
        "ask": ("ask-name.sh", "printf 'Name? '\nread NAME\necho \"hello $NAME\"\n"),
        "hold": ("hold-output.sh", "echo started\nsleep 30\necho finished\n"),
        "stage": ("ask-level.sh", "printf 'Restore a level 1 archive (y/n) '\nread LEVEL\n"
                  "printf 'press Return to continue '\nread GO\ncat tapedev.txt\n"),
    },
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def zip_bytes() -> bytes:
    """The archive the unzip operation reads: fixed entries and dates, so its bytes are known."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as kit:
        for name, data in ZIP_ENTRIES.items():
            kit.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def env_op() -> dict:
    """The first batch: where the host keeps temporary files, and where Windows is (its programs)."""
    return {"op": "env", "names": ["TEMP", "TMP", "TMPDIR", "SystemRoot"]}


def temp_folder(platform: str, values: dict) -> str | None:
    if platform == "windows":
        return values.get("TEMP") or values.get("TMP")
    return values.get("TMPDIR") or "/tmp"


def shown(value, width: int = 160) -> str:
    """A value as one short line of the table."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = text.replace("\r\n", "\n").replace("\n", "⏎").strip()  # blanks kept: an argument may hold a run of them
    return text if len(text) <= width else text[: width - 1] + "…"


class Plan:
    """The selftest of one host: its scratch folder, the batches, and the table of what they answered."""

    def __init__(self, platform: str, path, temp: str, token: str, timeout: int, system_root: str | None = None,
                 executor_source: str = ""):
        """executor_source: the text of executor.ps1, which a Windows host runs as a native program."""
        self.platform, self.path, self.token, self.timeout = platform, path, token, timeout
        self.executor_source = executor_source
        self.temp, self.scratch = temp, path.join(temp, SCRATCH_PREFIX + token)
        self.unzipped = self.in_scratch("unzipped")
        self.lock = self.in_scratch("selftest.lock")
        self.tokens = (f"{token}-first", f"{token}-second")
        windows = system_root or "C:\\Windows"
        self.cmd = path.join(windows, "System32", "cmd.exe")
        self.powershell = path.join(windows, "System32", "WindowsPowerShell", "v1.0", "powershell.exe")
        self.scripts = {key: self.in_scratch(name) for key, (name, _text) in SCRIPTS[platform].items()}
        self.executor, self.argv_file = self.in_scratch(EXECUTOR_NAME), self.in_scratch(ARGV_FILE)

    def in_scratch(self, *names: str) -> str:
        return self.path.join(self.scratch, *names)

    def program(self, key: str, *arguments: str) -> list:
        """The argv that runs one of the scripts the batch wrote."""
        script = self.scripts[key]
        if self.platform == "posix":
            return ["/bin/sh", script, *arguments]
        return [self.cmd, "/d", "/c", script, *arguments]

    def inner_executor(self, batch: dict) -> list:
        """The argv that runs the executor the batch wrote, on a batch given as one JSON argument (Windows)."""
        return [self.powershell, *POWERSHELL_FILE, self.executor, "-Batch", json.dumps(batch, ensure_ascii=False)]

    def argv_batch(self) -> dict:
        """The inner executor's batch: ARGV_TEXT written to a file. Its JSON holds quotes (every string), & %TEMP%
        $HOME, blanks and characters outside ASCII."""
        return {"ops": [{"op": "write", "path": self.argv_file, "content": ARGV_TEXT, "encoding": "utf-8"}]}

    def argv_check(self) -> list:
        """The argv of the argument check: the inner executor on Windows, the sh echo on POSIX."""
        if self.platform == "windows":
            return self.inner_executor(self.argv_batch())
        return self.program("echo", *ARGS)

    def one_output(self) -> list:
        """A program with a known, short output (for stdout into a file): the echo, or the executor on no operation."""
        if self.platform == "windows":
            return self.inner_executor({"ops": []})
        return self.program("echo", "only-line")

    def staged_restore(self, level1_sha256: str) -> dict:
        """The prompted stage: level 1 asked for and staged into tapedev.txt at Return, against the checksums; the
        program (run in the scratch folder) then prints tapedev.txt."""
        data, staged = self.in_scratch("data.txt"), self.in_scratch("staged.txt")
        tapedev = self.in_scratch("tapedev.txt")
        stage = {"files": [data, staged], "target": tapedev, "sha256": [sha256(DATA.encode("latin-1")), level1_sha256]}
        return {"op": "prompted", "argv": self.program("stage"), "timeout": self.timeout, "cwd": self.scratch,
                "prompts": STAGE_PROMPTS, "stage": stage, "encoding": "oem"}

    def remove_folder(self, folder: str) -> dict:
        """A folder removed only when empty (no operation removes folders; nothing recursive runs)."""
        argv = [self.cmd, "/d", "/c", "rd", folder] if self.platform == "windows" else ["rmdir", folder]
        return {"op": "run", "argv": argv, "timeout": self.timeout}

    def files(self) -> list:
        """Every file the selftest leaves in its scratch folder, for the last batch to remove."""
        names = ["data.txt", "text.txt", "kit.zip", "echo.out", "selftest.lock.guard", "selftest.lock.live",
                 "selftest.lock", "staged.txt", "tapedev.txt"]
        found = [self.in_scratch(name) for name in names] + list(self.scripts.values())
        if self.platform == "windows":
            found += [self.executor, self.argv_file]
        return found + [self.path.join(self.unzipped, name) for name in ZIP_ENTRIES]

    def work(self) -> Batch:
        """The second batch: the folder made, then every operation. They are cleanup operations, which run whatever
        an earlier one answered: one broken operation is one failed row, not a batch stopped."""
        batch = Batch().add("mkdir", {"op": "mkdir", "path": self.scratch})
        data, text = self.in_scratch("data.txt"), self.in_scratch("text.txt")
        steps = [
            ("write", {"op": "write", "path": data, "content": DATA, "encoding": "latin-1", "expected_sha256": ""}),
            ("write again", {"op": "write", "path": data, "content": DATA, "encoding": "latin-1"}),
            ("write utf-8", {"op": "write", "path": text, "content": TEXT, "encoding": "utf-8"}),
            ("read latin-1", {"op": "read", "path": data, "encoding": "latin-1"}),
            ("read utf-8", {"op": "read", "path": text, "encoding": "utf-8"}),
            ("hash", {"op": "hash", "path": data}),
            ("stat", {"op": "stat", "path": data}),
            # One folder by two spellings has one identity, another folder another (contract: stat's identity).
            ("stat folder", {"op": "stat", "path": self.scratch}),
            ("stat folder spelled again", {"op": "stat", "path": self.path.join(self.scratch, ".")}),
            ("stat another folder", {"op": "stat", "path": self.temp}),
            ("list", {"op": "list", "path": self.scratch, "pattern": "*.txt"}),
            # only the names read_names takes are read, and none over read_max bytes
            ("list read", {"op": "list", "path": self.scratch, "pattern": "*.txt", "read": "latin-1",
                           "read_names": r"data\.txt", "read_max": len(DATA.encode("latin-1"))}),
            ("list read_max", {"op": "list", "path": self.scratch, "pattern": "*.txt", "read": "latin-1",
                               "read_names": r"data\.txt", "read_max": len(DATA.encode("latin-1")) - 1}),
            ("copy", {"op": "copy", "src": data, "dest": self.in_scratch("copy.txt")}),
            ("move", {"op": "move", "src": self.in_scratch("copy.txt"), "dest": self.in_scratch("moved.txt"),
                      "root": self.scratch}),
            ("moved away", {"op": "stat", "path": self.in_scratch("copy.txt")}),
            ("moved here", {"op": "hash", "path": self.in_scratch("moved.txt")}),
            ("remove", {"op": "remove", "path": self.in_scratch("moved.txt"), "root": self.scratch}),
            ("write zip", {"op": "write", "path": self.in_scratch("kit.zip"), "content": zip_bytes().decode("latin-1"),
                           "encoding": "latin-1"}),
            ("unzip list", {"op": "unzip", "archive": self.in_scratch("kit.zip")}),
            ("unzip", {"op": "unzip", "archive": self.in_scratch("kit.zip"), "dest": self.unzipped}),
            ("unzipped", {"op": "hash", "path": self.path.join(self.unzipped, "two.txt")}),
        ]
        for key, (_name, source) in SCRIPTS[self.platform].items():
            steps.append((("script", key), {"op": "write", "path": self.scripts[key], "content": source,
                                            "encoding": "utf-8"}))
        if self.platform == "windows":  # as the replication and backup schedules write it for their tasks
            steps.append((("script", "executor"), {"op": "write", "path": self.executor,
                                                   "content": self.executor_source, "encoding": "utf-8"}))
        steps.append(("run argv", {"op": "run", "argv": self.argv_check(), "timeout": self.timeout,
                                   "encoding": "oem"}))
        if self.platform == "windows":
            steps.append(("argv written", {"op": "read", "path": self.argv_file, "encoding": "utf-8"}))
        steps += [
            ("run stdout_file", {"op": "run", "argv": self.one_output(), "timeout": self.timeout,
                                 "stdout_file": self.in_scratch("echo.out"), "encoding": "oem"}),
            ("stdout hashed", {"op": "hash", "path": self.in_scratch("echo.out")}),
            ("run stdin", {"op": "run", "argv": self.program("ask"), "timeout": self.timeout, "cwd": self.scratch,
                           "stdin_text": STDIN_NAME + "\n", "encoding": "oem"}),
            ("prompted", {"op": "prompted", "argv": self.program("ask"), "timeout": self.timeout, "cwd": self.scratch,
                          "prompts": [["Name\\?", "=" + PROMPTED_NAME, "once"]], "encoding": "oem"}),
            ("write staged", {"op": "write", "path": self.in_scratch("staged.txt"), "content": STAGED,
                              "encoding": "latin-1"}),
            ("write tapedev", {"op": "write", "path": self.in_scratch("tapedev.txt"), "content": TAPEDEV_BEFORE,
                               "encoding": "latin-1"}),
            ("prompted stage changed", self.staged_restore(sha256(b"another server's level 1"))),
            ("prompted stage", self.staged_restore(sha256(STAGED.encode("latin-1")))),
            ("run timeout", {"op": "run", "argv": self.program("hold"), "timeout": HOLD_SECONDS, "encoding": "oem"}),
        ]
        if self.platform == "windows":
            steps.append(("cmdlet", {"op": "cmdlet", "name": "Get-Item", "parameters": {"LiteralPath": data},
                                     "select": ["Name", "Length"]}))
        steps.append(("lock", {"op": "lock", "path": self.lock, "record": {"token": self.tokens[0]},
                               "ttl": LOCK_TTL}))
        for name, op in steps:
            batch.add_cleanup(name, op)
        return batch

    def what_if(self) -> Batch:
        """The third batch, sent in check mode: a read answered, then a write refused (nothing written)."""
        batch = Batch().add("what-if read", {"op": "stat", "path": self.temp})  # there in check mode too
        return batch.add("what-if write", {"op": "write", "path": self.in_scratch("what-if.txt"), "content": "no\n"})

    def locks_and_cleanup(self) -> Batch:
        """The last batch: the lock renewed by this run, refused to another run; then the scratch folder removed."""
        first, second = self.tokens
        batch = Batch().add("lock renewed", {"op": "lock", "path": self.lock, "record": {"token": first},
                                             "ttl": LOCK_TTL, "break_token": first, "renew": True})
        batch.add("lock live", {"op": "lock_live", "path": self.lock})  # this batch holds it live now
        batch.add("lock other run", {"op": "lock", "path": self.lock, "record": {"token": second}, "ttl": LOCK_TTL})
        batch.add_cleanup("unlock other run", {"op": "unlock", "path": self.lock, "token": second})
        batch.add_cleanup("unlock", {"op": "unlock", "path": self.lock, "token": first})
        batch.add_cleanup("what-if wrote nothing", {"op": "stat", "path": self.in_scratch("what-if.txt")})
        for path in self.files():
            batch.add_cleanup(("remove", path), {"op": "remove", "path": path, "root": self.scratch})
        batch.add_cleanup("remove unzipped", self.remove_folder(self.unzipped))
        batch.add_cleanup("remove scratch", self.remove_folder(self.scratch))
        return batch.add_cleanup("scratch gone", {"op": "stat", "path": self.scratch})

    def rows(self, results: dict, only=None) -> list:
        """The table: one row per check, each with the operation, what the contract expects, what the host answered
        and whether they agree. `results`: name -> result of every batch (a name missing did not run); `only`: the
        names of the checks to show (check mode runs only its own batch)."""
        return Table(self, results, only).rows


def lines(result: dict) -> list:
    """A program's output as lines (Windows ends them with CR LF)."""
    return result["output"].replace("\r\n", "\n").splitlines()


def inner_answer(result: dict) -> dict:
    """What the executor a program ran answered, from its output (its JSON, written on one line, which a console may
    break at its width): where it failed, and each result's op, ok and changed; an error or a result outside the
    contract as its error."""
    answer = json.loads(result["output"].replace("\r", "").replace("\n", ""))
    done = answer.get("results") or []
    problems = []
    for r in done:
        known = r.get("op") in OPERATIONS
        problems += result_problems(r["op"], r) if known else [f"unknown operation {r.get('op')!r}"]
    shapes = [{k: r.get(k) for k in ("op", "ok", "changed")} for r in done]
    seen = {"failed_at": answer.get("failed_at"), "results": shapes}
    if answer.get("error") or problems:
        seen["error"] = answer.get("error") or problems[0]
    return seen


class Table:
    def __init__(self, plan: Plan, results: dict, only=None):
        self.plan, self.results, self.only, self.rows = plan, results, only, []
        self._build()

    def row(self, name, operation: str, expected, judge, got=None) -> None:
        """One row: `judge` takes the result and says whether it is as expected; `got` shows what it answered."""
        if self.only is not None and name not in self.only:
            return
        result = self.results.get(name)
        if result is None:
            self._add(operation, expected, "did not run", False)
            return
        op = result.get("op", "")
        problems = result_problems(op, result) if op in OPERATIONS else [f"unknown operation {op!r}"]
        if not result.get("ok") and expected != "refused":
            self._add(operation, expected, f"failed: {result.get('error')}", False)
        elif problems:
            self._add(operation, expected, f"outside the contract: {problems[0]}", False)
        else:
            try:
                ok = bool(judge(result))
            except (KeyError, TypeError, AttributeError, IndexError, ValueError):
                ok = False
            self._add(operation, expected, got(result) if got else result, ok)

    def _add(self, operation, expected, got, ok):
        self.rows.append({"operation": operation, "expected": shown(expected), "got": shown(got), "ok": ok})

    def _build(self):
        plan, data = self.plan, DATA.encode("latin-1")
        data_sha, text_bytes = sha256(data), TEXT.encode("utf-8")
        self.row("mkdir", "mkdir: the scratch folder", {"created": True}, lambda r: r["created"],
                 lambda r: {"created": r["created"], "path": plan.scratch})
        self.row("write", "write: a new file, latin-1", {"changed": True}, lambda r: r["changed"],
                 lambda r: {"changed": r["changed"]})
        self.row("write again", "write: the same content again", {"changed": False}, lambda r: not r["changed"],
                 lambda r: {"changed": r["changed"]})
        self.row("write utf-8", "write: utf-8", {"changed": True}, lambda r: r["changed"],
                 lambda r: {"changed": r["changed"]})
        self.row("read latin-1", "read: latin-1 (code page)", {"content": DATA, "sha256": data_sha},
                 lambda r: r["content"] == DATA and r["sha256"] == data_sha,
                 lambda r: {"content": r.get("content"), "sha256": r.get("sha256")})
        self.row("read utf-8", "read: utf-8 (code page)", {"content": TEXT, "sha256": sha256(text_bytes)},
                 lambda r: r["content"] == TEXT and r["sha256"] == sha256(text_bytes),
                 lambda r: {"content": r.get("content"), "sha256": r.get("sha256")})
        self.row("hash", "hash", {"sha256": data_sha, "size": len(data)},
                 lambda r: r["sha256"] == data_sha and r["size"] == len(data),
                 lambda r: {"sha256": r.get("sha256"), "size": r.get("size")})
        self.row("stat", "stat: a file", {"exists": True, "dir": False, "link": False, "size": len(data)},
                 lambda r: r["exists"] and not r["dir"] and not r["link"] and r["size"] == len(data),
                 lambda r: {k: r.get(k) for k in ("exists", "dir", "link", "size")})
        folder = (self.results.get("stat folder") or {}).get("identity")
        other = (self.results.get("stat another folder") or {}).get("identity")
        self.row("stat folder spelled again", "stat: one folder spelled two ways has one identity, another folder "
                 "another", {"identity": "the folder's", "another folder": "another"},
                 lambda r: r["identity"] and r["identity"] == folder and other and other != folder,
                 lambda r: {"identity": r.get("identity"), "folder": folder, "another folder": other})
        self.row("list", "list: *.txt", ["data.txt", "text.txt"],
                 lambda r: sorted(e["name"] for e in r["entries"]) == ["data.txt", "text.txt"],
                 lambda r: sorted(e["name"] for e in r["entries"]))
        read = {"data.txt": DATA, "text.txt": None}
        self.row("list read", "list: read_names and read_max", read,
                 lambda r: {e["name"]: e.get("content") for e in r["entries"]} == read,
                 lambda r: {e["name"]: e.get("content") for e in r["entries"]})
        self.row("list read_max", "list: a file over read_max is not read", {"data.txt": True},
                 lambda r: {e["name"]: e.get("too_large") for e in r["entries"] if e.get("too_large")} ==
                 {"data.txt": True} and not any("content" in e for e in r["entries"]),
                 lambda r: {e["name"]: e.get("too_large") for e in r["entries"] if e.get("too_large")})
        self.row("copy", "copy", {"copied": True}, lambda r: r["copied"], lambda r: {"copied": r["copied"]})
        self.row("move", "move", {"moved": True}, lambda r: r["moved"], lambda r: {"moved": r["moved"]})
        self.row("moved away", "move: the source is gone", {"exists": False}, lambda r: not r["exists"],
                 lambda r: {"exists": r["exists"]})
        self.row("moved here", "move: the destination holds the file", {"sha256": data_sha},
                 lambda r: r["sha256"] == data_sha, lambda r: {"sha256": r.get("sha256")})
        self.row("remove", "remove: a file below the root", {"removed": True}, lambda r: r["removed"],
                 lambda r: {"removed": r["removed"]})
        entries = {name: sha256(content) for name, content in ZIP_ENTRIES.items()}
        self.row("unzip list", "unzip: the entries listed", entries, lambda r: r["files"] == entries,
                 lambda r: r["files"])
        self.row("unzip", "unzip: written below dest", entries, lambda r: r["files"] == entries,
                 lambda r: r["files"])
        two = sha256(ZIP_ENTRIES["two.txt"])
        self.row("unzipped", "unzip: an entry's file", {"sha256": two}, lambda r: r["sha256"] == two,
                 lambda r: {"sha256": r.get("sha256")})
        self._programs()
        self._locks()
        self.row("what-if read", "check mode: a read answered (the temporary folder)", {"exists": True, "dir": True},
                 lambda r: r["exists"] and r["dir"], lambda r: {"exists": r["exists"], "dir": r["dir"]})
        self.row("what-if write", "check mode: a write", "refused",
                 lambda r: not r["ok"] and "what-if" in r["error"],
                 lambda r: "written" if r["ok"] else f"refused: {r.get('error')}")
        self.row("what-if wrote nothing", "check mode: nothing written", {"exists": False},
                 lambda r: not r["exists"], lambda r: {"exists": r["exists"]})
        self.row("scratch gone", "cleanup: the scratch folder removed", {"exists": False},
                 lambda r: not r["exists"], lambda r: {"exists": r["exists"], "path": plan.scratch})

    def _programs(self):
        if self.plan.platform == "windows":
            self._inner_executor()
        else:
            self.row("run argv", "run: argv with & %TEMP% $HOME quotes blanks, OEM code page", ARGS,
                     lambda r: r["rc"] == 0 and lines(r) == ARGS and not r["timed_out"],
                     lambda r: lines(r) if r["rc"] == 0 else {"rc": r["rc"], "output": r["output"]})
        hashed = self.results.get("stdout hashed") or {}
        self.row("run stdout_file", "run: stdout into a file, hashed as it streams",
                 {"rc": 0, "stdout_sha256": "the file's sha256"},
                 lambda r: r["rc"] == 0 and r["stdout_sha256"] == hashed.get("sha256")
                 and r["stdout_size"] == hashed.get("size") and r["stdout_size"] > len("only-line"),
                 lambda r: {"rc": r["rc"], "stdout_sha256": r.get("stdout_sha256"), "file": hashed.get("sha256")})
        self.row("run stdin", "run: stdin", f"hello {STDIN_NAME}",
                 lambda r: r["rc"] == 0 and f"hello {STDIN_NAME}" in r["output"],
                 lambda r: {"rc": r["rc"], "output": r["output"]})
        self.row("prompted", "prompted: a prompt answered", f"hello {PROMPTED_NAME}",
                 lambda r: r["rc"] == 0 and f"hello {PROMPTED_NAME}" in r["output"] and r["unanswered"] == [],
                 lambda r: {"rc": r["rc"], "output": r["output"], "unanswered": r["unanswered"]})
        changed = contract.CHANGED_SINCE_CHECKED.format(path=self.plan.in_scratch("staged.txt"))
        self.row("prompted stage changed", "prompted: a staged file whose checksum differs, refused before it starts",
                 "refused", lambda r: not r["ok"] and r["error"] == changed,
                 lambda r: "ran" if r["ok"] else f"refused: {r.get('error')}")
        self.row("prompted stage", "prompted: stage.sha256, level 1 checked and staged at Return", STAGED.strip(),
                 lambda r: r["rc"] == 0 and STAGED.strip() in r["output"] and r["unanswered"] == [],
                 lambda r: {"rc": r["rc"], "output": r["output"]})
        self.row("run timeout", f"run: a child holding the output ended at the timeout ({HOLD_SECONDS} s)",
                 {"timed_out": True, "output": "started"},
                 lambda r: r["timed_out"] and "started" in r["output"] and "finished" not in r["output"],
                 lambda r: {"timed_out": r["timed_out"], "output": r["output"]})
        if self.plan.platform == "windows":
            expected = [{"Name": "data.txt", "Length": len(DATA.encode("latin-1"))}]
            self.row("cmdlet", "cmdlet: Get-Item, properties selected", expected, lambda r: r["objects"] == expected,
                     lambda r: r["objects"])
        else:
            self._add("cmdlet", NOT_APPLICABLE, NOT_APPLICABLE, True)

    def _inner_executor(self):
        """The argument check on Windows: powershell.exe -File ran the executor on the JSON argument (its answer read
        from the output), and the file its batch wrote holds ARGV_TEXT."""
        wrote = {"failed_at": None, "results": [{"op": "write", "ok": True, "changed": True}]}
        self.row("run argv", "run: a JSON batch with & %TEMP% $HOME quotes blanks Grüße as one argument of "
                 "powershell.exe -File executor.ps1, OEM code page", dict(wrote, rc=0),
                 lambda r: r["rc"] == 0 and not r["timed_out"] and inner_answer(r) == wrote,
                 lambda r: {"rc": r["rc"], "output": r["output"]})
        self.row("argv written", "run: the argument arrived intact (the text the inner batch wrote)", ARGS,
                 lambda r: r["content"] == ARGV_TEXT,
                 lambda r: r["content"].splitlines() if r["exists"] else {"exists": False})

    def _locks(self):
        first = self.plan.tokens[0]
        self.row("lock", "lock: taken", {"acquired": True}, lambda r: r["acquired"] and not r.get("halt"),
                 lambda r: {"acquired": r["acquired"]})
        self.row("lock renewed", "lock: renewed by the same run (a later batch)", {"acquired": True},
                 lambda r: r["acquired"], lambda r: {"acquired": r["acquired"], "holder": r.get("holder")})
        self.row("lock live", "lock_live: the lock is held live by the batch that renewed it", {"live": True},
                 lambda r: r["live"] is True, lambda r: {"live": r["live"]})
        self.row("lock other run", "lock: refused to another run", {"acquired": False, "holder": first},
                 lambda r: not r["acquired"] and r["halt"] and r["holder"].get("token") == first,
                 lambda r: {"acquired": r["acquired"], "holder": (r.get("holder") or {}).get("token")})
        self.row("unlock other run", "unlock: another run's token", {"released": False},
                 lambda r: not r["released"], lambda r: {"released": r["released"]})
        self.row("unlock", "unlock: this run's token", {"released": True}, lambda r: r["released"],
                 lambda r: {"released": r["released"]})


def exercised(plan_rows: list) -> set:
    """The operations a table's rows name (its first word), for the test that none is forgotten."""
    return {row["operation"].split(":")[0].split()[0] for row in plan_rows}


def table_text(host: str, rows: list) -> list:
    """The table as lines a terminal shows: ok or FAIL, the operation, expected and got."""
    width = max(len(r["operation"]) for r in rows)
    lines = [f"{host}: {sum(r['ok'] for r in rows)} of {len(rows)} rows ok"]
    for r in rows:
        lines.append(f"{'ok  ' if r['ok'] else 'FAIL'} {r['operation']:<{width}}  expected {r['expected']}")
        if not r["ok"] or r["got"] != r["expected"]:
            lines.append(f"     {'':<{width}}  got      {r['got']}")
    return lines
