"""exchange_custom_headers and domino_prepare: programs run as prompted operations, judged on the controller from
the recorded results: exit codes, the line that says why a program ended, secrets masked, the record."""
import json
import os
import posixpath
import sys

import pytest

from ansible_collections.oscc.admin.plugins.action.domino_prepare import ActionModule as Domino
from ansible_collections.oscc.admin.plugins.action.exchange_custom_headers import ActionModule as Headers
from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix as posix
from ansible_collections.oscc.admin.plugins.plugin_utils._host.prompted import READS_CONSOLE, run_prompted
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure

PASSWORD = "pa'ss\"w&rd%PATH%"
TOOL = "C:\\Program Files\\OSCC\\osccmseheaders.exe"
HEADERS = {"program": TOOL, "from_address": "oscc@example.com", "to_address": "oscc@example.com",
           "smtp_host": "mail.example.com", "smtp_user": "oscc@example.com", "smtp_password": PASSWORD}
RECORD = "C:\\Program Files\\OSCC\\osccmseheaders.oscc-done.json"
CONTENT = json.dumps({"from_address": "oscc@example.com", "to_address": "oscc@example.com",
                      "smtp_host": "mail.example.com", "smtp_port": 25, "smtp_user": "oscc@example.com",
                      "subject": "OpenScape Contact Center custom headers"}, sort_keys=True) + "\n"


# What the first batch's stats of the program and the record find: the utility there, no record folder.
STATS = [{"exists": True, "dir": False, "link": False}, {"exists": False, "dir": False, "link": False}]


def ran(rc=0, tail="The special message was sent.\n"):
    output = f"From address: To address: SMTP password: {PASSWORD}\n{tail}"  # a utility that echoes what it reads
    return {"rc": rc, "output": output, "tail": tail, "unanswered": []}


def assert_never_shown(done, host):
    assert PASSWORD not in json.dumps(done)
    assert all(PASSWORD not in json.dumps(batch["ops"]) for batch in host.batches)


def test_the_utility_runs_once_with_the_password_as_a_secret_and_is_recorded_after(host):
    host.recorded = [[{"exists": False}, *STATS], [ran()], [{"created": False}, {"changed": True, "backup_file": None}]]
    done = host.run(Headers, HEADERS, platform="windows")
    assert done["changed"] and done["ran"] and done["record"] == RECORD, done
    prompted, = host.ops("prompted")
    assert prompted["argv"] == [TOOL] and prompted["cwd"] == "C:\\Program Files\\OSCC"
    assert ["SMTP password", "secret:smtp_password", "once"] in prompted["prompts"]
    assert host.batches[1]["secrets"] == {"smtp_password": PASSWORD}
    assert host.batches[2]["ops"][1] == {"op": "write", "path": RECORD, "content": CONTENT, "encoding": "utf-8"}
    assert "SMTP password: ********" in done["output"]
    assert_never_shown(done, host)


def test_a_record_that_holds_the_answers_runs_nothing_unless_forced(host):
    host.recorded = [[{"exists": True, "content": CONTENT, "sha256": "a" * 64}, *STATS]]
    done = host.run(Headers, HEADERS, platform="windows")
    assert not done["changed"] and not done["ran"] and done["remote_operations"] == 1 and host.batches[0]["read_only"]
    host.recorded = [STATS, [ran()], [{"created": False}, {"changed": False, "backup_file": None}]]
    forced = host.run(Headers, {**HEADERS, "force": True}, platform="windows")
    assert forced["ran"] and len(host.ops("prompted")) == 1


def test_check_mode_reads_the_record_and_runs_nothing(host):
    host.recorded = [[{"exists": True, "content": CONTENT.replace("25", "587"), "sha256": "a" * 64}, *STATS]]
    done = host.run(Headers, HEADERS, check=True, platform="windows")
    assert done["changed"] and not done["ran"] and host.changing() == [] and host.batches[0]["read_only"]


def test_a_failed_run_is_one_line_with_the_secret_masked_and_nothing_recorded(host):
    tail = f"\nError: the special message could not be sent (535 auth failed for {PASSWORD})\r\n"
    host.recorded = [[{"exists": False}, *STATS], [ran(1, tail)]]
    done = host.run(Headers, HEADERS, platform="windows")
    assert done["failed"] and done["msg"] == ("osccmseheaders.exe returned 1: Error: the special message could not be "
                                              "sent (535 auth failed for ********)")
    assert done["rc"] == 1 and "********" in done["output"] and host.ops("write") == []
    assert_never_shown(done, host)


def test_a_utility_stopped_by_the_executor_says_why_and_its_output_is_masked(host):
    cases = [("osccmseheaders.exe did not finish within 2 seconds",
              "osccmseheaders.exe did not finish within 2 seconds"),
             ("it asked again for 'From address': the answer was refused",
              "osccmseheaders.exe asked again for 'From address': the answer was refused")]
    for why, words in cases:
        error = f"{why}; osccmseheaders.exe was stopped. Output: SMTP password: {PASSWORD}\nMailbox database: "
        host.recorded = [[{"exists": False}, *STATS], [{"ok": False, "error": error}]]
        done = host.run(Headers, HEADERS, platform="windows")
        assert done["failed"] and done["msg"] == words + "; it was stopped"
        assert done["output"] == "SMTP password: ********\nMailbox database: "
        assert_never_shown(done, host)
    assert host.ops("write") == []


def test_a_utility_that_never_asks_a_once_prompt_fails(host):
    host.recorded = [[{"exists": False}, *STATS], [{"rc": 0, "output": "Done.\n", "tail": "Done.\n",
                                                    "unanswered": ["SMTP password"]}]]
    done = host.run(Headers, HEADERS, platform="windows")
    assert done["failed"] and done["msg"] == "osccmseheaders.exe ended without asking for 'SMTP password': Done."


NOTES = "[Notes]\nSMTPVerifyAuthenticatedSender=1\n"
DOMINO = {"notes_ini": "/local/notesdata/notes.ini", "console": "/opt/domino/bin/server", "compact": ["mail/oscc.nsf"]}


def read(text):
    found = {"exists": True, "dir": False, "link": False, "size": len(text)}
    return [found, {"exists": True, "content": text, "sha256": "a" * 64}]


def test_domino_commands_run_in_one_batch_and_notes_ini_is_read_after(host):
    console = {"rc": 0, "output": "OK\n", "tail": "OK\n", "unanswered": []}
    applied = {"exists": True, "content": NOTES.replace("=1", "=0"), "sha256": "b" * 64}
    host.recorded = [read(NOTES), [dict(console), dict(console), applied]]
    done = host.run(Domino, DOMINO)
    assert done["changed"] and done["remote_operations"] == 2 and done["output"] == ["OK\n", "OK\n"], done
    assert [op["argv"] for op in host.ops("prompted")] == [
        ["/opt/domino/bin/server", "-c", "set config SMTPVerifyAuthenticatedSender=0"],
        ["/opt/domino/bin/server", "-c", "load compact mail/oscc.nsf -b"]]
    assert host.batches[1]["ops"][-1] == {"op": "read", "path": DOMINO["notes_ini"], "encoding": "latin-1"}


def test_domino_names_the_first_command_that_failed(host):
    stopped = {"rc": 1, "output": "Server is not running\n", "tail": "\nServer is not running\n", "unanswered": []}
    host.recorded = [read(NOTES),
                     [dict(stopped), dict(stopped), {"exists": True, "content": NOTES, "sha256": "a" * 64}]]
    done = host.run(Domino, DOMINO)
    assert done["failed"] and done["msg"] == ("server -c set config SMTPVerifyAuthenticatedSender=0 returned 1: "
                                              "Server is not running")


def test_domino_check_mode_only_reads(host):
    host.recorded = [read(NOTES)]
    done = host.run(Domino, DOMINO, check=True)
    assert done["changed"] and host.changing() == [] and len(host.batches) == 1


class PosixHost:
    """A target whose batches the POSIX executor carries out here: the executor's own results and error lines."""

    path = posixpath

    def __init__(self):
        self.batches = []

    def batch(self, ops, cleanup=(), read_only=False, secrets=None, check=True, stamp=None):
        self.batches.append(ops)
        done = posix.run_batch({"ops": ops, "cleanup": list(cleanup)}, secrets or {})
        if check and done["failed_at"] is not None:
            raise RemoteFailure(done["results"][done["failed_at"]]["error"])
        return done


def program(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}\n")
    path.chmod(0o755)
    return str(path)


def test_the_shared_runner_on_the_posix_executor_masks_and_records(tmp_path):
    tool = program(tmp_path, "tool", "pw = input('SMTP password: ')\nprint('sent with', pw)")
    record = {"path": str(tmp_path / "done" / "record.json"), "content": "{}\n"}
    table = [["SMTP password", "secret:pw", "once"]]
    target = PosixHost()
    done = run_prompted(target, [[tool]], table, 30, secrets={"pw": PASSWORD}, record=record)
    assert done["ran"] and "sent with ********" in done["output"] and PASSWORD not in json.dumps(done)
    assert open(record["path"]).read() == "{}\n"
    again = run_prompted(target, [[tool]], table, 30, secrets={"pw": PASSWORD}, record=record)
    assert not again["ran"] and len(target.batches) == 4


def test_the_shared_runner_turns_the_executors_stops_into_one_line(tmp_path):
    asks = program(tmp_path, "asks", "while True:\n    input('Port: ')")
    with pytest.raises(RemoteFailure) as refused:
        run_prompted(PosixHost(), [[asks, "a&b"]], [["Port:", "=" + PASSWORD, "once"]], 30, secrets={"pw": PASSWORD})
    assert str(refused.value) == "asks a&b asked again for 'Port:': the answer was refused; it was stopped"
    assert refused.value.details["output"].startswith("Port: Port:")
    assert PASSWORD not in json.dumps(refused.value.details)
    hangs = program(tmp_path, "hangs", f"print({PASSWORD!r}, flush=True)\ninput('Mailbox database: ')")
    with pytest.raises(RemoteFailure) as slow:
        run_prompted(PosixHost(), [[hangs]], [], 1, secrets={"pw": PASSWORD})
    assert str(slow.value) == ("hangs did not finish within 1 seconds: no prompt was answered in what it printed "
                               "since it started (see the output): " + READS_CONSOLE +
                               ", or ask a question the prompt table does not know; it was stopped")
    assert slow.value.details["output"] == "********\nMailbox database: "
    fails = program(tmp_path, "fails", f"print('Error: refused ' + {PASSWORD!r})\nraise SystemExit(3)")
    record = {"path": str(tmp_path / "record.json"), "content": "{}\n"}
    with pytest.raises(RemoteFailure) as failed:
        run_prompted(PosixHost(), [[fails], [fails, "again"]], [], 30, secrets={"pw": PASSWORD}, record=record)
    assert str(failed.value) == "fails returned 3: Error: refused ********" and not os.path.exists(record["path"])


# The first-run risk of a program that reads the console itself (a key press, _getch, Console.ReadKey) or holds its
# prompts in a buffer while its output is a pipe (ontape): it waits until the timeout ends it, and the message says
# the stage it reached and that cause (docs/windows.md, First-run checklist).
def test_a_program_silent_from_the_start_is_stopped_and_said_to_have_printed_nothing(tmp_path):
    silent = program(tmp_path, "silent", "import time\ntime.sleep(30)")
    with pytest.raises(RemoteFailure) as late:
        run_prompted(PosixHost(), [[silent]], [["Password:", "=x", "once"]], 1)
    assert str(late.value).startswith("silent did not finish within 1 seconds: it printed nothing at all "
                                      "(stage: started, no prompt seen): " + READS_CONSOLE)
    assert "hold its prompts in a buffer while its output is a pipe" in str(late.value)
    assert late.value.details["output"] == ""


def test_a_program_waiting_for_a_key_after_an_answer_names_the_answer_and_the_console(tmp_path):
    # "Press any key" answered with Return on stdin, which a program reading the console (_getch) never sees.
    keys = program(tmp_path, "keys", "import time\ninput('Password: ')\nprint('Press any key', flush=True)\n"
                                     "input('Subject: ')\ntime.sleep(30)")
    table = [["Password:", "=x", "once"], ["press any key", "return"], ["Subject:", "=y", "once"]]
    with pytest.raises(RemoteFailure) as late:
        run_prompted(PosixHost(), [[keys]], table, 2)
    assert str(late.value).startswith("keys did not finish within 2 seconds: it printed nothing after the answer to "
                                      "'Subject:' (answer 3): " + READS_CONSOLE)
    assert str(late.value).endswith("or need more time than the timeout; it was stopped")


def test_a_program_that_closes_its_output_and_waits_is_still_ended_at_the_deadline(tmp_path):
    closes = program(tmp_path, "closes", "import os, time\nprint('Press any key to continue', flush=True)\n"
                                         "os.close(1)\ntime.sleep(30)")
    with pytest.raises(RemoteFailure) as late:
        run_prompted(PosixHost(), [[closes]], [], 1)
    assert str(late.value).startswith("closes did not finish within 1 seconds: no prompt was answered in what it "
                                      "printed since it started (see the output): " + READS_CONSOLE)
    assert late.value.details["output"] == "Press any key to continue\n"


@pytest.mark.parametrize("error, words", [
    ("ontape.exe did not finish within 60 seconds [answered 0, printed 0, since the last answer 0, last answered: ]",
     "did not finish within 60 seconds: it printed nothing at all (stage: started, no prompt seen)"),
    ("ontape.exe did not finish within 60 seconds [answered 2, printed 90, since the last answer 0, last answered: "
     "Continue restore? (y/n)]",
     "did not finish within 60 seconds: it printed nothing after the answer to 'Continue restore? (y/n)' "
     "(answer 2)"),
    ("ontape.exe did not finish within 60 seconds [answered 1, printed 90, since the last answer 12, last answered: "
     "press Return\nto continue]",
     "did not finish within 60 seconds: no prompt was answered in what it printed since the answer to "
     "'press Return to continue' (answer 1)"),
])
def test_the_stage_both_executors_report_is_named(host, error, words):
    stopped = {"ok": False, "error": f"{error}; ontape.exe was stopped. Output: x"}
    host.recorded = [[{"exists": False}, *STATS], [stopped]]
    done = host.run(Headers, HEADERS, platform="windows")
    assert done["failed"] and done["msg"].startswith("osccmseheaders.exe " + words), done["msg"]
    assert done["msg"].endswith("; it was stopped")
    assert READS_CONSOLE in done["msg"] and "[answered" not in done["msg"]
