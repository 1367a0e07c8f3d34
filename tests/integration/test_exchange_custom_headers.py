"""exchange_custom_headers (manual §3.4.1): the lab's osccmseheaders.exe on the simulated main server, its
special message sent to a real Postfix and read back from Dovecot."""
import email
import json
import os
import stat

import labctl
import mailpeers
import pytest
from playbook_lab import Lab

TOOL = labctl.OSCC_DIR + "\\osccmseheaders.exe"


def arguments(peers, **change):
    return {"program": TOOL, "from_address": mailpeers.USER, "to_address": mailpeers.USER, "smtp_host": "127.0.0.1",
            "smtp_port": peers.submission_port, "smtp_user": mailpeers.USER, "smtp_password": mailpeers.PASSWORD,
            "subject": "define headers", **change}


def special_messages(peers):
    found = []
    for path in peers.maildir_messages():
        with open(path, "rb") as handle:
            message = email.message_from_bytes(handle.read())
        if message["Subject"] == "define headers":
            found.append(message)
    return found


def clear(peers):
    for message_path in peers.maildir_messages():
        os.remove(message_path)


def test_the_utility_answers_in_the_manuals_order_once_and_the_password_never_shows(windows_lab, peers, tmp_path):
    clear(peers)
    run, first = windows_lab.task("oscc.admin.exchange_custom_headers", arguments(peers), tmp_path, diff=True)
    assert first.get("changed") and first["ran"], first
    assert "The special message was sent." in first["output"]
    assert "SMTP password: " in first["output"] and mailpeers.PASSWORD not in run.stdout + run.stderr
    assert first["remote_operations"] == 3  # the record read, the utility run, then the record written
    [message] = special_messages(peers)
    assert message["From"] == mailpeers.USER and message["X-OSCC-Queue"] == "define"
    record = windows_lab.here(first["record"])
    assert json.load(open(record))["smtp_user"] == mailpeers.USER and mailpeers.PASSWORD not in open(record).read()
    assert mailpeers.PASSWORD not in open(os.path.join(windows_lab.paths["base"], "windows.json")).read()
    _, again = windows_lab.task("oscc.admin.exchange_custom_headers", arguments(peers), tmp_path)
    assert not again["changed"] and not again["ran"] and len(special_messages(peers)) == 1
    _, planned = windows_lab.task("oscc.admin.exchange_custom_headers", arguments(peers, smtp_host="localhost"),
                                  tmp_path, check=True)
    assert planned["changed"] and not planned["ran"] and len(special_messages(peers)) == 1
    _, forced = windows_lab.task("oscc.admin.exchange_custom_headers", arguments(peers, force=True), tmp_path)
    assert forced["changed"] and forced["ran"] and len(special_messages(peers)) == 2


FAULTS = [
    ({"smtp_password": "wrong-secret"}, "osccmseheaders.exe returned 1: Error: the special message could not be sent"),
    ({"smtp_port": 1}, "osccmseheaders.exe returned 1: Error: the special message could not be sent"),
    ({"smtp_port": 70000}, "smtp_port must be between 1 and 65535"),
    ({"from_address": "oscc"}, "from_address must be an e-mail address"),
    ({"subject": "two\nlines"}, "subject must be one line without CR, LF or NUL characters (LF found)"),
    ({"subject": " "}, "subject must not be empty: the utility reads one answer per prompt"),
    ({"program": "osccmseheaders.exe"}, "program must be an absolute path on the windows host"),
]


@pytest.fixture(scope="module")
def faults(peers, tmp_path_factory):
    """Every case of FAULTS on one simulated main server, back to back in one playbook (one ansible-playbook start
    instead of one per case): each fails, so none records anything another could see."""
    tmp_path = tmp_path_factory.mktemp("exchange-faults")
    lab = Lab(tmp_path / "lab", "lab-main")
    run, results = lab.tasks([("oscc.admin.exchange_custom_headers", arguments(peers, **change))
                              for change, _w in FAULTS], tmp_path)
    return lab, run, results


# one worker runs the shared playbook (--dist loadgroup)
@pytest.mark.xdist_group("test_exchange_custom_headers_faults")
@pytest.mark.parametrize("case", range(len(FAULTS)))
def test_each_fault_is_named_and_nothing_is_recorded(faults, case):
    lab, run, results = faults
    words, result = FAULTS[case][1], results[case]
    assert result["failed"] and words in result["msg"], result
    assert "wrong-secret" not in run.stdout and mailpeers.PASSWORD not in run.stdout
    assert not os.path.exists(lab.here(labctl.OSCC_DIR + "\\osccmseheaders.oscc-done.json"))


def test_a_utility_that_asks_again_is_stopped_not_answered_forever(windows_lab, peers, tmp_path):
    """A release whose prompts differ from the manual's: the port it asks for again is refused at once."""
    tool = windows_lab.here(TOOL)
    with open(tool, "w") as handle:
        handle.write('#!/bin/sh\nprintf "From address: "; read a; printf "From address: "; read b; echo never\n')
    os.chmod(tool, stat.S_IRWXU)
    _, result = windows_lab.task("oscc.admin.exchange_custom_headers", arguments(peers), tmp_path)
    assert result["failed"] and "asked again for 'From address'" in result["msg"] and "never" not in result["output"]


def test_a_prompt_the_manual_does_not_name_runs_into_the_timeout(windows_lab, peers, tmp_path):
    tool = windows_lab.here(TOOL)
    with open(tool, "w") as handle:
        handle.write('#!/bin/sh\nprintf "Mailbox database: "; read a\n')
    os.chmod(tool, stat.S_IRWXU)
    _, result = windows_lab.task("oscc.admin.exchange_custom_headers", arguments(peers, timeout=2), tmp_path)
    assert result["failed"] and "osccmseheaders.exe did not finish within 2 seconds" in result["msg"]
    assert "Mailbox database" in result["output"]
