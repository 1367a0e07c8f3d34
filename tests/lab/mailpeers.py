"""Real Dovecot (IMAP) and Postfix (submission) on loopback, without systemd (test peers).

One private directory per pair: a CA and a server certificate for `localhost`, Dovecot with
IMAP + STARTTLS and IMAPS and a passwd-file user, Postfix with STARTTLS submission, SASL through
Dovecot, delivery into the same Maildirs, and the sender check of a server that allows a report
address only to the account granted it (docs/vendor-facts.md, Mail requirements; manual §3.8). Options
make the faults the tests need: Postfix header_checks that strip custom headers, a Dovecot per-user
session limit.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from ports import free_port

DOMAIN = "lab.invalid"
USER, PASSWORD = f"oscc@{DOMAIN}", "lab-mail-secret"
REPORT_SENDER = f"reports@{DOMAIN}"  # an address the OSCC account may send as (Send-As, §3.8)
FOREIGN_SENDER = f"someone@{DOMAIN}"  # one it may not
INTERNATIONAL_SENDER = f"日本@{DOMAIN}"  # an internationalised report address it may send as (SMTPUTF8, RFC 6531)


def available():
    return all(shutil.which(p) or os.path.exists(p) for p in ("/usr/sbin/dovecot", "/usr/sbin/postfix", "openssl"))


def _run(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, **kwargs)


def make_ca(base, name="localhost"):
    """A CA and a server certificate for name and 127.0.0.1; returns (ca, cert, key)."""
    os.makedirs(base, exist_ok=True)
    ca_key, ca, key, csr, cert = (os.path.join(base, n) for n in ("ca.key", "ca.pem", "server.key", "server.csr",
                                                                   "server.pem"))
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=OSCC lab CA",
          "-keyout", ca_key, "-out", ca])
    _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", key, "-out", csr])
    extensions = os.path.join(base, "san.cnf")
    with open(extensions, "w") as handle:
        handle.write(f"subjectAltName=DNS:{name},IP:127.0.0.1\n")
    _run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
          "-extfile", extensions, "-out", cert])
    os.chmod(key, 0o644)  # read by Dovecot's and Postfix's unprivileged processes in the lab
    return ca, cert, key


class MailPeers:
    """base=None: a new folder under the system's temporary directory that the mail users can reach
    (pytest's own folders are private to root, and delivery runs as the mail user)."""

    def __init__(self, base=None, max_userip_connections=50, strip_headers=False, smtputf8=False):
        if base is None:
            base = tempfile.mkdtemp(prefix="oscc-lab-mail-")
            os.chmod(base, 0o755)
        self.base = os.path.abspath(str(base))
        self.max_userip_connections = max_userip_connections
        self.strip_headers = strip_headers
        self.smtputf8 = smtputf8  # whether Postfix offers SMTPUTF8 (off by default, as in the lab so far)
        self.imap_port, self.imaps_port, self.submission_port = free_port(), free_port(), free_port()
        self.processes = []
        mail_user = pwd.getpwnam("dovecot")
        self.uid, self.gid = mail_user.pw_uid, mail_user.pw_gid

    # -- Dovecot ------------------------------------------------------------------------------
    def _dovecot_conf(self, cert, key):
        d = os.path.join(self.base, "dovecot")
        return f"""base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
first_valid_uid = {self.uid}
first_valid_gid = {self.gid}
mail_location = maildir:{self.base}/mail/%n/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={self.base}/mail/%n
}}
protocol imap {{
  mail_max_userip_connections = {self.max_userip_connections}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service auth {{
  unix_listener auth-client {{
    mode = 0666
  }}
}}
"""

    # -- Postfix ------------------------------------------------------------------------------
    def _postfix_main(self, cert, key):
        p = os.path.join(self.base, "postfix")
        mailboxes = ", ".join(f"{{{a}=oscc/Maildir/}}" for a in (USER, REPORT_SENDER))
        owners = f"{{{USER}={USER}}}, {{{REPORT_SENDER}={USER}}}, {{{FOREIGN_SENDER}=nobody@{DOMAIN}}}"
        if self.smtputf8:  # a UTF-8 lookup key is valid only where SMTPUTF8 is on
            owners += f", {{{INTERNATIONAL_SENDER}={USER}}}"
        lines = [
            "compatibility_level = 3.6",
            f"queue_directory = {p}/spool", f"data_directory = {p}/data", "mail_owner = postfix",
            f"myhostname = mail.{DOMAIN}", f"mydomain = {DOMAIN}", f"myorigin = {DOMAIN}", "mydestination =",
            "inet_interfaces = 127.0.0.1", "inet_protocols = ipv4",
            f"smtputf8_enable = {'yes' if self.smtputf8 else 'no'}",
            # Postfix 3.7 exits silently when its log file is outside /var.
            f"maillog_file = /var/tmp/oscc-lab-postfix-{os.path.basename(self.base)}-{self.submission_port}.log",
            f"virtual_mailbox_domains = {DOMAIN}", f"virtual_mailbox_base = {self.base}/mail",
            f"virtual_mailbox_maps = inline:{{ {mailboxes} }}",
            f"virtual_uid_maps = static:{self.uid}", f"virtual_gid_maps = static:{self.gid}",
            f"smtpd_tls_cert_file = {cert}", f"smtpd_tls_key_file = {key}", "smtpd_tls_security_level = may",
            "smtpd_tls_auth_only = yes", "smtpd_sasl_auth_enable = yes", "smtpd_sasl_type = dovecot",
            f"smtpd_sasl_path = {self.base}/dovecot/run/auth-client",
            f"smtpd_sender_login_maps = inline:{{ {owners} }}",
            "smtpd_sender_restrictions = reject_authenticated_sender_login_mismatch",
            "smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination",
            "smtpd_recipient_restrictions = permit_sasl_authenticated, reject_unauth_destination",
        ]
        if self.strip_headers:
            lines.append(f"header_checks = regexp:{p}/header_checks")
        return "\n".join(lines) + "\n"

    def _postfix_master(self):
        services = [
            f"127.0.0.1:{self.submission_port} inet n - n - - smtpd",
            "pickup unix n - n 60 1 pickup", "cleanup unix n - n - 0 cleanup", "qmgr unix n - n 300 1 qmgr",
            "tlsmgr unix - - n 1000? 1 tlsmgr", "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce", "defer unix - - n - 0 bounce", "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify", "flush unix n - n 1000? 0 flush", "proxymap unix - - n - - proxymap",
            "smtp unix - - n - - smtp", "showq unix n - n - - showq", "error unix - - n - - error",
            "retry unix - - n - - error", "discard unix - - n - - discard", "virtual unix - n n - - virtual",
            "anvil unix - - n - 1 anvil", "scache unix - - n - 1 scache", "postlog unix-dgram n - n - 1 postlogd",
        ]
        return "\n".join(services) + "\n"

    def start(self, timeout=20):
        """Start both; a port another test took between choosing and binding it gets one retry on new ports."""
        try:
            return self._start(timeout)
        except RuntimeError:
            self.imap_port, self.imaps_port, self.submission_port = free_port(), free_port(), free_port()
            return self._start(timeout)

    def _start(self, timeout):
        ca, cert, key = make_ca(os.path.join(self.base, "tls"))
        self.ca_file = ca
        d, p = os.path.join(self.base, "dovecot"), os.path.join(self.base, "postfix")
        for folder in (d, f"{d}/run", f"{d}/state", f"{p}/etc", f"{p}/spool", f"{p}/data", f"{self.base}/mail"):
            os.makedirs(folder, exist_ok=True)
        os.chown(f"{self.base}/mail", self.uid, self.gid)
        os.chown(f"{p}/data", pwd.getpwnam("postfix").pw_uid, -1)
        with open(f"{d}/dovecot.conf", "w") as handle:
            handle.write(self._dovecot_conf(cert, key))
        with open(f"{d}/users", "w") as handle:
            handle.write(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        with open(f"{p}/etc/main.cf", "w", encoding="utf-8") as handle:
            handle.write(self._postfix_main(cert, key))
        with open(f"{p}/etc/master.cf", "w") as handle:
            handle.write(self._postfix_master())
        with open(f"{p}/header_checks", "w") as handle:
            handle.write("/^X-OSCC-/ IGNORE\n")  # a mail server that strips custom headers (§3.1)
        log = open(f"{d}/console.log", "wb")
        self.processes.append(subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", f"{d}/dovecot.conf"],
                                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))
        self._wait(self.imaps_port, timeout, f"{d}/dovecot.log")
        _run(["/usr/sbin/postfix", "-c", f"{p}/etc", "check"])
        _run(["/usr/sbin/postfix", "-c", f"{p}/etc", "start"])
        self._wait(self.submission_port, timeout, self._postfix_main(cert, key).split("maillog_file = ")[1].split()[0])
        return self

    def _wait(self, port, timeout, log):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        text = open(log, errors="replace").read()[-2000:] if os.path.exists(log) else "(no log)"
        raise RuntimeError(f"port {port} did not open within {timeout}s: {text}")

    def maildir_messages(self):
        """Files of the account's Maildir (new and cur)."""
        root = os.path.join(self.base, "mail", "oscc", "Maildir")
        return [os.path.join(root, sub, n) for sub in ("new", "cur") if os.path.isdir(os.path.join(root, sub))
                for n in os.listdir(os.path.join(root, sub))]

    def stop(self):
        p = os.path.join(self.base, "postfix")
        if os.path.exists(f"{p}/etc/main.cf"):
            subprocess.run(["/usr/sbin/postfix", "-c", f"{p}/etc", "stop"], capture_output=True, check=False)
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        self.processes = []
