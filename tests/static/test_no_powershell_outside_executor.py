"""No PowerShell outside executor.ps1: no other PowerShell file under plugins/, and no Python string under plugins/
that names another .ps1 script or holds script text ($args, foreach (...)) a host would run."""
import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(ROOT, "plugins")
EXECUTOR = os.path.join("plugins", "plugin_utils", "_host", "executor.ps1")
# The names executor.ps1 has on a host: its own, and the copy the scheduled tasks run (scheduled_task.SCRIPT_NAME).
EXECUTOR_NAMES = {"executor.ps1", "oscc-executor.ps1"}
SCRIPT_NAME = re.compile(r"[\w.-]*\.ps1\b", re.IGNORECASE)
SCRIPT_TEXT = re.compile(r"\$args\b|\bforeach\s*\(", re.IGNORECASE)
# What plugins/plugin_utils/_host/selftest.py wrote before (its argument echo): the test below must flag it.
OLD_SELFTEST = '''SCRIPTS = {
    "windows": {
        "echo": ("echo-args.ps1", "foreach ($argument in $args) { [Console]::Out.WriteLine($argument) }\\r\\n"),
    },
}
'''


def powershell_problems(source: str) -> list:
    """The Python string literals of a source that name a .ps1 script other than the executor or hold script text."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        named = [name for name in SCRIPT_NAME.findall(node.value) if name.lower() not in EXECUTOR_NAMES]
        problems += [f"line {node.lineno}: a PowerShell script {name!r}" for name in named]
        problems += [f"line {node.lineno}: PowerShell text {m!r}" for m in SCRIPT_TEXT.findall(node.value)]
    return problems


def plugin_files():
    for folder, _dirs, names in os.walk(PLUGINS):
        for name in names:
            yield os.path.relpath(os.path.join(folder, name), ROOT)


def test_executor_ps1_is_the_only_powershell_file_under_plugins():
    scripts = [path for path in plugin_files() if path.lower().endswith((".ps1", ".psm1", ".psd1"))]
    assert scripts == [EXECUTOR]


def test_no_python_string_under_plugins_holds_powershell():
    found = {}
    for path in plugin_files():
        if path.endswith(".py"):
            with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
                problems = powershell_problems(handle.read())
            if problems:
                found[path] = problems
    assert found == {}


@pytest.mark.parametrize("source, expected", [
    (OLD_SELFTEST, ["line 3: a PowerShell script 'echo-args.ps1'", "line 3: PowerShell text 'foreach ('",
                    "line 3: PowerShell text '$args'"]),
    ('name = f"{stem}.ps1"\n', ["line 1: a PowerShell script '.ps1'"]),  # a name made up at run time
    ('path = "C:\\\\x\\\\oscc-executor.ps1"\nhelp = "run executor.ps1"\n# foreach ($a in $args)\n', []),
])
def test_the_check_flags_a_script_but_not_the_executor_or_a_comment(source, expected):
    assert powershell_problems(source) == expected
