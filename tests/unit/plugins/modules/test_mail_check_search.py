"""mail_check's imap_search check (manual §3.5) against IMAP servers that cannot search, or index late."""
import imaplib

from ansible_collections.oscc.admin.plugins.modules import mail_check

PARAMS = {"imap_host": "mail.invalid", "imap_port": 993, "imap_security": "tls", "smtp_host": None, "smtp_port": None,
          "smtp_security": "starttls", "smtp_auth": True, "username": "oscc@mail.invalid", "password": "x",
          "ca_file": None, "imap_sessions": 1, "custom_headers": {}, "test_recipient": None, "report_sender": None,
          "checks": None, "timeout": 1}


class Server:
    """An IMAP session whose SEARCH refuses, or finds the message only after `late` searches."""

    def __init__(self, refuse=False, late=0):
        self.refuse, self.late, self.searches = refuse, late, []

    def select(self, _box):
        return "OK", [b"1"]

    def search(self, _charset, key, text):
        self.searches.append((key, text))
        if self.refuse:
            raise imaplib.IMAP4.error("SEARCH command error: BAD [b'Full text index not found']")
        return "OK", [b"1" if len(self.searches) > self.late else b""]

    def noop(self):
        return "OK", []

    def logout(self):
        return "BYE", []


def searched(server):
    checker = mail_check.MailCheck(dict(PARAMS), check_mode=False)
    checker.sent = True
    checker.imap = lambda login=True: server
    checker.run(["imap_search"])
    return checker.results[0], checker.marker


def test_a_refused_search_names_the_full_text_index():
    result, _marker = searched(Server(refuse=True))
    assert result["status"] == "failed" and "needs immediate full-text indexing (manual §3.5)" in result["detail"]
    assert "Full text index not found" in result["detail"]


def test_a_message_the_index_does_not_find_in_time_fails():
    result, _marker = searched(Server(late=10**6))
    assert result["status"] == "failed" and "did not find the test message within 1s" in result["detail"]


def test_a_prompt_index_passes_and_the_search_is_full_text_for_the_marker():
    server = Server(late=1)
    result, marker = searched(server)
    assert result["status"] == "ok" and server.searches == [("TEXT", f'"{marker}"')] * 2
