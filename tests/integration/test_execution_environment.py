"""execution-environment.yml is a valid ansible-builder v3 definition whose build context carries the pins: the base
image by its tag, ansible-core and ansible-runner at the versions the tests run, the pinned Python packages, and this
collection installed from its built tarball with its pinned dependency collections."""
import os
import re
import shutil
import subprocess

import pytest
import yaml
from test_build import ROOT


def pinned(requirements, name):
    found = re.search(rf"^{re.escape(name)}==([\w.]+)", requirements, re.MULTILINE)
    assert found, f"{name} is not pinned"
    return found[1]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """`ansible-builder create` as the definition's header says, with this checkout's collection tarball in dist/."""
    build = tmp_path_factory.mktemp("ee")
    for name in ("execution-environment.yml", "requirements-ee.txt", "requirements-ee.yml"):
        shutil.copy(f"{ROOT}/{name}", build)
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(build / "dist"), ROOT], check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    subprocess.run(["ansible-builder", "create", "-f", "execution-environment.yml",
                    "--output-filename", "Containerfile"], cwd=build, check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    return build / "context"


def test_the_containerfile_starts_from_the_tagged_base_image(context):
    containerfile = (context / "Containerfile").read_text()
    with open(f"{ROOT}/execution-environment.yml") as handle:
        image = yaml.safe_load(handle)["images"]["base_image"]["name"]
    assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), image
    assert f'ARG EE_BASE_IMAGE="{image}"' in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile


def test_ansible_core_and_runner_are_the_versions_the_tests_run(context):
    containerfile = (context / "Containerfile").read_text()
    with open(f"{ROOT}/requirements-dev.txt") as handle:
        tested = handle.read()
    refs = f"ansible-core=={pinned(tested, 'ansible-core')} ansible-runner=={pinned(tested, 'ansible-runner')}"
    assert f'ARG ANSIBLE_INSTALL_REFS="{refs}"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile


def test_the_python_packages_are_the_pinned_controller_side_ones(context):
    with open(f"{ROOT}/requirements-ee.txt") as handle:
        assert (context / "_build" / "requirements.txt").read_text() == handle.read()
    lines = [line.split("#")[0].strip() for line in (context / "_build" / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and "==" not in line] == []
    assert "pywinrm==" in (context / "_build" / "requirements.txt").read_text()


def test_the_collection_installs_from_its_tarball_with_pinned_dependencies(context, tmp_path):
    containerfile = (context / "Containerfile").read_text()
    assert "COPY _build/collections/ /build/collections/" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml " \
           '--collections-path "/usr/share/ansible/collections"' in containerfile
    collections = yaml.safe_load((context / "_build" / "requirements.yml").read_text())["collections"]
    tarballs = [c["name"] for c in collections if c.get("type") == "file"]
    assert tarballs == ["/build/collections/oscc-admin-0.1.0.tar.gz"]
    assert [c["name"] for c in collections if c.get("type") != "file" and not c["version"].startswith("==")] == []
    # The build's install step, without Galaxy: the tarball it copies in installs as this collection.
    local = [{"name": str(context / "_build" / "collections" / tarballs[0].rsplit("/", 1)[1]), "type": "file"}]
    (tmp_path / "requirements.yml").write_text(yaml.safe_dump({"collections": local}))
    # As in the image: no other copy on the collections path (here the lab's link to this checkout would count).
    alone = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "colls"))
    subprocess.run(["ansible-galaxy", "collection", "install", "--offline", "--no-deps", "-r",
                    str(tmp_path / "requirements.yml"), "--collections-path", str(tmp_path / "colls")], check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, env=alone)
    installed = tmp_path / "colls" / "ansible_collections" / "oscc" / "admin"
    assert (installed / "playbooks" / "backup.yml").is_file()
    assert '"version": "0.1.0"' in (installed / "MANIFEST.json").read_text()


def test_nothing_in_the_build_context_floats_on_latest(context):
    for path in [context / "Containerfile", *(context / "_build").glob("*.*")]:
        assert "latest" not in path.read_text(), path
