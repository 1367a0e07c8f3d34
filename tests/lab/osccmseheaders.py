#!/usr/bin/env python3
"""Lab test equipment: osccmseheaders.exe of the OSCC main server, as manual §3.4.1 describes it.

It waits for Return, asks in turn for From address, To address, Subject, SMTP server host name,
SMTP server port number, SMTP user name and SMTP password, then sends the special message over an
authenticated SMTP session (STARTTLS first when the server offers it) carrying the custom headers
the OSCC e-mail server needs. A port that is not a number is asked for again. Exit code 0 when the
message was accepted, 1 otherwise with the reason.
"""
import smtplib
import ssl
import sys
from email.message import EmailMessage

HEADERS = {"X-OSCC-Contact-Id": "define", "X-OSCC-Queue": "define", "X-OSCC-Priority": "define",
           "X-OSCC-Language": "define"}


def ask(prompt):
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        print("\nInput ended.")
        sys.exit(1)
    return line.rstrip("\r\n")


def main():
    print("OpenScape Contact Center - definition of custom e-mail headers for Microsoft Exchange")
    ask("Press Enter to continue...")
    answers = {"from": ask("From address: "), "to": ask("To address: "), "subject": ask("Subject: "),
               "host": ask("SMTP server host name: ")}
    port = ask("SMTP server port number: ")
    while not port.isdigit():
        print("Invalid port number.")
        port = ask("SMTP server port number: ")
    user, password = ask("SMTP user name: "), ask("SMTP password: ")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = answers["from"], answers["to"], answers["subject"]
    for name, value in HEADERS.items():
        message[name] = value
    message.set_content("Defines the custom headers of the OpenScape Contact Center e-mail server.\n")
    try:
        with smtplib.SMTP(answers["host"], int(port), timeout=20) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl._create_unverified_context())  # the lab's own CA
                smtp.ehlo()
            smtp.login(user, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        print(f"Error: the special message could not be sent: {exc}")
        return 1
    print("The special message was sent.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
