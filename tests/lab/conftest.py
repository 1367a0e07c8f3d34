import os
import subprocess

import labctl
import pytest


class SimHost:
    """One simulated Informix instance in a temporary directory."""

    def __init__(self, root, host="main", server="ol_main"):
        self.root, self.host, self.server = str(root), host, server
        self.paths = labctl.init_host(self.root, host, server)
        self.env = dict(os.environ, **labctl.environment(self.root, host, server))

    def run(self, *argv, stdin=b"", check=False):
        result = subprocess.run(list(argv), input=stdin, env=self.env, capture_output=True, check=check)
        result.out = result.stdout.decode(errors="replace")
        result.err = result.stderr.decode(errors="replace")
        return result

    def sql(self, statement):
        return self.run("dbaccess", "hppc", "-", stdin=statement.encode(), check=True)

    def data(self):
        return labctl.data(self.root, self.host)

    def set_onconfig(self, name, value):
        path = os.path.join(self.paths["informixdir"], "etc", f"ONCONFIG.{self.server}")
        lines = [ln for ln in open(path).read().splitlines() if ln.split()[:1] != [name]]
        lines.insert(1, f"{name} {value}")
        open(path, "w").write("\n".join(lines) + "\n")

    def faults(self, **faults):
        labctl.set_faults(self.root, self.host, self.server, faults)


@pytest.fixture
def sim(tmp_path):
    return SimHost(tmp_path / "lab")
