"""domino_prepare (manual §3.5.1, §3.8) against the lab's Domino console and notes.ini, on Linux and on Windows."""
import json
import os
import shutil

import labctl
import mailpeers
import pytest
from playbook_lab import ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "email_server.yml")
POSIX = {"notes_ini": "{{ email_server_domino_notes_ini }}", "console": "{{ email_server_domino_console }}"}
WINDOWS = {"notes_ini": r"C:\Lotus\Domino\notes.ini", "console": r"C:\Lotus\Domino\nserver.exe"}


def domino_lab(tmp_path, host):
    """The Domino host of the lab inventory (Linux), or a simulated Windows server with Domino installed."""
    lab = Lab(tmp_path / "lab", host)
    if host == "lab-web-iis":
        labctl.init_domino(lab.paths["base"], "windows")
    lab.location = POSIX if host == "lab-domino" else WINDOWS
    return lab


@pytest.fixture(params=["lab-domino", "lab-web-iis"])
def domino(tmp_path, request):
    return domino_lab(tmp_path, request.param)


def console_log(lab):
    with open(os.path.join(lab.paths["base"], "domino-state.json")) as handle:
        return json.load(handle)


def notes_ini(lab):
    with open(console_log(lab)["notes_ini"], newline="") as handle:
        return handle.read()


def test_smtp_verify_authenticated_sender_is_set_once_and_read_back(domino, tmp_path):
    original = notes_ini(domino)
    _, planned = domino.task("oscc.admin.domino_prepare", domino.location, tmp_path, check=True, diff=True)
    assert planned["changed"] and planned["commands"] == ["set config SMTPVerifyAuthenticatedSender=0"]
    assert planned["diff"]["before"] == "SMTPVerifyAuthenticatedSender=1\n" and console_log(domino)["console"] == []
    # The change and the second run back to back in one playbook: the console then holds the one command.
    _, (first, second) = domino.tasks([("oscc.admin.domino_prepare", domino.location)] * 2, tmp_path)
    assert first["changed"] and first["settings"] == {"SMTPVerifyAuthenticatedSender": {"before": "1", "after": "0"}}
    assert console_log(domino)["console"] == ["set config SMTPVerifyAuthenticatedSender=0"]
    assert first["remote_operations"] == 2
    assert notes_ini(domino) == original.replace("SMTPVerifyAuthenticatedSender=1", "SMTPVerifyAuthenticatedSender=0")
    assert not second["changed"] and second["commands"] == [] and second["remote_operations"] == 1
    assert len(console_log(domino)["console"]) == 1


def test_an_absent_variable_is_domino_default_and_other_settings_are_reported(domino, tmp_path):
    path = console_log(domino)["notes_ini"]
    with open(path, newline="") as handle:
        text = handle.read()
    with open(path, "w", newline="") as handle:
        handle.write(text.replace("SMTPVerifyAuthenticatedSender=1", "SMTPTranslateAddresses=1"))
    _, result = domino.task("oscc.admin.domino_prepare", domino.location, tmp_path)
    assert not result["changed"] and console_log(domino)["console"] == []
    assert "SMTPTranslateAddresses is 1" in result["warnings"][0]


def test_compaction_uses_the_manuals_flag_and_runs_every_time_it_is_asked(domino, tmp_path):
    args = {**domino.location, "compact": ["mail/oscc.nsf"]}
    _, rounds = domino.tasks([("oscc.admin.domino_prepare", args)] * 2, tmp_path)
    for result in rounds:
        assert result["changed"] and result["commands"][-1] == "load compact mail/oscc.nsf -b"
    compacted = console_log(domino)["compact"]
    assert compacted == [{"database": "mail/oscc.nsf", "options": ["-b"], "found": True}] * 2


FAULTS = {
    "stopped": "-c set config SMTPVerifyAuthenticatedSender=0 returned 1: Server is not running",
    "other_notes_ini": "still does not show SMTPVerifyAuthenticatedSender=0: is it the notes.ini of the running "
                       "server?",
    "parent_database": "compact: '../names.nsf' must be a database path relative to the Domino data directory",
    "bad_name": "settings: 'SMTP Verify' is not a notes.ini variable name",
    "relative_console": "console must be an absolute path",
}


def fault_arguments(lab, fault):
    args = dict(lab.location)
    if fault == "other_notes_ini":
        copy = console_log(lab)["notes_ini"] + ".copy"
        shutil.copyfile(console_log(lab)["notes_ini"], copy)
        args["notes_ini"] = args["notes_ini"] + ".copy"
    elif fault == "parent_database":
        args["compact"] = ["../names.nsf"]
    elif fault == "bad_name":
        args["settings"] = {"SMTP Verify": 0}
    elif fault == "relative_console":
        args["console"] = "nserver.exe"
    return args


@pytest.fixture(scope="module", params=["lab-domino", "lab-web-iis"])
def fault_results(tmp_path_factory, request):
    """fault -> result of FAULTS on one Domino host, in two playbooks: the faults of a running server back to back
    (each is refused or fails before it could change what the next one sees), and a stopped server of its own."""
    running_path, stopped_path = tmp_path_factory.mktemp("domino-running"), tmp_path_factory.mktemp("domino-stopped")
    lab = domino_lab(running_path, request.param)
    running = [fault for fault in FAULTS if fault != "stopped"]
    _run, results = lab.tasks([("oscc.admin.domino_prepare", fault_arguments(lab, f)) for f in running], running_path)
    lab = domino_lab(stopped_path, request.param)
    state = console_log(lab)
    with open(os.path.join(lab.paths["base"], "domino-state.json"), "w") as handle:
        json.dump(dict(state, running=False), handle)
    _run, stopped = lab.tasks([("oscc.admin.domino_prepare", fault_arguments(lab, "stopped"))], stopped_path)
    return dict(zip(running, results), stopped=stopped[0])


@pytest.mark.xdist_group("test_domino_faults")  # one worker runs the shared playbooks (--dist loadgroup)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_named(fault_results, fault):
    result = fault_results[fault]
    assert result["failed"] and FAULTS[fault] in result["msg"], result


def test_the_role_prepares_domino_proves_the_account_and_then_changes_nothing(tmp_path, peers):
    """Dovecot and Postfix answer IMAP and SMTP where the Domino server's tasks would."""
    lab = Lab(tmp_path / "lab", "lab-domino")
    values = {"email_server_password": mailpeers.PASSWORD, "email_server_imap_host": "localhost",
              "email_server_imap_port": peers.imaps_port, "email_server_smtp_port": peers.submission_port,
              "email_server_ca_file": peers.ca_file, "email_server_report_sender": mailpeers.REPORT_SENDER}
    first = lab.playbook(PLAYBOOK, limit="lab-domino", extra=values)
    assert first.rc == 0, first.stdout[-3000:]
    prepared = first.result("Prepare Domino for the OSCC account", "lab-domino")
    assert prepared["changed"] and console_log(lab)["console"] == ["set config SMTPVerifyAuthenticatedSender=0"]
    checklist = first.result("List the steps no module can take here", "lab-domino")["msg"]
    assert len(checklist) == 4 and not any("SMTPVerifyAuthenticatedSender" in step for step in checklist)
    proof = first.result("Prove the account over IMAP4 and SMTP", "lab-domino")
    assert proof["failed_checks"] == [] and {"imap_search", "report_sender"} <= {c["name"] for c in proof["checks"]}
    second = lab.playbook(PLAYBOOK, limit="lab-domino", extra={**values, "email_server_check": False})
    assert second.rc == 0 and second.stats("lab-domino")["changed"] == 0
    missing = lab.playbook(PLAYBOOK, limit="lab-domino", extra={**values, "email_server_domino_console": ""})
    messages = [r.get("msg", "") for _n, r in missing.results("lab-domino") if r.get("failed")]
    assert missing.rc != 0 and "email_server_domino_notes_ini and email_server_domino_console must name" in messages[0]
