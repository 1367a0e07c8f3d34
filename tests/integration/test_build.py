"""The built collection carries the product and none of the lab."""
import os
import subprocess
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_tarball_has_plugins_roles_playbooks_and_no_lab(tmp_path):
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), ROOT], check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    (tarball,) = tmp_path.glob("oscc-admin-*.tar.gz")
    names = tarfile.open(tarball).getnames()
    for wanted in ("plugins/action/informix_backup.py", "plugins/modules/informix_restore.py",
                   "plugins/plugin_utils/_host/executor_posix.py", "plugins/plugin_utils/_host/executor.ps1",
                   "roles/informix_backup/tasks/main.yml",
                   "playbooks/backup.yml", "meta/runtime.yml"):
        assert wanted in names, wanted
    leaked = [n for n in names if "lab" in n.split("/") or "ifxsim" in n or n.startswith(("tests/integration", ".lab"))]
    assert leaked == []
