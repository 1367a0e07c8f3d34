"""A real OpenLDAP slapd (Debian package) on loopback, without systemd (test peer).

Its own directory: slapd.conf with the core, cosine and inetOrgPerson schemas plus a small
auxiliary class for the presence fields of manual §5.2, an mdb database for dc=lab,dc=invalid,
an administrator, and three users. LDAP with StartTLS on a free port (certificate for localhost).
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import mailpeers
from ports import end_recorded, free_port

SUFFIX = "dc=lab,dc=invalid"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{SUFFIX}", "lab-ldap-secret"
USERS = ("anna.berger", "jonas.keller", "lea.wolf")
# A site schema of the kind a directory carries for OSCC's presence fields (§5.2).
PRESENCE_SCHEMA = """attributetype ( 1.3.6.1.4.1.99999.1.1 NAME 'osccPresenceId' DESC 'OpenScape UC user ID'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.2 NAME 'osccUserName' DESC 'OpenScape Contact Center user name'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.3 NAME 'osccLineState' DESC 'OpenScape Voice line (device) for its state'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.2.1 NAME 'osccPresence' DESC 'OSCC presence fields' AUXILIARY
  MAY ( osccPresenceId $ osccUserName $ osccLineState ) )
"""


def available():
    return os.path.exists("/usr/sbin/slapd") and shutil.which("ldapadd") is not None


class Slapd:
    def __init__(self, base=None):
        if base is None:
            base = tempfile.mkdtemp(prefix="oscc-lab-ldap-")
        self.base = os.path.abspath(str(base))
        self.port = free_port()
        self.uri = f"ldap://localhost:{self.port}"
        self.process = None

    def start(self, timeout=20):
        self.ca_file, cert, key = mailpeers.make_ca(os.path.join(self.base, "tls"))
        os.makedirs(os.path.join(self.base, "db"), exist_ok=True)
        with open(os.path.join(self.base, "oscc-presence.schema"), "w") as handle:
            handle.write(PRESENCE_SCHEMA)
        hashed = subprocess.run(["slappasswd", "-s", ADMIN_PASSWORD], capture_output=True, text=True,
                                check=True).stdout.strip()
        with open(os.path.join(self.base, "slapd.conf"), "w") as handle:
            handle.write(f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {self.base}/oscc-presence.schema
pidfile {self.base}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}
TLSCACertificateFile {self.ca_file}
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {hashed}
directory {self.base}/db
""")
        people = [f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: lab\no: OSCC lab\n",
                  f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n"]
        people += [f"dn: uid={u},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\n"
                   f"uid: {u}\ncn: {u}\nsn: {u.split('.')[1]}\n" for u in USERS]
        with open(os.path.join(self.base, "seed.ldif"), "w") as handle:
            handle.write("\n".join(people))
        seed = os.path.join(self.base, "seed.ldif")
        subprocess.run(["slapadd", "-f", os.path.join(self.base, "slapd.conf"), "-l", seed],
                       check=True, capture_output=True)
        with open(os.path.join(self.base, "slapd.log"), "wb") as log:
            self.process = subprocess.Popen(["/usr/sbin/slapd", "-d", "0", "-f", os.path.join(self.base, "slapd.conf"),
                                             "-h", f"ldap://127.0.0.1:{self.port}/"], stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            probe = subprocess.run(["ldapsearch", "-x", "-H", self.uri, "-b", SUFFIX, "-s", "base", "dn"],
                                   capture_output=True)
            if probe.returncode == 0:
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("slapd did not answer: " + open(os.path.join(self.base, "slapd.log")).read()[-2000:])

    def entry(self, uid):
        """The user's attributes as ldapsearch prints them: {attribute: [values]}."""
        out = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", self.uri, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD,
                              "-b", f"uid={uid},ou=people,{SUFFIX}", "-s", "base", "*"], capture_output=True, text=True,
                             check=True).stdout
        values = {}
        for line in out.splitlines():
            if ": " in line:
                name, value = line.split(": ", 1)
                values.setdefault(name, []).append(value)
        return values

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)


def main():
    """For molecule: `start <base>` runs slapd and writes <base>/peer.json (uri, ca_file, pid);
    `stop <base>` ends it."""
    import json
    import sys

    command, base = sys.argv[1], os.path.abspath(sys.argv[2])
    record = os.path.join(base, "peer.json")
    if command == "start":
        os.makedirs(base, exist_ok=True)
        peer = Slapd(os.path.join(base, "slapd")).start()
        with open(record, "w") as handle:
            json.dump({"presence_server_uri": peer.uri, "presence_ca_file": peer.ca_file,
                       "pid": peer.process.pid}, handle)
    elif command == "stop":
        end_recorded(record, process_group=True)


if __name__ == "__main__":
    main()
