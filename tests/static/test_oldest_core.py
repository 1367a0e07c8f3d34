"""The ansible-core the collection claims (meta/runtime.yml's requires_ansible) is the one scripts/test runs its
oldest-core stage with (requirements-oldcore.txt), and that stage is part of scripts/test."""
import os
import pathlib
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return handle.read()


def claimed_floor():
    """requires_ansible's lower bound as (major, minor): '>=2.17.0' -> (2, 17)."""
    claim = yaml.safe_load(read("meta", "runtime.yml"))["requires_ansible"]
    found = re.fullmatch(r">=\s*(\d+)\.(\d+)(?:\.\d+)?(?:\s*,\s*<\s*[\d.]+)?", claim)
    assert found, f"requires_ansible {claim!r} has no >= lower bound"
    return int(found[1]), int(found[2])


def pinned_old_core():
    found = re.search(r"^ansible-core==(\d+)\.(\d+)\.(\d+)$", read("requirements-oldcore.txt"), re.MULTILINE)
    assert found, "requirements-oldcore.txt pins no ansible-core"
    return int(found[1]), int(found[2])


def test_the_oldest_core_tested_is_the_oldest_claimed():
    assert pinned_old_core() == claimed_floor()


def test_the_readme_names_the_oldest_core_claimed():
    major, minor = claimed_floor()
    assert f"ansible-core {major}.{minor}" in read("README.md")


def test_scripts_test_runs_the_oldest_core_stage_after_pytest_and_before_molecule():
    script = read("scripts", "test")
    stages = re.findall(r"^stage ([\w-]+) ", script, re.MULTILINE)
    assert stages.index("pytest") < stages.index("oldest-core") < stages.index("molecule"), stages
    assert re.search(r"^scripts/test-oldcore\b", script, re.MULTILINE)


def test_every_pin_is_exact():
    lines = [line.split("#")[0].strip() for line in read("requirements-oldcore.txt").splitlines()]
    assert [line for line in lines if line and not re.fullmatch(r"[\w.-]+==[\w.]+", line)] == []


def test_tests_take_the_module_args_helper_that_every_claimed_core_has():
    # ansible.module_utils.testing exists from ansible-core 2.19 only; tests/lab/module_args.py covers the older cores
    tests = pathlib.Path(ROOT, "tests")
    needle = "from ansible.module_utils." + "testing import"
    direct = [str(path.relative_to(tests)) for path in tests.rglob("*.py") if path.name != "module_args.py"
              and needle in path.read_text(encoding="utf-8")]
    assert direct == []


def test_the_old_core_venv_has_every_python_requirement_of_the_main_one_it_tests():
    pinned = {re.split(r"[=<>\[]", line)[0].lower().replace("_", "-")
              for line in read("requirements-oldcore.txt").splitlines() if line.strip() and not line.startswith("#")}
    needed = {"google-auth", "python-dateutil", "ldap3", "pytest", "pytest-xdist"}
    assert needed - pinned == set()
