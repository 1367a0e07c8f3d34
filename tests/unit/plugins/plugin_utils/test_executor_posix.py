"""The POSIX executor against the declared contract: every primitive, its request and result keys, and the
behaviour the controller relies on (literal arguments, a timeout that ends the whole tree, confinement)."""
import ast
import contextlib
import json
import os
import re
import stat
import sys
import threading
import time

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract
from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix as executor


def batch(*ops, cleanup=()):
    for op in ops + tuple(cleanup):
        assert contract.request_problems(op) == [], op
    done = executor.run_batch({"ops": list(ops), "cleanup": list(cleanup)}, secrets={"pw": "s3cret"})
    assert contract.shape_problems(contract.BATCH_RESULT, done, "batch") == []
    for result in done["results"] + done["cleanup"]:
        assert contract.result_problems(result["op"], result) == [], result
    return done


def one(**op):
    return batch(op)["results"][0]


def program(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_every_declared_operation_is_offered_and_no_other():
    assert set(executor.OPERATIONS) == set(contract.OPERATIONS) - set(contract.WINDOWS_ONLY)


def test_arguments_reach_the_program_literally(tmp_path):
    """Issue 11 defect 6: & in a program path and %TEMP% in a destination are one literal argument each."""
    folder = tmp_path / "R&D"
    folder.mkdir()
    echo = program(folder, "echo args", "import json, sys; print(json.dumps(sys.argv[1:]))")
    odd = ["D:\\%TEMP%\\x", "a b", 'say "hi"', "^|<>&", "$(rm -rf /)", "", "trailing\\"]
    result = one(op="run", argv=[echo, *odd], timeout=30)
    assert result["ok"] and result["rc"] == 0 and json.loads(result["output"]) == odd


def test_stdout_streams_into_a_new_file_with_its_hash_and_the_exit_code_is_kept(tmp_path):
    writer = program(tmp_path, "w", "import sys; sys.stdout.write('x' * 100000); sys.stderr.write('warn'); sys.exit(3)")
    out = str(tmp_path / "archive.partial")
    result = one(op="run", argv=[writer], timeout=30, stdout_file=out)
    assert result["rc"] == 3 and result["output"] == "warn" and result["stdout_size"] == 100000
    assert result["stdout_sha256"] == executor._sha256(out)[0]
    again = one(op="run", argv=[writer], timeout=30, stdout_file=out)  # never overwrites
    assert not again["ok"] and "exists" in again["error"].lower()


def test_a_timeout_ends_the_whole_process_tree(tmp_path):
    marker = tmp_path / "child-alive"
    child = program(tmp_path, "c", f"import time\ntime.sleep(3)\nopen({str(marker)!r}, 'w').close()")
    parent = program(tmp_path, "p", f"import subprocess, time\nsubprocess.Popen([{child!r}])\ntime.sleep(60)")
    started = time.monotonic()
    result = one(op="run", argv=[parent], timeout=1)
    assert result["timed_out"] and time.monotonic() - started < 10
    time.sleep(3.5)
    assert not marker.exists()  # the grandchild went with it


def test_stdin_text_and_file_and_encodings(tmp_path):
    cat = program(tmp_path, "cat", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())")
    assert one(op="run", argv=[cat], timeout=30, stdin_text="Grüße\n")["output"] == "Grüße\n"
    source = tmp_path / "in.bin"
    source.write_bytes("Stra\u00dfe".encode("latin-1"))
    assert one(op="run", argv=[cat], timeout=30, stdin_files=[str(source)], encoding="latin-1")["output"] == "Straße"
    assert not one(op="run", argv=[cat], timeout=30, encoding="ebcdic")["ok"]


def test_prompts_are_answered_from_the_table_with_secrets_and_staging(tmp_path):
    asker = program(tmp_path, "ask", "\n".join([
        "import sys",
        "print('Password: ', end='', flush=True); pw = input()",
        "print('Restore a level 1 archive (y/n) ', end='', flush=True); a = input()",
        "print('press Return to continue', flush=True); input()",
        "print(open(sys.argv[1]).read(), pw == 's3cret', a, flush=True)"]))
    staged, target = tmp_path / "level1.arc", tmp_path / "TAPEDEV"
    staged.write_text("LEVEL1")
    target.write_text("LEVEL0")
    result = one(op="prompted", argv=[asker, str(target)], timeout=30,
                 prompts=[["Password:", "secret:pw", "once"], [r"Restore a level ([12]) archive", "level"],
                          ["press Return", "return"]], stage={"files": [str(tmp_path / "l0"), str(staged)],
                                                              "target": str(target)})
    assert result["ok"] and result["rc"] == 0 and "LEVEL1 True y" in result["tail"] and result["unanswered"] == []
    assert "s3cret" not in result["output"]


def test_a_refused_answer_or_an_unknown_question_stops_the_program(tmp_path):
    again = program(tmp_path, "again", "while True:\n    print('Port: ', end='', flush=True); input()")
    result = one(op="prompted", argv=[again], timeout=30, prompts=[["Port:", "=x", "once"]])
    assert not result["ok"] and "asked again" in result["error"]
    odd = program(tmp_path, "odd", "print('Format the disk? (y/n)', flush=True); input()")
    result = one(op="prompted", argv=[odd], timeout=30, prompts=[[r"\(y/n\)", "abort"]])
    assert not result["ok"] and "does not answer" in result["error"]


def test_files_read_write_atomically_and_refuse_a_changed_file(tmp_path):
    path = str(tmp_path / "ONCONFIG.ol_x")
    assert one(op="read", path=path) == {"op": "read", "ok": True, "exists": False}
    first = one(op="write", path=path, content="TAPEDEV x\u00e9\n", encoding="latin-1")
    read = one(op="read", path=path, encoding="latin-1")
    assert first["changed"] and read["content"] == "TAPEDEV x\u00e9\n" and os.path.getsize(path) == 11
    assert not one(op="write", path=path, content="TAPEDEV x\u00e9\n", encoding="latin-1")["changed"]
    stale = one(op="write", path=path, content="other", expected_sha256="0" * 64)
    assert not stale["ok"] and "changed since it was read" in stale["error"]
    kept = one(op="write", path=path, content="new", expected_sha256=read["sha256"], backup=True)
    assert kept["changed"] and open(kept["backup_file"], encoding="latin-1").read() == "TAPEDEV x\u00e9\n"
    assert sorted(os.listdir(tmp_path)) == sorted(["ONCONFIG.ol_x", os.path.basename(kept["backup_file"])])


def test_list_stat_hash_and_links(tmp_path):
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "b.arc").write_text("x")
    os.symlink("/etc/hostname", tmp_path / "c.json")
    listed = one(op="list", path=str(tmp_path), pattern="*.json")
    assert [(e["name"], e["link"]) for e in listed["entries"]] == [("a.json", False), ("c.json", True)]
    assert one(op="stat", path=str(tmp_path / "c.json"))["resolved"] == os.path.realpath("/etc/hostname")
    assert one(op="hash", path=str(tmp_path / "b.arc"))["size"] == 1
    assert one(op="list", path=str(tmp_path / "none"))["exists"] is False


def test_remove_and_move_only_below_the_root(tmp_path):
    root, outside = tmp_path / "share", tmp_path / "victim"
    root.mkdir()
    outside.write_text("keep")
    (root / "x.arc.partial").write_text("x")
    assert one(op="move", src=str(root / "x.arc.partial"), dest=str(root / "x.arc"), root=str(root))["moved"]
    for path in (str(root / ".." / "victim"), str(outside)):
        refused = one(op="remove", path=path, root=str(root))
        assert not refused["ok"] and "is not below" in refused["error"]
    os.symlink(outside, root / "link.arc")
    assert one(op="remove", path=str(root / "link.arc"), root=str(root))["removed"]  # the link, not its target
    assert outside.read_text() == "keep" and one(op="remove", path=str(root / "x.arc"), root=str(root))["removed"]


def test_locks_are_atomic_and_broken_only_by_their_token(tmp_path):
    path = str(tmp_path / ".oscc-ol_x.lock")
    with running(tmp_path, {"op": "lock", "path": path, "record": {"token": "a", "operation": "backup"}}) as first:
        held = one(op="lock", path=path, record={"token": "b"})
        assert not held["acquired"] and held["holder"]["token"] == "a" and held["holder"]["operation"] == "backup"
        assert not one(op="unlock", path=path, token="b")["released"]
        assert not one(op="lock", path=path, record={"token": "b"}, break_token="a")["acquired"]  # its batch runs
    assert first["results"][0]["acquired"]
    # the batch that took it has ended (in this process, which lives on: PSRP)
    assert one(op="lock", path=path, record={"token": "b"}, break_token="a")["acquired"]
    assert one(op="unlock", path=path, token="b")["released"] and not os.path.exists(path)


def test_a_batch_stops_at_the_first_failure_and_always_cleans_up(tmp_path):
    lock = str(tmp_path / "l")
    done = batch({"op": "lock", "path": lock, "record": {"token": "t"}}, {"op": "read", "path": str(tmp_path)},
                 {"op": "remove", "path": "/etc/passwd", "root": str(tmp_path)},
                 {"op": "mkdir", "path": str(tmp_path / "n")},
                 cleanup=[{"op": "unlock", "path": lock, "token": "t"}])
    assert [r["ok"] for r in done["results"]] == [True, True, False] and done["failed_at"] == 2
    assert done["cleanup"][0]["released"] and not (tmp_path / "n").exists()


@pytest.mark.parametrize("bad", [{"op": "run", "argv": "ontape -s"}, {"op": "run", "argv": ["x"]},
                                 {"op": "shell", "command": "x"}, {"op": "read", "path": "x", "code": "y"}])
def test_the_contract_refuses_commands_as_strings_and_unknown_keys(bad):
    assert contract.request_problems(bad)


@contextlib.contextmanager
def running(tmp_path, *ops):
    """A batch that did ops and still runs, in a thread of this process (two runs' batches in one process, as PSRP
    runs them); its result once the block ends it."""
    mark = f"{len(os.listdir(tmp_path))}-{time.monotonic_ns()}"
    started, release = tmp_path / f"started-{mark}", tmp_path / f"release-{mark}"
    waiting = "import os, sys, time\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.02)"
    wait = {"op": "run", "timeout": 60, "argv": [sys.executable, "-c", waiting, str(release)]}
    done = {}
    ops = [*ops, {"op": "write", "path": str(started), "content": ""}, wait]
    thread = threading.Thread(target=lambda: done.update(executor.run_batch({"ops": ops})))
    thread.start()
    deadline = time.monotonic() + 30
    while not started.exists() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield done
    finally:
        release.touch()
        thread.join(60)
    assert done["failed_at"] is None, done


def holding_live(path):
    """The lock's live handle held, as a running batch holds it."""
    return executor._claim_live(path)


def write_lock(path, record):
    with open(path, "w") as handle:
        handle.write(record if isinstance(record, str) else json.dumps(record))


def dead_pid():
    proc = __import__("subprocess").Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# expires: seconds from the test's own start (a value taken at collection would have run out in a long suite)
@pytest.mark.parametrize("record, broken", [
    ("", True),  # its writer died while writing it
    ("{not json", True),
    ({"token": "x", "pid": "dead", "host": "here"}, True),  # the process that held it is gone
    ({"token": "x", "expires": -1, "pid": os.getpid(), "host": "here", "owner": "batch"}, True),  # ran out
    ({"token": "x", "expires": 600, "pid": "dead", "host": "here"}, False),  # a lease outlives its writer
    ({"token": "x", "pid": os.getpid(), "host": "here", "live": True}, False),  # the batch that took it still runs
    ({"token": "x", "pid": os.getpid(), "host": "here", "owner": "batch"}, True),  # its process runs on (PSRP)
    # an earlier executor's lock (no owner) under that executor's rules: kept while its process runs without a
    # lease, ended by its lease
    ({"token": "x", "pid": os.getpid(), "host": "here"}, False),
    ({"token": "x", "expires": -1, "pid": os.getpid(), "host": "here"}, True),
    ({"token": "x", "expires": -1, "pid": os.getpid(), "host": "here", "live": True}, False),  # runs
    ({"token": "x", "pid": "dead", "host": "another-host", "live": True}, False),
    ({"token": "x", "pid": "dead", "host": "another-host"}, False),  # a process elsewhere is not judged here
    ({"token": "x", "pid": "not a number", "host": "here"}, False),  # not a lock this collection wrote
])
def test_a_lock_is_broken_exactly_when_its_holder_is_gone(tmp_path, record, broken):
    path = str(tmp_path / ".oscc-ol_x.lock")
    if isinstance(record, dict):
        here = __import__("socket").gethostname()
        record = dict(record, host=here if record["host"] == "here" else record["host"],
                      pid=dead_pid() if record["pid"] == "dead" else record["pid"])
        if "expires" in record:
            record["expires"] += time.time()
    live = holding_live(path) if isinstance(record, dict) and record.pop("live", False) else None
    write_lock(path, record)
    try:
        done = one(op="lock", path=path, record={"token": "new"})
    finally:
        if live is not None:
            live.close()
    assert done["acquired"] is broken
    with open(path) as handle:
        assert (json.load(handle).get("token") == "new") is broken


def test_a_lock_with_a_ttl_is_a_lease_and_records_who_took_it(tmp_path):
    path = str(tmp_path / "l")
    assert one(op="lock", path=path, record={"token": "t", "operation": "restore"}, ttl=60)["acquired"]
    with open(path) as handle:
        held = json.load(handle)
    assert held["operation"] == "restore" and held["pid"] == os.getpid() and held["started"].endswith("Z")
    assert time.time() + 50 < held["expires"] <= time.time() + 60
    assert one(op="lock", path=path, record={"token": "u"})["holder"]["token"] == "t"


def _race(path, token, results, start):
    start.wait()
    # the winner's batch still runs while the others try: its lock is held, not stale
    held = {"op": "run", "argv": [sys.executable, "-c", "import time; time.sleep(1.5)"], "timeout": 30}
    done = executor.run_batch({"ops": [{"op": "lock", "path": path, "record": {"token": token}}, held]})
    results.put(done["results"][0])


def test_two_runs_that_find_a_stale_lock_never_both_take_it(tmp_path):
    import multiprocessing
    context = multiprocessing.get_context("fork")
    for attempt in range(3):
        path = str(tmp_path / f"race{attempt}")
        write_lock(path, {"token": "old", "pid": dead_pid(), "host": __import__("socket").gethostname()})
        results, start = context.Queue(), context.Event()
        runs = [context.Process(target=_race, args=(path, f"t{n}", results, start)) for n in range(6)]
        for run in runs:
            run.start()
        start.set()
        won = [results.get(timeout=20)["acquired"] for _n in runs]
        for run in runs:
            run.join()
        assert won.count(True) == 1


def test_env_copy_and_list_with_contents(tmp_path, monkeypatch):
    monkeypatch.setenv("OSCC_T", "a&b %TEMP% ü")
    done = one(op="env", names=["OSCC_T", "OSCC_UNSET"])
    assert done["values"] == {"OSCC_T": "a&b %TEMP% ü", "OSCC_UNSET": None} and done["computer_name"]
    (tmp_path / "a.json").write_text('{"x": 1}')
    (tmp_path / "sub").mkdir()
    assert one(op="copy", src=str(tmp_path / "a.json"), dest=str(tmp_path / "new" / "b.json"))["copied"]
    assert (tmp_path / "new" / "b.json").read_text() == '{"x": 1}'
    assert not one(op="copy", src=str(tmp_path / "missing"), dest=str(tmp_path / "c"))["copied"]
    entries = one(op="list", path=str(tmp_path), pattern="*", read="utf-8")["entries"]
    files = {e["name"]: e for e in entries}
    assert files["a.json"]["content"] == '{"x": 1}' and len(files["a.json"]["sha256"]) == 64
    assert "content" not in files["sub"]


def test_unzip_hashes_entries_and_writes_only_below_dest(tmp_path):
    import hashlib
    import zipfile
    kit = tmp_path / "kit.zip"
    with zipfile.ZipFile(kit, "w") as archive:
        archive.writestr("web/index.htm", "<p>ä</p>")
        archive.writestr("web/", "")
        archive.writestr("readme.txt", "r")
    listed = one(op="unzip", archive=str(kit))
    assert listed["files"] == {"web/index.htm": hashlib.sha256("<p>ä</p>".encode()).hexdigest(),
                               "readme.txt": hashlib.sha256(b"r").hexdigest()}
    dest = tmp_path / "dest"
    one(op="unzip", archive=str(kit), dest=str(dest), entries=["web/index.htm"])
    assert (dest / "web" / "index.htm").read_text() == "<p>ä</p>" and not (dest / "readme.txt").exists()
    assert "holds no entry" in one(op="unzip", archive=str(kit), dest=str(dest), entries=["nope"])["error"]
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escaped.txt", "x")
    assert "is not a path inside" in one(op="unzip", archive=str(evil), dest=str(dest))["error"]
    assert not (tmp_path / "escaped.txt").exists()
    (tmp_path / "not.zip").write_text("plain")
    assert "is not a zip file" in one(op="unzip", archive=str(tmp_path / "not.zip"))["error"]
    absent = one(op="unzip", archive=str(tmp_path / "absent.zip"))
    assert absent == {"op": "unzip", "ok": True, "exists": False, "files": {}}


def test_a_saved_batch_names_its_files_by_its_stamp_leaves_a_record_and_exits_1_when_it_failed(tmp_path):
    import subprocess
    source = executor.__file__
    saved = tmp_path / "scheduled.json"
    for fails, code in ((False, 0), (True, 1)):
        ops = [{"op": "run", "argv": [sys.executable, "-c", "print('hi')"], "timeout": 30,
                "stdout_file": str(tmp_path / "out_{stamp}.txt")}]
        if fails:
            ops.append({"op": "remove", "path": "/etc/hostname", "root": str(tmp_path)})
        saved.write_text(json.dumps({"ops": ops, "stamp": "{stamp}", "record": str(tmp_path / "run_{stamp}.json")}))
        done = subprocess.run([sys.executable, source, f"@{saved}"], capture_output=True, text=True, check=False)
        assert done.returncode == code, done.stderr
        result = json.loads(done.stdout)
        assert re.fullmatch(r"\d{8}T\d{9}", result["stamp"])
        with open(tmp_path / f"run_{result['stamp']}.json") as handle:
            assert json.load(handle) == result
        assert (tmp_path / f"out_{result['stamp']}.txt").read_text() == "hi\n"
        assert (result["failed_at"] is not None) is fails
        time.sleep(0.01)


def test_a_saved_batch_writes_its_record_again_on_the_host_and_fails_when_it_cannot(tmp_path):
    share, host = tmp_path / "share", tmp_path / "host"
    share.mkdir()
    host.mkdir()
    request = {"ops": [{"op": "env", "names": ["PATH"]}], "stamp": "{stamp}",
               "record": str(share / "run_{stamp}.json"), "host_record": str(host / "run_{stamp}.json")}
    done = executor.run_batch(json.loads(json.dumps(request)))
    assert "error" not in done
    stamp = done["stamp"]
    assert (share / f"run_{stamp}.json").read_bytes() == (host / f"run_{stamp}.json").read_bytes()
    missing = executor.run_batch(dict(request, host_record=str(tmp_path / "gone" / "run.json")))
    assert missing["error"].startswith("the run record could not be written")


def test_an_exit_code_outside_ok_rc_or_a_lock_not_acquired_halts_the_batch(tmp_path, monkeypatch):
    monkeypatch.setenv("OSCC_SET", "host's")
    show = [sys.executable, "-c", "import os, sys; print(os.environ.get('OSCC_SET'), os.environ.get('OSCC_NEW')); "
                                  "sys.exit(int(sys.argv[1]))"]
    done = batch({"op": "run", "argv": show + ["3"], "timeout": 30, "ok_rc": [0, 3],
                  "env_defaults": {"OSCC_SET": "default", "OSCC_NEW": "default"}},
                 {"op": "run", "argv": show + ["4"], "timeout": 30, "ok_rc": [0]},
                 {"op": "run", "argv": show + ["0"], "timeout": 30},
                 cleanup=[{"op": "run", "argv": show + ["0"], "timeout": 30}])
    first, second = done["results"]
    assert first["output"] == "host's default\n" and "halt" not in first  # a default never replaces the host's value
    assert second["ok"] and second["halt"] and second["rc"] == 4 and done["failed_at"] == 1
    assert done["cleanup"][0]["rc"] == 0
    lock = str(tmp_path / "l")
    with running(tmp_path, {"op": "lock", "path": lock, "record": {"token": "a"}}):
        held = batch({"op": "lock", "path": lock, "record": {"token": "b"}},
                     {"op": "mkdir", "path": str(tmp_path / "no")})
    assert held["failed_at"] == 0 and held["results"][0]["halt"] and not (tmp_path / "no").exists()


def test_stdin_files_are_fed_one_after_the_other(tmp_path):
    parts = []
    for n, text in enumerate((b"L0-data|", b"L1-\x00\xff|")):
        part = tmp_path / f"a{n}"
        part.write_bytes(text * 100000)
        parts.append(str(part))
    digest = [sys.executable, "-c", "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"]
    import hashlib
    expected = hashlib.sha256(b"L0-data|" * 100000 + b"L1-\x00\xff|" * 100000).hexdigest()
    assert one(op="run", argv=digest, timeout=60, stdin_files=parts)["output"].strip() == expected


# --- issue 19 item 1: an archive swapped on the share after the restore's look hashed it is never fed or staged ---

def _sha(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()


def test_a_stdin_file_whose_checksum_changed_is_refused_before_the_program_starts(tmp_path):
    (tmp_path / "l0").write_bytes(b"level 0")
    (tmp_path / "l1").write_bytes(b"another server's level 1")
    ran = tmp_path / "ran"
    touch = [sys.executable, "-c", f"import sys; sys.stdin.read(); open({str(ran)!r}, 'w').close()"]
    done = one(op="run", argv=touch, timeout=30, stdin_files=[str(tmp_path / "l0"), str(tmp_path / "l1")],
               stdin_sha256=[_sha(b"level 0"), _sha(b"level 1")])
    assert not done["ok"] and not ran.exists()
    assert done["error"] == contract.CHANGED_SINCE_CHECKED.format(path=str(tmp_path / "l1"))
    assert "nothing was restored" in done["error"]


def test_stdin_files_whose_checksums_match_are_fed_whole(tmp_path):
    parts = [tmp_path / "l0", tmp_path / "l1"]
    parts[0].write_bytes(b"L0-data|" * 100000)
    parts[1].write_bytes(b"L1-\x00\xff|" * 100000)
    digest = [sys.executable, "-c", "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"]
    done = one(op="run", argv=digest, timeout=60, stdin_files=[str(p) for p in parts],
               stdin_sha256=[_sha(p.read_bytes()).upper() for p in parts])
    assert done["ok"] and done["output"].strip() == _sha(parts[0].read_bytes() + parts[1].read_bytes())
    cat = [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read())"]
    uneven = one(op="run", argv=cat, timeout=30, stdin_files=[str(parts[0])], stdin_sha256=[])
    assert not uneven["ok"] and "one checksum per stdin file" in uneven["error"]


def test_a_held_stdin_file_is_fed_as_checked_though_renamed_over_on_the_share(tmp_path):
    """POSIX cannot refuse writers: the file is hashed and fed through one open fd, which a rename-swap misses."""
    archive, foreign = tmp_path / "l0", tmp_path / "foreign"
    archive.write_bytes(b"mine" * 1000)
    foreign.write_bytes(b"theirs" * 1000)
    swap = [sys.executable, "-c", f"import os, sys; os.replace({str(foreign)!r}, {str(archive)!r}); "
            "sys.stdout.write(sys.stdin.read())"]
    done = one(op="run", argv=swap, timeout=30, stdin_files=[str(archive)], stdin_sha256=[_sha(b"mine" * 1000)])
    assert done["ok"] and done["output"] == "mine" * 1000 and archive.read_bytes() == b"theirs" * 1000


def test_a_copy_whose_checksum_changed_leaves_no_destination(tmp_path):
    src, dest = tmp_path / "share" / "l0", tmp_path / "tapedev" / "staged"
    src.parent.mkdir()
    src.write_bytes(b"another server's level 0")
    done = one(op="copy", src=str(src), dest=str(dest), sha256=_sha(b"level 0"))
    assert not done["ok"] and done["error"] == contract.CHANGED_SINCE_CHECKED.format(path=str(src))
    assert os.listdir(dest.parent) == []
    assert one(op="copy", src=str(src), dest=str(dest), sha256=_sha(src.read_bytes()))["copied"]
    assert dest.read_bytes() == src.read_bytes() and os.listdir(dest.parent) == ["staged"]


# --- issue 19 (stage19): the prompted operation's stage checks each staged archive as the copy op does ---

LEVEL_PROMPTS = [[r"Restore a level ([12]) archive", "level"], ["press Return", "return"]]


def staged_restore(tmp_path, before=""):
    """A stand-in for ontape -r on TAPEDEV: runs `before`, asks for level 1, then prints what TAPEDEV holds."""
    ran = tmp_path / "ran"
    return ran, program(tmp_path, "restore", "\n".join([
        "import os, sys", f"open({str(ran)!r}, 'w').close()", before,
        "print('Restore a level 1 archive (y/n) ', end='', flush=True); input()",
        "print('press Return to continue', flush=True); input()",
        "print('TAPEDEV:', open(sys.argv[1], 'rb').read().decode(), flush=True)"]))


def staged_chain(tmp_path):
    (tmp_path / "l0").write_bytes(b"level 0")
    (tmp_path / "l1").write_bytes(b"level 1")
    (tmp_path / "TAPEDEV").write_bytes(b"level 0")
    return {"files": [str(tmp_path / "l0"), str(tmp_path / "l1")], "target": str(tmp_path / "TAPEDEV"),
            "sha256": [_sha(b"level 0"), _sha(b"level 1")]}


def test_a_staged_archive_whose_checksum_changed_never_starts_the_program(tmp_path):
    stage = staged_chain(tmp_path)
    (tmp_path / "l1").write_bytes(b"another server's level 1")
    ran, restore = staged_restore(tmp_path)
    done = one(op="prompted", argv=[restore, stage["target"]], timeout=30, prompts=LEVEL_PROMPTS, stage=stage)
    assert not done["ok"] and not ran.exists()
    assert done["error"] == contract.CHANGED_SINCE_CHECKED.format(path=str(tmp_path / "l1"))
    assert (tmp_path / "TAPEDEV").read_bytes() == b"level 0"
    uneven = one(op="prompted", argv=[restore, stage["target"]], timeout=30, prompts=LEVEL_PROMPTS,
                 stage=dict(stage, sha256=stage["sha256"][:1]))
    assert not uneven["ok"] and "stage.sha256 must name one checksum per staged file" in uneven["error"]
    assert not ran.exists()


def test_a_staged_archive_is_staged_as_checked_though_renamed_over_on_the_share(tmp_path):
    stage = staged_chain(tmp_path)
    (tmp_path / "foreign").write_bytes(b"another server's level 1")
    swap = f"os.replace({str(tmp_path / 'foreign')!r}, {str(tmp_path / 'l1')!r})"
    _ran, restore = staged_restore(tmp_path, swap)
    done = one(op="prompted", argv=[restore, stage["target"]], timeout=30, prompts=LEVEL_PROMPTS, stage=stage)
    assert done["ok"] and done["rc"] == 0 and "TAPEDEV: level 1" in done["tail"], done
    assert (tmp_path / "l1").read_bytes() == b"another server's level 1"


def test_a_staged_archive_written_in_place_after_the_check_never_reaches_tapedev(tmp_path):
    stage = staged_chain(tmp_path)
    overwrite = f"open({str(tmp_path / 'l1')!r}, 'r+b').write(b'LEVEL 9')"
    _ran, restore = staged_restore(tmp_path, overwrite)
    done = one(op="prompted", argv=[restore, stage["target"]], timeout=30, prompts=LEVEL_PROMPTS, stage=stage)
    assert not done["ok"] and done["error"].startswith(contract.CHANGED_SINCE_CHECKED.format(path=stage["files"][1]))
    assert "restore was stopped" in done["error"]
    assert (tmp_path / "TAPEDEV").read_bytes() == b"level 0" and sorted(os.listdir(tmp_path)) == [
        "TAPEDEV", "l0", "l1", "ran", "restore"]


def test_the_executors_say_a_changed_file_in_the_contract_s_words():
    assert executor.CHANGED_SINCE_CHECKED == contract.CHANGED_SINCE_CHECKED
    words = contract.CHANGED_SINCE_CHECKED.format(path="{0}")
    windows = open(os.path.join(os.path.dirname(executor.__file__), "executor.ps1"), encoding="utf-8").read()
    assert f'$changedSinceChecked = "{words}"' in windows


# The executor's size is held by what it does, not by its lines: one op_ function per declared operation, a ceiling
# on the number of functions (measured 36 with the operations split for reading) and on each one's length.
MOST_FUNCTIONS = 46  # issue 18: live lock, streams apart, OEM code page, prompt stage; 19: lock_live, checksums
LONGEST_FUNCTION = 60
WIDEST_LINE = 120


def size_problems(source: str) -> list[str]:
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    problems = []
    offered = {n.name[len("op_"):] for n in functions if n.name.startswith("op_")}
    declared = set(contract.OPERATIONS) - set(contract.WINDOWS_ONLY)
    problems += [f"op_{name} implements no declared operation" for name in sorted(offered - declared)]
    problems += [f"no op_{name}" for name in sorted(declared - offered)]
    if len(functions) > MOST_FUNCTIONS:
        problems.append(f"{len(functions)} functions, more than {MOST_FUNCTIONS}")
    for function in functions:
        length = function.end_lineno - function.lineno + 1
        if length > LONGEST_FUNCTION:
            problems.append(f"{function.name} is {length} lines long, more than {LONGEST_FUNCTION}")
    for number, line in enumerate(source.splitlines(), 1):
        if len(line) > WIDEST_LINE:
            problems.append(f"line {number} is {len(line)} columns wide, more than {WIDEST_LINE}")
    return problems


def executor_source() -> str:
    with open(executor.__file__, encoding="utf-8") as handle:
        return handle.read()


def test_the_executor_is_held_by_its_operations_and_functions_not_its_lines():
    assert size_problems(executor_source()) == []
    assert {f.__name__ for f in executor.OPERATIONS.values()} == {f"op_{name}" for name in executor.OPERATIONS}


@pytest.mark.parametrize("addition, words", [
    ("def op_shell(op):\n    return {}\n", "op_shell implements no declared operation"),
    ("def _long():\n" + "    pass\n" * 60, "_long is 61 lines long"),
    ("".join(f"def _helper{n}():\n    pass\n" for n in range(MOST_FUNCTIONS)), "functions, more than"),
    ("WIDE = '" + "x" * 120 + "'\n", "columns wide"),
])
def test_a_grown_executor_fails_the_measure(addition, words):
    problems = size_problems(executor_source() + "\n\n" + addition)
    assert any(words in p for p in problems), problems


def test_an_executor_without_an_operation_fails_the_measure():
    source = executor_source().replace("def op_hash(op):", "def hash_file(op):")
    assert "no op_hash" in size_problems(source)


def test_a_literal_answer_is_sent_as_it_is_and_an_unknown_reply_is_refused(tmp_path):
    """Answers are "=<text>": a user's value spelled like a directive is text, never a directive."""
    echo = program(tmp_path, "echo", "print('Subject: ', end='', flush=True); print('got', input(), flush=True)")
    for value in ("secret:pw", "abort", "level", "return", "=x"):
        done = one(op="prompted", argv=[echo], timeout=30, prompts=[["Subject:", "=" + value, "once"]])
        assert done["ok"] and f"got {value}" in done["tail"], done
    refused = one(op="prompted", argv=[echo], timeout=30, prompts=[["Subject:", "y", "once"]])
    assert not refused["ok"] and "neither =<text>" in refused["error"]


def test_an_unforeseen_fault_fails_its_operation_and_the_cleanup_still_runs(tmp_path):
    lock = str(tmp_path / "l")
    done = executor.run_batch({"ops": [{"op": "lock", "path": lock, "record": {"token": "t"}},
                                       {"op": "write", "path": str(tmp_path / "w"), "content": "\u20ac",
                                        "encoding": "latin-1"}],
                               "cleanup": [{"op": "unlock", "path": lock, "token": "t"}]})
    assert done["failed_at"] == 1 and done["results"][0]["acquired"]
    assert "UnicodeEncodeError" in done["results"][1]["error"]
    assert done["cleanup"][0]["released"] and not os.path.exists(lock)
    asker = program(tmp_path, "asker", "print('Restore a level archive', flush=True); input()")
    start = time.monotonic()
    stopped = one(op="prompted", argv=[asker], timeout=30, prompts=[["Restore a level", "level"]])
    assert not stopped["ok"] and "holds no level" in stopped["error"] and time.monotonic() - start < 20


def test_a_lease_is_renewed_only_while_it_is_still_this_runs(tmp_path):
    path = str(tmp_path / "l")
    with running(tmp_path, {"op": "lock", "path": path, "record": {"token": "a"}, "ttl": 60}):
        # the same token, but the batch that took it still runs: a second run of the same controller waits
        assert not one(op="lock", path=path, record={"token": "b"}, ttl=60, break_token="a")["acquired"]
        assert not one(op="lock", path=path, record={"token": "a"}, ttl=60, break_token="a", renew=True)["acquired"]
    # its batch ended; this process, which ran it, still runs (PSRP): the renewal takes it
    assert one(op="lock", path=path, record={"token": "a"}, ttl=60, break_token="a", renew=True)["acquired"]
    os.remove(path)  # another run took it meanwhile and released it: a renewal must not take it again
    renewed = one(op="lock", path=path, record={"token": "a"}, ttl=60, break_token="a", renew=True)
    assert not renewed["acquired"] and renewed["halt"] and not os.path.exists(path)


def test_a_live_lock_saved_with_a_bom_is_kept(tmp_path):
    path = tmp_path / "l"
    host = __import__("socket").gethostname()
    record = {"token": "x", "pid": os.getpid(), "host": host, "expires": time.time() + 600}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(record).encode())
    assert not one(op="lock", path=str(path), record={"token": "y"})["acquired"]


def test_a_lock_whose_process_ended_unreaped_is_broken(tmp_path):
    """A killed run's process waits as a zombie until its parent reaps it: it holds the lock no longer."""
    import subprocess

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while not executor._zombie(ended.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        assert executor._zombie(ended.pid)
        path = tmp_path / "l"
        record = {"token": "x", "pid": ended.pid, "host": __import__("socket").gethostname()}
        path.write_text(json.dumps(record))
        assert one(op="lock", path=str(path), record={"token": "y"})["acquired"]
        record["pid"] = os.getpid()  # a live holder keeps it
        path.write_text(json.dumps(record))
        live = holding_live(str(path))
        try:
            assert not one(op="lock", path=str(path), record={"token": "z"})["acquired"]
        finally:
            live.close()
    finally:
        ended.wait()


def test_unzip_refuses_an_entry_through_a_link_and_remove_an_empty_root(tmp_path):
    import zipfile
    kit, dest, elsewhere = tmp_path / "kit.zip", tmp_path / "dest", tmp_path / "elsewhere"
    dest.mkdir()
    elsewhere.mkdir()
    (dest / "bin").symlink_to(elsewhere)
    with zipfile.ZipFile(kit, "w") as archive:
        archive.writestr("bin/evil.dll", "x")
    assert "is not below" in one(op="unzip", archive=str(kit), dest=str(dest))["error"]
    assert not (elsewhere / "evil.dll").exists()
    (tmp_path / "f").write_text("x")
    assert "empty root" in one(op="remove", path=str(tmp_path / "f"), root="")["error"]


def test_a_missing_stdin_file_fails_the_run_and_a_backup_never_replaces_a_backup(tmp_path, monkeypatch):
    cat = [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read())"]
    assert not one(op="run", argv=cat, timeout=30, stdin_files=[str(tmp_path / "gone")])["ok"]
    path = str(tmp_path / "f")
    # every write in one second, also on a loaded machine: the backups' names are the same
    second, strftime = time.localtime(), time.strftime
    monkeypatch.setattr(executor.time, "strftime", lambda form, *_when: strftime(form, second))
    for content in ("original", "first", "second"):
        done = one(op="write", path=path, content=content, backup=True)
    assert not done["ok"] and "exists; nothing written" in done["error"]  # the same second as the first backup
    backups = [n for n in os.listdir(tmp_path) if n.endswith(".bak")]
    assert len(backups) == 1 and (tmp_path / backups[0]).read_text() == "original"


def test_a_child_that_keeps_the_output_open_does_not_outlast_the_timeout(tmp_path):
    start = time.monotonic()
    done = one(op="run", argv=["/bin/sh", "-c", "echo hello; sleep 40 &"], timeout=3)
    assert time.monotonic() - start < 15 and "hello" in done["output"]


def test_a_timeout_keeps_the_output_read_so_far(tmp_path):
    """Issue 18 item 3: the output read before the deadline is reported with timed_out, on both executors."""
    slow = program(tmp_path, "slow", "import sys, time\nprint('partial', flush=True)\ntime.sleep(60)")
    started = time.monotonic()
    result = one(op="run", argv=[slow], timeout=2)
    assert result["timed_out"] and time.monotonic() - started < 10
    assert result["output"] == "partial\n"


def test_a_child_holding_the_output_after_the_program_ended_ends_the_wait_not_the_deadline(tmp_path):
    """Issue 18 item 3: the program exits, a child it started keeps stdout open: the wait ends a short grace after
    the program's exit (not at the deadline), the child is ended, the output read is kept, the program's exit code
    is reported and the run did not time out."""
    marker = tmp_path / "child-alive"
    child = program(tmp_path, "c", f"import time\ntime.sleep(10)\nopen({str(marker)!r}, 'w').close()")
    parent = program(tmp_path, "p", f"import subprocess\nsubprocess.Popen([{child!r}])\nprint('started', flush=True)\n"
                     "raise SystemExit(4)")
    started = time.monotonic()
    result = one(op="run", argv=[parent], timeout=60)
    waited = time.monotonic() - started
    assert executor.HELD_OUTPUT_GRACE_SECONDS <= waited < executor.HELD_OUTPUT_GRACE_SECONDS + 10, waited
    assert result["rc"] == 4 and not result["timed_out"] and result["output"] == "started\n"
    time.sleep(10 - waited + 2)
    assert not marker.exists()  # the child holding the output was ended with its tree


def test_a_batch_larger_than_an_argument_can_be_reaches_the_host_in_the_program(tmp_path):
    """The Target defines BATCH atop the program on stdin: a Linux argument holds at most 128 KiB."""
    import subprocess
    content = "x" * 300000
    request = {"ops": [{"op": "write", "path": str(tmp_path / "big"), "content": content}], "cleanup": []}
    with open(executor.__file__, encoding="utf-8") as handle:
        program = f"BATCH = {json.dumps(request)!r}\nBATCH = __import__('json').loads(BATCH)\n" + handle.read()
    done = subprocess.run([sys.executable, "-"], input=program.encode(), capture_output=True, check=True)
    assert json.loads(done.stdout)["results"][0]["changed"] and (tmp_path / "big").read_text() == content


def what_if_batch(*ops, read_only=False):
    done = executor.run_batch({"ops": list(ops), "cleanup": [], "what_if": True, "read_only": read_only})
    assert contract.shape_problems(contract.BATCH_RESULT, done, "batch") == []
    return done


def test_under_what_if_reads_run(tmp_path):
    """Issue 18 item 1: in check mode the executor runs what only reads, as it does without check mode."""
    (tmp_path / "a.txt").write_text("alpha")
    path = str(tmp_path / "a.txt")
    done = what_if_batch({"op": "read", "path": path}, {"op": "list", "path": str(tmp_path)},
                         {"op": "stat", "path": path}, {"op": "hash", "path": path},
                         {"op": "env", "names": ["PATH"]})
    assert done["failed_at"] is None and [r["ok"] for r in done["results"]] == [True] * 5
    assert done["results"][0]["content"] == "alpha" and done["results"][1]["entries"]


@pytest.mark.parametrize("op", [
    {"op": "write", "path": "{t}/new.txt", "content": "x"},
    {"op": "write", "path": "{t}/a.txt", "content": "x", "append": True},
    {"op": "mkdir", "path": "{t}/folder"},
    {"op": "remove", "path": "{t}/a.txt", "root": "{t}"},
    {"op": "move", "src": "{t}/a.txt", "dest": "{t}/b.txt", "root": "{t}"},
    {"op": "copy", "src": "{t}/a.txt", "dest": "{t}/c.txt"},
    {"op": "lock", "path": "{t}/run.lock", "record": {"token": "t"}},
    {"op": "unlock", "path": "{t}/run.lock", "token": "t"},
    {"op": "unzip", "archive": "{t}/a.zip", "dest": "{t}/out"},
    {"op": "prompted", "argv": ["{t}/prog"], "timeout": 5, "prompts": []},
    {"op": "run", "argv": ["{t}/prog"], "timeout": 5},
], ids=lambda op: op["op"] + ("-append" if op.get("append") else ""))
@pytest.mark.parametrize("read_only", [False, True], ids=["writing-batch", "read-only-batch"])
def test_under_what_if_every_writing_operation_is_refused_and_nothing_changes(tmp_path, op, read_only):
    (tmp_path / "a.txt").write_text("alpha")
    if op["op"] == "run" and read_only:
        pytest.skip("a read_only batch's program runs under what-if (the next test)")
    request = json.loads(json.dumps(op).replace("{t}", str(tmp_path)))
    before = sorted(p.name for p in tmp_path.iterdir())
    done = what_if_batch(request, {"op": "stat", "path": str(tmp_path)}, read_only=read_only)
    assert done["failed_at"] == 0 and len(done["results"]) == 1
    assert done["results"][0]["error"] == f"{op['op']} is refused under what-if (check mode): it may write"
    assert sorted(p.name for p in tmp_path.iterdir()) == before and (tmp_path / "a.txt").read_text() == "alpha"
    assert done["results"][0]["error"] == contract.what_if_refusal(request, read_only)


def test_under_what_if_a_program_runs_only_in_a_read_only_batch_and_without_stdout_file(tmp_path):
    echo = program(tmp_path, "echo", "print('probe')")
    assert what_if_batch({"op": "run", "argv": [echo], "timeout": 30}, read_only=True)["results"][0]["output"] == \
        "probe\n"
    to_file = {"op": "run", "argv": [echo], "timeout": 30, "stdout_file": str(tmp_path / "out")}
    refused = what_if_batch(to_file, read_only=True)["results"][0]
    assert not refused["ok"] and "refused under what-if" in refused["error"] and not (tmp_path / "out").exists()


def test_an_archive_is_listed_under_what_if_but_not_extracted(tmp_path):
    import zipfile
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        archive.writestr("x.txt", "x")
    listed = what_if_batch({"op": "unzip", "archive": str(tmp_path / "a.zip")})["results"][0]
    assert listed["ok"] and list(listed["files"]) == ["x.txt"]


@pytest.mark.parametrize("op", [dict(op=name) for name in contract.OPERATIONS] +
                         [{"op": "unzip", "dest": "x"}, {"op": "run", "stdout_file": "x"}])
@pytest.mark.parametrize("read_only", [False, True])
def test_the_posix_guard_is_the_contracts_rule(op, read_only):
    if op["op"] in contract.WINDOWS_ONLY:
        pytest.skip("not offered on POSIX")
    assert executor._what_if_refusal(op, read_only) == contract.what_if_refusal(op, read_only)


def test_the_contract_lets_a_cmdlet_run_under_what_if_only_when_it_reads():
    assert contract.what_if_refusal({"op": "cmdlet", "name": "Get-ItemProperty"}, False) is None
    assert contract.what_if_refusal({"op": "cmdlet", "name": "Test-Connection"}, True) is None
    assert contract.what_if_refusal({"op": "cmdlet", "name": "Set-ItemProperty"}, False) == \
        "cmdlet is refused under what-if (check mode): it may write"


# --- issue 18 item 2: a lock's owner is the batch that took it; PSRP runs every batch of a task in one process ---

def test_batches_of_one_process_renew_their_lease_and_a_different_live_run_is_still_refused(tmp_path):
    path = str(tmp_path / "l")
    lease = {"op": "lock", "path": path, "record": {"token": "a"}, "ttl": 60}
    assert one(**lease)["acquired"]
    # the task's next batch, in the same process (same pid, as under PSRP): still this run's
    renewed = one(**lease, break_token="a", renew=True)
    assert renewed["acquired"] and json.load(open(path))["pid"] == os.getpid()
    with running(tmp_path, dict(lease, break_token="a", renew=True)):
        # another run's batch in the same process while that one runs: refused, whatever its token
        for other in ({"record": {"token": "b"}}, {"record": {"token": "b"}, "break_token": "a"},
                      {"record": {"token": "a"}, "break_token": "a", "renew": True}):
            refused = one(op="lock", path=path, ttl=60, **other)
            assert not refused["acquired"] and refused["halt"] and refused["holder"]["token"] == "a", other
    # no batch of it runs any more, but its lease has not run out: another run is still refused
    assert not one(op="lock", path=path, record={"token": "b"}, ttl=60)["acquired"]
    scheduled = {"op": "lock", "path": str(tmp_path / "s"), "record": {"token": "scheduled"}}  # no lease
    with running(tmp_path, scheduled):
        assert not one(op="lock", path=scheduled["path"], record={"token": "c"})["acquired"]
    assert one(op="lock", path=scheduled["path"], record={"token": "c"})["acquired"]  # its batch ended


def test_a_lock_not_held_live_is_taken_over_by_its_token_at_once_and_by_nobody_else(tmp_path):
    """The sync hand-over: the starter's batch takes a lease it does not hold live; the scheduled task's batch takes
    it over by its token while the starter's batch (and its process) still runs."""
    path = str(tmp_path / "sync.lock")
    with running(tmp_path, {"op": "lock", "path": path, "record": {"token": "t"}, "ttl": 600, "hold": False}):
        assert not one(op="lock", path=path, record={"token": "u"})["acquired"]  # another start: the lease holds
        with running(tmp_path, {"op": "lock", "path": path, "record": {"token": "t"}, "break_token": "t"}):
            taken = json.load(open(path))
            assert taken["token"] == "t" and "expires" not in taken
            assert not one(op="lock", path=path, record={"token": "u"}, break_token="t")["acquired"]  # held live
    with running(tmp_path, {"op": "lock", "path": path, "record": {"token": "t"}, "break_token": "t"},
                 {"op": "unlock", "path": path, "token": "t"}):
        # unlocked by the batch that still runs: the lock is no batch's any more
        assert one(op="lock", path=path, record={"token": "v"})["acquired"]


def test_killing_the_process_that_holds_a_lock_live_frees_it(tmp_path):
    path = str(tmp_path / "l")
    started = tmp_path / "started"
    # a child that outlives nothing: it ends once the executor's process is gone (it holds no handle of the lock)
    wait = [sys.executable, "-c", "import os, sys, time\nparent, end = os.getppid(), time.monotonic() + 60\n"
            "while os.path.exists(f'/proc/{parent}') and time.monotonic() < end: time.sleep(0.05)"]
    held = {"ops": [{"op": "lock", "path": path, "record": {"token": "k"}},
                    {"op": "write", "path": str(started), "content": ""},
                    {"op": "run", "argv": wait, "timeout": 60}]}
    proc = __import__("subprocess").Popen([sys.executable, executor.__file__, json.dumps(held)],
                                          stdout=__import__("subprocess").DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert started.exists()
        assert not one(op="lock", path=path, record={"token": "n"})["acquired"]
        assert not one(op="lock", path=path, record={"token": "k"}, break_token="k", renew=True)["acquired"]
    finally:
        proc.kill()
        proc.wait()
    assert json.load(open(path))["token"] == "k"  # the killed run left its lock; the system closed its live handle
    assert one(op="lock", path=path, record={"token": "n"})["acquired"]


def test_a_lock_carrying_the_token_given_is_broken_whatever_else_its_record_holds(tmp_path):
    path = str(tmp_path / "l")
    write_lock(path, {"operation": "restore", "token": "t", "expires": time.time() + 3600})  # no pid, no host
    assert not one(op="lock", path=path, record={"token": "u"})["acquired"]
    assert one(op="lock", path=path, record={"token": "u"}, break_token="t")["acquired"]


# ---- issue 18 items 6 and 8: what the Windows executor does, the lab's executor does too (docs/windows.md)

def test_a_run_gives_each_stream_alone_as_well_as_both_merged(tmp_path):
    # each line in one write: print may write a line and its end apart, which merged chunks would interleave
    talker = program(tmp_path, "t", "import os\nfor n in range(3):\n    os.write(1, f'out{n}\\n'.encode())\n"
                     "    os.write(2, f'err{n}\\n'.encode())")
    result = one(op="run", argv=[talker], timeout=30)
    assert result["stdout"] == "out0\nout1\nout2\n" and result["stderr"] == "err0\nerr1\nerr2\n"
    assert sorted(result["output"].splitlines()) == ["err0", "err1", "err2", "out0", "out1", "out2"]
    to_file = one(op="run", argv=[talker], timeout=30, stdout_file=str(tmp_path / "out.txt"))
    assert to_file["output"] == to_file["stderr"] == "err0\nerr1\nerr2\n" and "stdout" not in to_file


def test_a_dangling_link_exists_as_a_link_and_resolved_follows_every_link(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_text("x")
    os.symlink(tmp_path / "real", tmp_path / "via")  # a link in the middle of the path
    os.symlink(tmp_path / "gone", tmp_path / "dangling")
    dangling = one(op="stat", path=str(tmp_path / "dangling"))
    assert dangling["exists"] and dangling["link"] and dangling["dangling"] and not dangling["dir"]
    assert dangling.get("resolved") is None
    through = one(op="stat", path=str(tmp_path / "via" / "f"))
    assert through["exists"] and not through["link"] and not through["dangling"]
    assert through["resolved"] == os.path.realpath(tmp_path / "real" / "f")
    nothing = {"op": "stat", "ok": True, "exists": False, "dir": False, "link": False}
    assert one(op="stat", path=str(tmp_path / "none")) == nothing


def zip_with(path, name, utf8_flag):
    """A zip of one entry whose name is stored as the bytes of name in UTF-8, flagged as UTF-8 or not."""
    import zipfile
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ascii.txt", "a")
        info = zipfile.ZipInfo("placeholder.txt")
        archive.writestr(info, "b")
    data = bytearray(open(path, "rb").read())
    raw = name.encode("utf-8")
    assert len(raw) == len("placeholder.txt")
    while b"placeholder.txt" in data:  # the local header and the central directory
        at = data.index(b"placeholder.txt")
        data[at:at + len(raw)] = raw
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            flags = int.from_bytes(data[start + flag_at:start + flag_at + 2], "little")
            flags = flags | 0x800 if utf8_flag else flags & ~0x800
            data[start + flag_at:start + flag_at + 2] = flags.to_bytes(2, "little")
            start += 4
    open(path, "wb").write(bytes(data))


def test_unzip_refuses_a_name_neither_ascii_nor_flagged_utf8(tmp_path):
    name = "Gr\u00fc\u00dfe-Kit.txt"  # 15 bytes in UTF-8, as the placeholder
    zip_with(tmp_path / "flagged.zip", name, True)
    zip_with(tmp_path / "unflagged.zip", name, False)
    flagged = one(op="unzip", archive=str(tmp_path / "flagged.zip"))
    assert flagged["ok"] and set(flagged["files"]) == {"ascii.txt", name}
    refused = one(op="unzip", archive=str(tmp_path / "unflagged.zip"))
    assert not refused["ok"] and "neither in ASCII nor in flagged UTF-8" in refused["error"]
    written = one(op="unzip", archive=str(tmp_path / "unflagged.zip"), dest=str(tmp_path / "out"))
    assert not written["ok"] and not (tmp_path / "out").exists()


def test_text_outside_the_simulated_oem_code_page_is_refused_as_on_windows(tmp_path, monkeypatch):
    cat = program(tmp_path, "cat", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())")
    euro = {"op": "run", "argv": [cat], "timeout": 30, "stdin_text": "5 \u20ac", "encoding": "oem"}
    assert one(**euro)["ok"]  # a POSIX host itself: UTF-8, nothing refused
    monkeypatch.setattr(executor, "OEM_CODE_PAGE", "cp850", raising=False)  # as the lab's stand-in sets it
    refused = one(**euro)
    assert not refused["ok"] and "OEM code page cp850" in refused["error"]
    assert one(**{**euro, "stdin_text": "Gr\u00fc\u00dfe"})["output"] == "Gr\u00fc\u00dfe"  # cp850 holds these
    assert one(**{**euro, "encoding": "utf-8"})["output"] == "5 \u20ac"
    written = one(op="write", path=str(tmp_path / "w.txt"), content="\u20ac", encoding="oem")
    assert not written["ok"] and not (tmp_path / "w.txt").exists()
    answer = {"op": "prompted", "argv": [program(tmp_path, "ask", "input('Name? ')")], "timeout": 30,
              "prompts": [["Name\\?", "=\u20ac"]], "encoding": "oem"}
    prompted = one(**answer)
    assert not prompted["ok"] and "OEM code page cp850" in prompted["error"]


def test_a_run_record_that_cannot_be_written_sets_error_and_none_is_written_under_what_if(tmp_path):
    record = tmp_path / "records" / "run.json"  # its folder does not exist
    done = executor.run_batch({"ops": [{"op": "env", "names": ["HOME"]}], "record": str(record)})
    assert done["failed_at"] is None and done["error"].startswith("the run record could not be written: ")
    record.parent.mkdir()
    checked = executor.run_batch({"ops": [{"op": "env", "names": ["HOME"]}], "record": str(record),
                                  "what_if": True})
    assert checked["results"][0]["ok"] and "error" not in checked and not record.exists()
    executor.run_batch({"ops": [{"op": "env", "names": ["HOME"]}], "record": str(record)})
    assert json.loads(record.read_text())["results"][0]["op"] == "env"


@pytest.mark.parametrize("alive, broken", [(True, False), (False, True)])
def test_an_earlier_executors_lock_given_its_token_waits_for_its_process_as_that_executor_did(tmp_path, alive, broken):
    """A record without owner: batch (written before the live handle) keeps the rule it was written under: its token
    breaks it once its process has ended; an expired lease still ends it (the table above)."""
    path = str(tmp_path / "l")
    holder = os.getpid() if alive else dead_pid()
    write_lock(path, {"token": "t", "pid": holder, "host": __import__("socket").gethostname()})
    assert one(op="lock", path=path, record={"token": "u"}, break_token="t")["acquired"] is broken


def test_lock_live_says_whether_a_batch_holds_the_lock_and_creates_nothing(tmp_path):
    """Issue 19 item 3: a take-over asks, read-only, whether the killed run's batch still holds its lock live; the lock
    op's refusal says the same (live), so a refusal can tell a running batch from a lease nobody renews."""
    path = str(tmp_path / ".oscc-ol_x.lock")
    assert one(op="lock_live", path=path)["live"] is False
    assert sorted(os.listdir(tmp_path)) == []  # asked before any lock: nothing created
    with running(tmp_path, {"op": "lock", "path": path, "record": {"token": "a"}, "ttl": 600}):
        assert one(op="lock_live", path=path)["live"] is True
        refused = one(op="lock", path=path, record={"token": "b"})
        assert not refused["acquired"] and refused["live"] is True
        # a check mode run asks it too: lock_live is one of the reads
        under_what_if = executor.run_batch({"ops": [{"op": "lock_live", "path": path}], "what_if": True})
        assert under_what_if["results"][0] == {"op": "lock_live", "ok": True, "live": True}
    assert one(op="lock_live", path=path)["live"] is False  # the batch ended: its lease alone holds the lock
    refused = one(op="lock", path=path, record={"token": "b"})
    assert not refused["acquired"] and refused["live"] is False and refused["holder"]["token"] == "a"
    assert one(op="lock", path=path, record={"token": "b"}, break_token="a")["acquired"]  # taken over by its token


def test_mkdir_refuses_a_folder_that_is_a_link_and_writes_nothing_through_it(tmp_path):
    """Issue 19: a script_dir, work_dir, destination or chunk folder that is a link may lead into another server's
    folder; every folder the collection writes into is made by mkdir, which refuses it."""
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "link")
    refused = executor.run_batch({"ops": [{"op": "mkdir", "path": str(tmp_path / "link")},
                                          {"op": "write", "path": str(tmp_path / "link" / "f"), "content": "x"}]})
    assert refused["failed_at"] == 0 and "is a link (symbolic link or junction)" in refused["results"][0]["error"]
    assert os.listdir(tmp_path / "elsewhere") == []
    assert one(op="mkdir", path=str(tmp_path / "real" / "deeper"))["created"]


def test_mkdir_refuses_a_folder_below_a_link_naming_the_link_and_writes_nothing_through_it(tmp_path):
    """Issue 19: with linkparent a link to ../elsewhere, linkparent/sub was made (and written) in elsewhere/sub."""
    (tmp_path / "elsewhere" / "sub").mkdir(parents=True)
    (tmp_path / "share").mkdir()
    os.symlink(os.path.join("..", "elsewhere"), tmp_path / "share" / "linkparent")
    for below in (tmp_path / "share" / "linkparent" / "sub", tmp_path / "share" / "linkparent" / "new" / "deeper"):
        refused = executor.run_batch({"ops": [{"op": "mkdir", "path": str(below)},
                                              {"op": "write", "path": str(below / "f"), "content": "x"}]})
        error = refused["results"][0]["error"]
        link = tmp_path / "share" / "linkparent"
        assert refused["failed_at"] == 0 and error.startswith(f"{below} lies below {link}, a link (symbolic link or "
                                                              "junction)"), error
    assert os.listdir(tmp_path / "elsewhere") == ["sub"] and os.listdir(tmp_path / "elsewhere" / "sub") == []


def test_mkdir_below_real_folders_of_the_tests_own_tmp_root_is_made(tmp_path):
    """The check asks folders below the top level only: this machine's tmp root (resolved, not a link here) passes."""
    assert os.path.realpath(tmp_path) == str(tmp_path)  # pytest resolves it: macOS /tmp -> /private/tmp too
    assert one(op="mkdir", path=str(tmp_path / "a" / "b"))["created"]
    assert one(op="mkdir", path=str(tmp_path / "a" / "b"))["created"] is False
