"""Benchmark: a full oscc.admin.mail_check (20 IMAP sessions, every check) against the loopback
Dovecot and Postfix, timed in-process, against the bare minimum: one IMAP login over TLS.
Reports the ratio and the per-check share, best of --rounds, and the connections the check opened.

Gates, all counts: every check passes, and a full check opens the IMAP sessions asked for and
IMAP_BEYOND_SESSIONS connections more, and SMTP_CONNECTIONS. The ratio is printed against its target,
never gated: it moves with the machine's load.

    python tests/bench/bench_mail.py                 # 20 sessions, 3 rounds
    python tests/bench/bench_mail.py --rounds 1 --check   # CI's short form, fails when a count differs
"""
import argparse
import collections
import imaplib
import smtplib
import ssl
import sys
import time
from unittest import mock

import bench_lab  # first: it puts tests/lab and the collection on sys.path
import mailpeers

TARGET_RATIO = 60  # a full check may cost at most 60 bare logins (20 of them are the sessions it must open); not gated
IMAP_BEYOND_SESSIONS = 5  # the login check, the TLS check, the custom headers read, the search, the clean-up
SMTP_CONNECTIONS = 2  # the submission and the report sender's message


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="fail when a check fails or a count differs")
    options = parser.parse_args()
    from ansible_collections.oscc.admin.plugins.modules import mail_check

    peers = mailpeers.MailPeers().start()
    try:
        context = ssl.create_default_context(cafile=peers.ca_file)

        def bare_login():
            client = imaplib.IMAP4_SSL("localhost", peers.imaps_port, ssl_context=context, timeout=10)
            client.login(mailpeers.USER, mailpeers.PASSWORD)
            client.logout()

        params = {"imap_host": "localhost", "imap_port": peers.imaps_port, "imap_security": "tls",
                  "smtp_host": "localhost", "smtp_port": peers.submission_port, "smtp_security": "starttls",
                  "smtp_auth": True,
                  "username": mailpeers.USER, "password": mailpeers.PASSWORD, "ca_file": peers.ca_file,
                  "imap_sessions": options.sessions, "custom_headers": {"X-OSCC-Queue": "Support"},
                  "test_recipient": None, "report_sender": mailpeers.REPORT_SENDER, "timeout": 15}
        baseline, full, shares = [], [], {}
        connections = collections.Counter()  # of the last round
        for _ in range(options.rounds):
            start = time.perf_counter()
            bare_login()
            baseline.append(time.perf_counter() - start)
            checker = mail_check.MailCheck(params, check_mode=False)
            timings = {}
            for name in mail_check.ALL_CHECKS:
                original = getattr(checker, f"check_{name}")

                def timed(original=original, name=name, timings=timings):
                    began = time.perf_counter()
                    try:
                        return original()
                    finally:
                        timings[name] = time.perf_counter() - began
                setattr(checker, f"check_{name}", timed)
            connections.clear()
            start = time.perf_counter()
            with mock.patch.object(mail_check.time, "sleep", lambda s: time.sleep(min(s, 0.1))), \
                    mock.patch.object(imaplib, "IMAP4_SSL",
                                      bench_lab.counting(imaplib.IMAP4_SSL, connections, "imap")), \
                    mock.patch.object(smtplib, "SMTP", bench_lab.counting(smtplib.SMTP, connections, "smtp")):
                checker.run(list(mail_check.ALL_CHECKS))
                checker.clean()
            full.append(time.perf_counter() - start)
            failed = [r for r in checker.results if r["status"] != "ok"]
            if failed:
                sys.exit(f"bench_mail: a check did not pass: {failed}")
            if not shares or full[-1] == min(full):
                shares = {n: t / full[-1] for n, t in timings.items()}
        ratio = min(full) / min(baseline)
        print(f"sessions: {options.sessions}, best of {options.rounds}")
        wanted = {"imap": options.sessions + IMAP_BEYOND_SESSIONS, "smtp": SMTP_CONNECTIONS}
        print(f"connections opened: IMAP {connections['imap']} (gate {wanted['imap']}), SMTP {connections['smtp']} "
              f"(gate {wanted['smtp']})")
        print(f"full mail_check / one IMAP login: {ratio:.1f} (target <= {TARGET_RATIO}, not gated)")
        print("share of the full check: " + ", ".join(f"{n} {s:.0%}" for n, s in shares.items()))
        if options.check and dict(connections) != wanted:
            sys.exit(f"bench_mail: connections {dict(connections)}, gate {wanted}")
    finally:
        peers.stop()


if __name__ == "__main__":
    main()
