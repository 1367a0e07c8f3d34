"""A real Tomcat 10 (Debian packages tomcat10, tomcat10-admin) on loopback, without systemd (test peer).

Each peer gets its own CATALINA_BASE: a connector on 127.0.0.1 at a free port, the package's
web.xml (MIME types, default servlet), the manager application with one manager-script user,
and no shutdown port: the process group is stopped with a signal.
"""
import base64
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

from ports import free_port

CATALINA_HOME = "/usr/share/tomcat10"
PACKAGE_CONF = os.path.join(CATALINA_HOME, "etc")
MANAGER_APP = "/usr/share/tomcat10-admin/manager"
USER, PASSWORD = "oscc-deployer", "lab-manager-secret"

SERVER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector address="127.0.0.1" port="{port}" protocol="HTTP/1.1" connectionTimeout="20000"/>
    <Engine name="Catalina" defaultHost="localhost">
      <Realm className="org.apache.catalina.realm.MemoryRealm" pathname="conf/tomcat-users.xml"/>
      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
    </Engine>
  </Service>
</Server>
"""
USERS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<tomcat-users>
  <role rolename="manager-script"/>
  <user username="{user}" password="{password}" roles="manager-script"/>
</tomcat-users>
"""
MANAGER_XML = '<Context path="/manager" docBase="{app}" antiResourceLocking="false" privileged="true"/>\n'


def available():
    return os.path.exists(os.path.join(CATALINA_HOME, "bin", "catalina.sh")) and os.path.isdir(MANAGER_APP)


class Tomcat:
    def __init__(self, base):
        self.base = os.path.abspath(str(base))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.manager_url = f"{self.url}/manager/text"
        self.app_base = os.path.join(self.base, "webapps")
        self.process = None

    def _write(self, relative, text):
        path = os.path.join(self.base, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)

    def start(self, timeout=60):
        for sub in ("conf", "webapps", "logs", "temp", "work"):
            os.makedirs(os.path.join(self.base, sub), exist_ok=True)
        for name in ("web.xml", "catalina.properties", "context.xml", "logging.properties"):
            shutil.copy(os.path.join(PACKAGE_CONF, name), os.path.join(self.base, "conf", name))
        self._write("conf/server.xml", SERVER_XML.format(port=self.port))
        self._write("conf/tomcat-users.xml", USERS_XML.format(user=USER, password=PASSWORD))
        self._write("conf/Catalina/localhost/manager.xml", MANAGER_XML.format(app=MANAGER_APP))
        env = dict(os.environ, CATALINA_HOME=CATALINA_HOME, CATALINA_BASE=self.base,
                   CATALINA_TMPDIR=os.path.join(self.base, "temp"),
                   JAVA_OPTS="-Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.security.egd=file:/dev/urandom")
        with open(os.path.join(self.base, "logs", "console.log"), "wb") as log:
            # Output goes to a file: a daemon holding the caller's pipe would hang it.
            self.process = subprocess.Popen([os.path.join(CATALINA_HOME, "bin", "catalina.sh"), "run"], env=env,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Tomcat exited with {self.process.returncode}: {self.console()[-2000:]}")
            try:
                if self.manager("serverinfo").startswith("OK"):
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Tomcat did not answer within {timeout}s: {self.console()[-2000:]}")

    def console(self):
        with open(os.path.join(self.base, "logs", "console.log"), errors="replace") as handle:
            return handle.read()

    def manager(self, command):
        request = urllib.request.Request(f"{self.manager_url}/{command}")
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read().decode()

    def get(self, path):
        """(status, body) of a GET on the connector."""
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
