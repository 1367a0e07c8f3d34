"""An answer the operator gives is text, even when it is spelled like a directive of the prompt table (return,
abort, level, secret:<key>): each is sent as '=<text>' (found by the hostile review of the host executor)."""
import email

import mailpeers
from test_exchange_custom_headers import arguments, clear


def test_a_subject_spelled_like_a_secret_reference_does_not_send_the_password(windows_lab, peers, tmp_path):
    clear(peers)
    _, result = windows_lab.task("oscc.admin.exchange_custom_headers",
                                 arguments(peers, subject="secret:smtp_password"), tmp_path)
    subjects = []
    for path in peers.maildir_messages():
        with open(path, "rb") as handle:
            subjects.append(email.message_from_bytes(handle.read())["Subject"])
    assert mailpeers.PASSWORD not in subjects, (f"the SMTP password went out as the subject: {subjects}; "
                                                f"{result.get('msg')}")


def test_a_subject_abort_is_answered_not_taken_as_a_directive(windows_lab, peers, tmp_path):
    clear(peers)
    _, result = windows_lab.task("oscc.admin.exchange_custom_headers", arguments(peers, subject="abort"), tmp_path)
    assert not result.get("failed"), result.get("msg")
