#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: mail_check
short_description: Prove over IMAP4 and SMTP that a mail account works for the OSCC e-mail server
version_added: 0.1.0
description:
  - Checks the account the OSCC e-mail server uses, over the real protocols, as the manual's chapter 3 requires.
  - C(imap_login) - IMAP4 login (authentication is mandatory, §3.7).
  - C(imap_tls) - TLS or STARTTLS with the server's certificate validated (against O(ca_file) when given, §3.6).
  - C(imap_sessions) - how many concurrent IMAP sessions the account really gets, against O(imap_sessions), the
    number OSCC is set to open (§3.2, §3.3).
  - C(smtp_submission) - a test message submitted over SMTP, with authentication when O(smtp_auth) (§3.7).
  - C(custom_headers) - the test message fetched back over IMAP with every header of O(custom_headers) unchanged;
    a header the mail server removed or altered is named (§3.1, §3.4.1).
  - C(imap_search) - an IMAP full-text search (C(SEARCH TEXT)) finds the test message promptly; on Domino this proves
    immediate full-text indexing of the mail database, without which OSCC's searches fail (§3.5).
  - C(report_sender) - a message sent with O(report_sender) as From, for reports by e-mail (§3.8).
  - Test messages carry a unique marker in their subject and are deleted at the end. In check mode nothing is
    sent; the IMAP checks run.
  - Each check ends C(ok) or C(failed) with its reason; the task fails when a check failed. A check that needs
    another one that failed (C(imap_login) for the checks that log in, C(smtp_submission) for C(custom_headers) and
    C(imap_search), which read its message back) fails naming it. Only in check mode do the checks that send or
    read back a test message end C(skipped).
  - Runs on the controller or any host with Python; no extra libraries.
options:
  imap_host:
    description: The IMAP4 server.
    type: str
    required: true
  imap_port:
    description: Its port; default 993 with O(imap_security=tls), else 143.
    type: int
  imap_security:
    description: C(tls) (IMAPS), C(starttls) or C(none).
    type: str
    choices: [tls, starttls, none]
    default: tls
  smtp_host:
    description: The SMTP submission server; default O(imap_host).
    type: str
  smtp_port:
    description: Its port; default 465 with O(smtp_security=tls), 587 with C(starttls), 25 with C(none).
    type: int
  smtp_security:
    description: C(tls), C(starttls) or C(none).
    type: str
    choices: [tls, starttls, none]
    default: starttls
  smtp_auth:
    description: Authenticate SMTP submission with O(username) and O(password) (§3.7 - optional for OSCC).
    type: bool
    default: true
  username:
    description: The OSCC account. One line, as every value that goes into a message header.
    type: str
    required: true
  password:
    description: Its password. Keep it in a vault.
    type: str
    required: true
  ca_file:
    description: A CA certificate file (PEM) the server certificates must chain to, for example a self-signed CA.
    type: path
  imap_sessions:
    description: The maximum number of IMAP sessions OSCC is set to open (Office 365 20, Google Workspace 15).
    type: int
    default: 20
  custom_headers:
    description:
      - Headers the test message carries and that must come back unchanged. Names start with C(X-); values are one
        line (no CR, LF or NUL, which would add headers of their own).
      - A value beyond ASCII (C(Größe)) is sent as an RFC 2047 encoded word (UTF-8) and compared decoded.
    type: dict
    default: {"X-OSCC-Contact-Id": "mail-check", "X-OSCC-Queue": "Support", "X-OSCC-Priority": "50",
              "X-OSCC-Language": "english"}
  test_recipient:
    description: Where the test messages go; they are fetched back from O(username)'s INBOX. Default O(username).
    type: str
  report_sender:
    description:
      - The From address of reports by e-mail (§3.8); the C(report_sender) check runs only when given.
      - An internationalised address (beyond ASCII, C(日本@example.com)) is sent with SMTPUTF8 where the server offers
        it; where it does not, the check fails saying so.
    type: str
  checks:
    description:
      - The checks to run. Each one given must be able to run - C(imap_tls) needs O(imap_security) C(tls) or
        C(starttls), C(custom_headers) at least one of O(custom_headers), C(report_sender) O(report_sender), and
        C(custom_headers) and C(imap_search) need C(smtp_submission) in the list too; otherwise the task fails at once.
      - Default every check that applies to the options - C(imap_tls) only with TLS (with O(imap_security=none) a
        warning says the session is not encrypted), C(custom_headers) only with headers, C(report_sender) only with
        O(report_sender).
      - An empty list is refused; leave the option out for the default.
    type: list
    elements: str
    choices: [imap_login, imap_tls, imap_sessions, smtp_submission, custom_headers, imap_search, report_sender]
  timeout:
    description: Seconds for each connection, and for a test message to arrive.
    type: int
    default: 30
attributes:
  check_mode:
    support: partial
    details: The IMAP checks run; nothing is sent.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Prove the OSCC mail account on Exchange
  oscc.admin.mail_check:
    imap_host: mail.contact.example.com
    username: OSCCEmail@contact.example.com
    password: "{{ vault_oscc_mail_password }}"
    imap_sessions: 20
    report_sender: OSCCReports@contact.example.com
  delegate_to: localhost
"""

RETURN = r"""
checks:
  description: One entry per check, in the order run.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "imap_sessions", "status": "failed",
            "detail": "the server allowed 5 concurrent IMAP sessions; OSCC is set to open 20 (imap_sessions)"}]
failed_checks:
  description: Names of the checks that failed.
  returned: always
  type: list
  elements: str
cleaned:
  description: Test messages deleted from the INBOX at the end.
  returned: always
  type: int
"""

import email.header
import email.parser
import email.utils
import imaplib
import smtplib
import socket
import ssl
import time
import uuid

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    address_problem,
    empty_problem,
    file_problem,
    line_value_problem,
    port_problem,
    seconds_problem,
)

ALL_CHECKS = [
    "imap_login", "imap_tls", "imap_sessions", "smtp_submission", "custom_headers", "imap_search", "report_sender",
]
IMAP_PORTS = {"tls": 993, "starttls": 143, "none": 143}
SMTP_PORTS = {"tls": 465, "starttls": 587, "none": 25}
# What a check needs from the checks before it: the IMAP login for the checks that log in (when imap_login ran and
# failed they cannot tell anything), the test message of smtp_submission for the checks that read it back.
NEEDS = {"imap_sessions": ("imap_login",), "custom_headers": ("imap_login", "smtp_submission"),
         "imap_search": ("imap_login", "smtp_submission")}
# Of those, the check that must be asked for with it: nothing else sends the message they read back.
ASKED_WITH = {"custom_headers": "smtp_submission", "imap_search": "smtp_submission"}


class CheckFailed(Exception):
    pass


def reason(exc, service, host, port):
    """One line a mail administrator can act on, distinct per cause."""
    where = f"{service} {host}:{port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"TLS certificate of {where} is not trusted ({exc.verify_message}); "
                "give ca_file with the CA that issued it")
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot connect to {where}: connection refused (port closed or server down)"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer from {where} within the timeout"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve {host}: {exc.strerror}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc.reason or exc}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"SMTP authentication refused: {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    if isinstance(exc, imaplib.IMAP4.error):
        said = exc.args[0] if exc.args else exc
        text = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
        return f"{where} refused: {text.strip()}"
    return f"{where}: {exc}"


def header_value(value):
    """A custom header's value as it goes into the message: ASCII as it is, else an RFC 2047 encoded word."""
    text = str(value)
    return text if text.isascii() else email.header.Header(text, "utf-8").encode()


def decoded(value):
    """A header value as it came back, its RFC 2047 encoded words decoded."""
    return str(email.header.make_header(email.header.decode_header(str(value).strip())))


class MailCheck:
    def __init__(self, params, check_mode):
        self.p = params
        self.check_mode = check_mode
        self.imap_port = params["imap_port"] or IMAP_PORTS[params["imap_security"]]
        self.smtp_host = params["smtp_host"] or params["imap_host"]
        self.smtp_port = params["smtp_port"] or SMTP_PORTS[params["smtp_security"]]
        self.context = ssl.create_default_context(cafile=params["ca_file"])
        self.marker = f"oscc-mail-check-{uuid.uuid4().hex[:12]}"
        self.recipient = params["test_recipient"] or params["username"]
        self.results = []
        self.sent = 0  # test messages this run sent: clean() waits for each
        self.tls_detail = None

    # -- connections ---------------------------------------------------------------------------
    def imap(self, login=True):
        host, port, security, timeout = self.p["imap_host"], self.imap_port, self.p["imap_security"], self.p["timeout"]
        try:
            if security == "tls":
                client = imaplib.IMAP4_SSL(host, port, ssl_context=self.context, timeout=timeout)
            else:
                client = imaplib.IMAP4(host, port, timeout=timeout)
                if security == "starttls":
                    if "STARTTLS" not in client.capabilities:
                        raise CheckFailed(f"IMAP {host}:{port} offers no STARTTLS")
                    client.starttls(ssl_context=self.context)
            if security != "none" and self.tls_detail is None:
                subject = dict(x[0] for x in client.sock.getpeercert()["subject"])
                self.tls_detail = f"{client.sock.version()} with a certificate for {subject.get('commonName')}"
            if login:
                client.login(self.p["username"], self.p["password"])
            return client
        except CheckFailed:
            raise
        except Exception as exc:  # each cause becomes its own one-line reason
            raise CheckFailed(reason(exc, "IMAP", host, port)) from None

    def smtp(self):
        host, port, security, timeout = self.smtp_host, self.smtp_port, self.p["smtp_security"], self.p["timeout"]
        try:
            if security == "tls":
                client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self.context)
            else:
                client = smtplib.SMTP(host, port, timeout=timeout)
                client.ehlo()
                if security == "starttls":
                    if not client.has_extn("starttls"):
                        raise CheckFailed(f"SMTP {host}:{port} offers no STARTTLS")
                    client.starttls(context=self.context)
                    client.ehlo()
            if self.p["smtp_auth"]:
                client.login(self.p["username"], self.p["password"])
            return client
        except CheckFailed:
            raise
        except Exception as exc:  # each cause becomes its own one-line reason
            raise CheckFailed(reason(exc, "SMTP", host, port)) from None

    def message(self, sender, tag, headers):
        """The test message as bytes: header values beyond ASCII encoded as RFC 2047 words (UTF-8), addresses as
        given (beyond ASCII only where the server offers SMTPUTF8, which takes them in UTF-8)."""
        lines = [f"From: {sender}", f"To: {self.recipient}", f"Subject: {self.marker} {tag}",
                 f"Date: {email.utils.formatdate()}", f"Message-ID: <{self.marker}.{tag}@oscc.admin>"]
        lines += [f"{name}: {header_value(value)}" for name, value in headers.items()]
        body = "A test message of oscc.admin.mail_check; it is deleted when the check ends.\r\n"
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8")

    def send(self, sender, tag, headers, option="username"):
        client = self.smtp()
        try:
            international = [a for a in (sender, self.recipient) if not a.isascii()]
            if international and not client.has_extn("smtputf8"):
                named = option if sender in international else "test_recipient"
                raise CheckFailed(f"{named} {international[0]} is an internationalised address (beyond ASCII), and "
                                  f"SMTP {self.smtp_host}:{self.smtp_port} does not offer SMTPUTF8 to carry it; "
                                  "enable SMTPUTF8 on the server or give an ASCII address")
            client.sendmail(sender, [self.recipient], self.message(sender, tag, headers),
                            mail_options=["SMTPUTF8"] if international else [])
        except smtplib.SMTPSenderRefused as exc:
            raise CheckFailed(f"the server refused {sender} as sender for {self.p['username']}: {exc.smtp_code} "
                              f"{exc.smtp_error.decode(errors='replace')}") from None
        except smtplib.SMTPRecipientsRefused as exc:  # servers that delay the sender check until RCPT TO
            code, text = next(iter(exc.recipients.values()))
            text = text.decode(errors="replace")
            if "sender" in text.lower():
                raise CheckFailed(f"the server refused {sender} as sender for {self.p['username']}: "
                                  f"{code} {text}") from None
            raise CheckFailed(f"the server refused the recipient {self.recipient}: {code} {text}") from None
        except smtplib.SMTPException as exc:
            raise CheckFailed(reason(exc, "SMTP", self.smtp_host, self.smtp_port)) from None
        finally:
            try:
                client.quit()
            except smtplib.SMTPException:
                pass

    def fetch_headers(self, tag):
        """The headers of the test message tagged `tag`, as IMAP gives them back."""
        client = self.imap()
        try:
            deadline = time.time() + self.p["timeout"]
            while True:
                client.select("INBOX")
                numbers = self.search(client, "SUBJECT", f"{self.marker} {tag}")
                if numbers:
                    _typ, data = client.fetch(numbers[-1], "(BODY.PEEK[HEADER])")
                    return email.parser.BytesHeaderParser().parsebytes(data[0][1])
                if time.time() > deadline:
                    raise CheckFailed(f"the test message did not arrive in {self.recipient}'s INBOX within "
                                      f"{self.p['timeout']}s")
                time.sleep(0.5)
        finally:
            client.logout()

    @staticmethod
    def search(client, key, text):
        """Message numbers IMAP SEARCH <key> finds; a refused search fails the check with the manual's cause."""
        try:
            _typ, found = client.search(None, key, f'"{text}"')
        except imaplib.IMAP4.error as exc:
            raise CheckFailed(f"the server refused IMAP SEARCH {key}: {exc} - a Domino mail database needs immediate "
                              "full-text indexing (manual §3.5)") from None
        return found[0].split()

    # -- checks --------------------------------------------------------------------------------
    def check_imap_login(self):
        self.imap().logout()
        return f"logged in as {self.p['username']}"

    def check_imap_tls(self):
        self.imap(login=False).logout()
        return f"{self.p['imap_security']}: {self.tls_detail}, certificate validated"

    def check_imap_sessions(self):
        wanted, sessions = self.p["imap_sessions"], []
        refusal = None
        try:
            while len(sessions) < wanted:
                try:
                    sessions.append(self.imap())
                except CheckFailed as exc:
                    refusal = str(exc)
                    break
        finally:
            for session in sessions:
                try:
                    session.logout()
                except (imaplib.IMAP4.error, OSError):
                    pass
        if len(sessions) < wanted:
            raise CheckFailed(f"the server allowed {len(sessions)} concurrent IMAP sessions; "
                              f"OSCC is set to open {wanted} (imap_sessions) - {refusal}")
        return f"{wanted} concurrent IMAP sessions open at once"

    def check_smtp_submission(self):
        if self.check_mode:
            return None, "check mode: nothing is sent"
        self.send(self.p["username"] if "@" in self.p["username"] else self.recipient, "submission",
                  self.p["custom_headers"])
        self.sent += 1
        return f"sent to {self.recipient} " + ("authenticated" if self.p["smtp_auth"] else "without authentication")

    def check_custom_headers(self):
        headers = self.fetch_headers("submission")
        problems = []
        for name, value in self.p["custom_headers"].items():
            got = headers.get(name)
            if got is None:
                problems.append(f"{name} removed")
            elif decoded(got) != str(value):
                problems.append(f"{name} altered to {decoded(got)!r}")
        if problems:
            raise CheckFailed("the mail server changed custom headers: " + ", ".join(problems) + " (manual §3.1)")
        return f"{len(self.p['custom_headers'])} custom headers came back unchanged"

    def check_imap_search(self):
        """OSCC finds messages by IMAP SEARCH: a full-text search must find the new test message promptly."""
        client = self.imap()
        try:
            client.select("INBOX")
            started = time.time()
            while not self.search(client, "TEXT", self.marker):
                if time.time() - started > self.p["timeout"]:
                    raise CheckFailed("IMAP SEARCH TEXT did not find the test message within "
                                      f"{self.p['timeout']}s of its delivery - a Domino mail database needs "
                                      "immediate full-text indexing (manual §3.5)")
                time.sleep(0.5)
                client.noop()
            return f"SEARCH TEXT found the test message after {time.time() - started:.1f}s"
        finally:
            client.logout()

    def check_report_sender(self):
        if self.check_mode:
            return None, "check mode: nothing is sent"
        self.send(self.p["report_sender"], "report", {}, option="report_sender")
        self.sent += 1
        return f"{self.p['username']} may send as {self.p['report_sender']}"

    def run(self, names):
        statuses = {}
        for name in names:
            status, detail = self.blocked(name, statuses) or self.outcome(name)
            statuses[name] = status
            self.results.append({"name": name, "status": status, "detail": detail})

    def outcome(self, name):
        try:
            outcome = getattr(self, f"check_{name}")()
        except CheckFailed as exc:
            return "failed", str(exc)
        return ("skipped", outcome[1]) if isinstance(outcome, tuple) else ("ok", outcome)

    @staticmethod
    def blocked(name, statuses):
        """(status, detail) of a check that cannot run because a check it needs failed - or, in check mode, sent
        nothing - else None."""
        for need in NEEDS.get(name, ()):
            if statuses.get(need) == "failed":
                return "failed", f"not run: it needs {need}, which failed"
            if statuses.get(need) == "skipped":  # check mode
                return "skipped", f"check mode: {need} sent no test message to read back"
        return None

    def clean(self):
        """Delete every test message of this run; returns how many. Waits, up to the timeout, until each message it
        sent has arrived: one still on its way would be left in the mailbox."""
        if not self.sent:
            return 0
        try:
            client = self.imap()
        except CheckFailed:
            return 0
        try:
            deadline = time.time() + self.p["timeout"]
            while True:
                client.select("INBOX")
                try:
                    numbers = self.search(client, "SUBJECT", self.marker)
                except CheckFailed:  # already reported by the check that searched
                    return 0
                if len(numbers) >= self.sent or time.time() > deadline:
                    break
                time.sleep(0.5)
            for number in numbers:
                client.store(number, "+FLAGS", "\\Deleted")
            client.expunge()
            return len(numbers)
        finally:
            client.logout()


def checks_to_run(module):
    """The checks asked for, each able to run, in their order; by default every check that applies."""
    params, asked = module.params, module.params["checks"]
    unmet = {}  # check -> what it needs of the options
    if params["imap_security"] == "none":
        unmet["imap_tls"] = "imap_security tls or starttls, got none"
    if not params["custom_headers"]:
        unmet["custom_headers"] = "at least one header in custom_headers"
    if not params["report_sender"]:
        unmet["report_sender"] = "the report_sender option, the From address of reports"
    if asked is None:
        if params["imap_security"] == "none":
            module.warn("imap_security is none: the IMAP session is not encrypted, and imap_tls is not checked")
        return [n for n in ALL_CHECKS if n not in unmet]
    for name in asked:
        if name in unmet:
            module.fail_json(msg=f"checks: {name} needs {unmet[name]}; give it or leave {name} out of checks")
        if name in ASKED_WITH and ASKED_WITH[name] not in asked:
            module.fail_json(msg=f"checks: {name} needs {ASKED_WITH[name]}, "
                                 "which sends the test message it reads back; "
                                 f"add {ASKED_WITH[name]} to checks")
    return [n for n in ALL_CHECKS if n in asked]


def main():
    module = AnsibleModule(
        argument_spec={
            "imap_host": {"type": "str", "required": True},
            "imap_port": {"type": "int"},
            "imap_security": {"type": "str", "choices": ["tls", "starttls", "none"], "default": "tls"},
            "smtp_host": {"type": "str"},
            "smtp_port": {"type": "int"},
            "smtp_security": {"type": "str", "choices": ["tls", "starttls", "none"], "default": "starttls"},
            "smtp_auth": {"type": "bool", "default": True},
            "username": {"type": "str", "required": True},
            "password": {"type": "str", "required": True, "no_log": True},
            "ca_file": {"type": "path"},
            "imap_sessions": {"type": "int", "default": 20},
            "custom_headers": {"type": "dict", "default": {"X-OSCC-Contact-Id": "mail-check", "X-OSCC-Queue": "Support",
                                                           "X-OSCC-Priority": "50", "X-OSCC-Language": "english"}},
            "test_recipient": {"type": "str"},
            "report_sender": {"type": "str"},
            "checks": {"type": "list", "elements": "str", "choices": ALL_CHECKS},
            "timeout": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    params = module.params
    problem = port_problem({option: params[option] for option in ("imap_port", "smtp_port")})
    if problem:
        module.fail_json(msg=problem)
    if params["imap_sessions"] < 1:
        module.fail_json(msg=f"imap_sessions must be at least 1, got {params['imap_sessions']}")
    problem = (seconds_problem({"timeout": params["timeout"]})
               or empty_problem({o: params[o] for o in ("imap_host", "smtp_host")})
               or address_problem({o: params[o] for o in ("test_recipient", "report_sender")}))
    if problem:
        module.fail_json(msg=problem)
    if params["checks"] == []:
        module.fail_json(msg="checks must name at least one check; leave it out to run every check that applies")
    if params["test_recipient"] is None and "@" not in params["username"]:
        module.fail_json(msg="test_recipient is needed when username is not an e-mail address")
    bad = [n for n in params["custom_headers"]
           if not str(n).lower().startswith("x-") or any(c in n for c in ": \r\n\0")]
    if bad:
        module.fail_json(msg=f"custom_headers: names start with X- and hold no ':', blank or line break; got {bad}")
    # Each of these becomes a header line of a test message: a line break would add headers of its own.
    # The password goes to IMAP LOGIN and SMTP AUTH as one line too: a line break would end the command.
    problem = line_value_problem([(o, params[o]) for o in ("username", "password", "test_recipient", "report_sender")]
                                 + [(f"custom_headers.{n}", v) for n, v in params["custom_headers"].items()],
                                 secret=("password",))
    if problem:
        module.fail_json(msg=problem)
    if params["ca_file"]:
        problem = file_problem("ca_file", params["ca_file"])
        if problem:
            module.fail_json(msg=problem)
        try:
            ssl.create_default_context(cafile=params["ca_file"])
        except (OSError, ssl.SSLError) as exc:
            module.fail_json(msg=f"ca_file {params['ca_file']} is not a readable PEM CA certificate: {exc}")
    names = checks_to_run(module)
    checker = MailCheck(params, module.check_mode)
    try:
        checker.run(names)
    finally:
        cleaned = checker.clean()
    failed = [r["name"] for r in checker.results if r["status"] == "failed"]
    result = {"changed": False, "checks": checker.results, "failed_checks": failed, "cleaned": cleaned}
    if failed:
        details = "; ".join(f"{r['name']}: {r['detail']}" for r in checker.results if r["status"] == "failed")
        module.fail_json(msg=f"mail checks failed - {details}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
