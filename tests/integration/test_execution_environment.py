"""execution-environment.yml is a valid ansible-builder v3 definition that installs this collection."""
import shutil
import subprocess

from test_build import ROOT


def test_ansible_builder_creates_a_context(tmp_path):
    for name in ("execution-environment.yml", "requirements.txt", "requirements.yml"):
        shutil.copy(f"{ROOT}/{name}", tmp_path)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "oscc-admin-0.1.0.tar.gz").write_bytes(b"")
    subprocess.run(["ansible-builder", "create", "-f", "execution-environment.yml",
                    "--output-filename", "Containerfile"], cwd=tmp_path, check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    assert "ansible-galaxy collection install --no-deps /tmp/oscc-dist/" in containerfile
    assert (tmp_path / "context" / "_build" / "requirements.txt").read_text().startswith("# Controller-side")
