"""The execution environment's pins stay in step with what the collection declares and what the tests run:
requirements-ee.txt pins every package of requirements.txt within its range, agrees with every other pin of this
repository, and execution-environment.yml / requirements-ee.yml pin the cores and collections the tests use."""
import os
import re

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(name):
    with open(os.path.join(ROOT, name)) as handle:
        return handle.read()


def requirements(name):
    """{canonical name: Requirement} of a pip requirements file."""
    found = {}
    for line in read(name).splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement
    return found


def exact(requirement):
    (specifier,) = requirement.specifier
    assert specifier.operator == "==", requirement
    return specifier.version


def test_every_ee_package_is_pinned_exactly():
    assert [str(r) for r in requirements("requirements-ee.txt").values() if len(r.specifier) != 1
            or next(iter(r.specifier)).operator != "=="] == []


def test_every_controller_package_is_in_the_ee_within_its_range_and_extras():
    pins = requirements("requirements-ee.txt")
    for name, wanted in requirements("requirements.txt").items():
        assert name in pins, f"requirements.txt's {name} is missing from requirements-ee.txt"
        assert wanted.specifier.contains(exact(pins[name])), (str(wanted), str(pins[name]))
        assert pins[name].extras == wanted.extras, (str(wanted), str(pins[name]))


def test_the_ee_pins_agree_with_the_versions_the_tests_run():
    pins = requirements("requirements-ee.txt")
    for other in ("requirements-dev.txt", "requirements-oldcore.txt"):
        for name, requirement in requirements(other).items():
            if name in pins:
                assert exact(pins[name]) == exact(requirement), (other, str(requirement), str(pins[name]))


def test_the_definition_pins_the_base_image_tag_and_the_tested_core_and_runner():
    definition = yaml.safe_load(read("execution-environment.yml"))
    image = definition["images"]["base_image"]["name"]
    assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), image
    tested = requirements("requirements-dev.txt")
    for key, package in (("ansible_core", "ansible-core"), ("ansible_runner", "ansible-runner")):
        assert definition["dependencies"][key]["package_pip"] == f"{package}=={exact(tested[package])}"
    assert definition["dependencies"]["python"] == "requirements-ee.txt"
    assert definition["dependencies"]["galaxy"] == "requirements-ee.yml"
    assert "latest" not in read("execution-environment.yml")


def test_the_ee_collections_are_pinned_within_the_declared_ranges_with_this_versions_tarball():
    declared = yaml.safe_load(read("galaxy.yml"))
    collections = yaml.safe_load(read("requirements-ee.yml"))["collections"]
    from_galaxy = {c["name"]: c["version"] for c in collections if c.get("type") != "file"}
    assert set(from_galaxy) == set(declared["dependencies"])
    for name, version in from_galaxy.items():
        assert version.startswith("=="), (name, version)
        assert SpecifierSet(declared["dependencies"][name]).contains(version[2:]), (name, version)
    tarballs = [c["name"] for c in collections if c.get("type") == "file"]
    assert tarballs == [f"/build/collections/{declared['namespace']}-{declared['name']}-{declared['version']}.tar.gz"]


def test_the_ee_collections_are_the_versions_the_lab_runs():
    # scripts/setup unpacks the dependency collections from the pinned `ansible` package; their MANIFESTs say which.
    collections = yaml.safe_load(read("requirements-ee.yml"))["collections"]
    for entry in collections:
        if entry.get("type") == "file":
            continue
        namespace, name = entry["name"].split(".")
        manifest = os.path.join(ROOT, ".collections", "ansible_collections", namespace, name, "MANIFEST.json")
        with open(manifest) as handle:
            assert f'"version": "{entry["version"][2:]}"' in handle.read(), entry
