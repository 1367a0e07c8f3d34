"""A real net-snmp snmpd (Debian package) on loopback, without systemd (test peer).

It stands in for the Windows SNMP service of a main or central report server (manual §6.4) when the controller
asks it over SNMP v2c (oscc.admin.snmp_query): one read-only community given by the test, answering 127.0.0.1
only, on a free UDP port; its configuration, pid and persistent state in a folder of its own, so nothing of
/var/lib/snmp or /etc/snmp is read or written. Started in the foreground of its own process group and ended by pid.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from ports import end_recorded, free_port

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_LOCATION = "1.3.6.1.2.1.1.6.0"
LOCATION = "OSCC lab rack 1"
# Debian ships no IETF MIB files: without these every start logs "Cannot find module" per MIB (numeric OIDs only).
QUIET_MIBS = {"MIBS": "", "MIBDIRS": "/nonexistent"}


def available():
    return os.path.exists("/usr/sbin/snmpd") and shutil.which("snmpget") is not None


class Snmpd:
    def __init__(self, community, base=None):
        if base is None:
            base = tempfile.mkdtemp(prefix="oscc-lab-snmp-")
        self.base = os.path.abspath(str(base))
        self.community = community
        self.port = free_port(udp=True)
        self.process = None

    def _write_config(self):
        os.makedirs(os.path.join(self.base, "state"), exist_ok=True)
        with open(os.path.join(self.base, "snmpd.conf"), "w") as handle:
            handle.write(f"""[snmp] persistentDir {self.base}/state
agentAddress udp:127.0.0.1:{self.port}
rocommunity {self.community} 127.0.0.1
sysLocation {LOCATION}
""")

    def get(self, oid, community=None, timeout=1):
        """snmpget's answer (returncode, output): the check by hand that the peer is up."""
        probe = subprocess.run(["snmpget", "-v2c", "-c", community or self.community, "-t", str(timeout), "-r", "0",
                                f"127.0.0.1:{self.port}", oid], capture_output=True, text=True,
                               env={**os.environ, **QUIET_MIBS})
        return probe.returncode, probe.stdout + probe.stderr

    def start(self, timeout=20):
        self._write_config()
        with open(os.path.join(self.base, "snmpd.log"), "wb") as log:
            self.process = subprocess.Popen(
                ["/usr/sbin/snmpd", "-f", "-Lo", "-C", "-c", os.path.join(self.base, "snmpd.conf"),
                 "-p", os.path.join(self.base, "snmpd.pid")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, **QUIET_MIBS})
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            if self.get(SYS_LOCATION, timeout=1)[0] == 0:
                return self
            time.sleep(0.2)
        self.stop(keep=True)
        with open(os.path.join(self.base, "snmpd.log")) as handle:
            raise RuntimeError("snmpd did not answer: " + handle.read()[-2000:])

    def stop(self, keep=False):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)


def main():
    """For molecule: `start <base> <community>` runs snmpd and writes <base>/peer.json (port, pid);
    `stop <base>` ends it."""
    command, base = sys.argv[1], os.path.abspath(sys.argv[2])
    record = os.path.join(base, "peer.json")
    if command == "start":
        os.makedirs(base, exist_ok=True)
        peer = Snmpd(sys.argv[3], os.path.join(base, "snmpd")).start()
        with open(record, "w") as handle:
            json.dump({"port": peer.port, "pid": peer.process.pid}, handle)
    elif command == "stop":
        end_recorded(record, process_group=True)


if __name__ == "__main__":
    main()
