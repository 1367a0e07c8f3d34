"""The layers of docs/architecture.md, held true: each drawn path is a chain of real imports, a verified backup
is followed in at most five files of ours from its action plugin to the executor, pure modules never reach the
host, and the action base knows no subject."""
import ast
import functools
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UTILS = os.path.join("plugins", "plugin_utils")
PACKAGE = "ansible_collections.oscc.admin."
SUBJECTS = ("_informix", "_replication", "_web", "_mail", "_formats")
# Every module of plugin_utils says in its header whether it is PURE (data in, data out, no I/O) or reaches the HOST.
KIND = re.compile(r"^# (PURE|HOST): ", re.M)
ARROW = "→"


def module_name(path: str) -> str:
    return PACKAGE + path[:-3].replace(os.sep, ".")


def imported(path: str) -> set[str]:
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return imported_by(handle.read())


def imported_by(source: str) -> set[str]:
    """Every module a source imports: `from X import y` counts as X and as X.y (y may be a module)."""
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def python_files(folder: str) -> list[str]:
    found = []
    for here, _dirs, files in os.walk(os.path.join(ROOT, folder)):
        found += [os.path.relpath(os.path.join(here, f), ROOT) for f in files if f.endswith(".py")]
    return sorted(found)


def kind_of(path: str) -> list[str]:
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return KIND.findall(handle.read())


@functools.cache
def modules() -> list[str]:
    return [p for p in python_files(UTILS) if not p.endswith("__init__.py")]


@functools.cache
def pure_modules() -> list[str]:
    return [p for p in modules() if kind_of(p) == ["PURE"]]


@functools.cache
def host_modules() -> set[str]:
    return {module_name(p) for p in modules() if kind_of(p) == ["HOST"]}


@pytest.mark.parametrize("path", modules())
def test_each_module_says_whether_it_is_pure_or_reaches_the_host(path):
    assert len(kind_of(path)) == 1, f"{path}: one header line '# PURE: ...' or '# HOST: ...'"


def test_plugin_utils_holds_only_packages():
    top = sorted(os.listdir(os.path.join(ROOT, UTILS)))
    loose = [name for name in top if name != "__init__.py" and name != "__pycache__"
             and not os.path.isdir(os.path.join(ROOT, UTILS, name))]
    assert loose == []


def host_reached(source: str) -> list[str]:
    return sorted(name for name in imported_by(source) if name == "ansible.plugins.action" or name in host_modules())


@pytest.mark.parametrize("path", pure_modules())
def test_a_pure_module_never_reaches_the_host(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        reached = host_reached(handle.read())
    assert reached == [], f"{path} is pure (docs/architecture.md) but imports {reached}"


@pytest.mark.parametrize("line", [
    "from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import Target",
    "from ansible_collections.oscc.admin.plugins.plugin_utils._informix import host",
    "from ansible.plugins.action import ActionBase",
    "from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup import run_backup",
])
def test_the_pure_rule_catches_a_planner_that_reaches_the_host(line):
    with open(os.path.join(ROOT, UTILS, "_informix", "archives.py"), encoding="utf-8") as handle:
        forged = line + "\n" + handle.read()
    assert host_reached(forged) != []


def test_the_action_base_imports_no_subject():
    base = os.path.join(UTILS, "_host", "action.py")
    subjects = sorted(name for name in imported(base) for subject in SUBJECTS
                      if f".plugin_utils.{subject}" in name)
    assert subjects == []


# ---------------------------------------------------------------- the paths drawn in docs/architecture.md
def drawn_paths() -> dict[str, list[str]]:
    """Each path of the architecture page: a title line, then one file per line, each after the first marked →."""
    with open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8") as handle:
        text = handle.read()
    paths = {}
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        title = None
        for line in block.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith(ARROW) or stripped.startswith(("playbooks/", "roles/", "plugins/")):
                paths.setdefault(title, []).append(stripped.lstrip(ARROW).split()[0])
            else:
                title = stripped
    return paths


def reaches(earlier: str, later: str) -> bool:
    """One hop: a playbook uses the role; a role's tasks include a file or call the module; Python imports the
    module; the Target seam names the executor it sends."""
    with open(os.path.join(ROOT, earlier), encoding="utf-8") as handle:
        text = handle.read()
    if earlier.startswith("playbooks/") and later.startswith("roles/"):
        return f"oscc.admin.{later.split('/')[1]}" in text
    if earlier.startswith("roles/") and later.startswith("roles/"):
        return os.path.basename(later) in text
    if earlier.startswith("roles/") and later.startswith("plugins/action/"):
        return re.search(rf"^\s*oscc\.admin\.{os.path.basename(later)[:-3]}:", text, re.M) is not None
    if earlier.endswith(".py") and later.endswith(".py"):
        return module_name(later) in imported(earlier)
    if earlier.endswith("target.py") and later.startswith(os.path.join(UTILS, "_host", "executor")):
        return f'"{os.path.basename(later)}"' in text
    return False


PATHS = drawn_paths()


def test_the_architecture_page_draws_a_path_for_each_subject():
    drawn = " ".join(" ".join(files) for files in PATHS.values())
    assert all(f"plugin_utils/{subject}/" in drawn for subject in SUBJECTS if subject != "_formats"), PATHS


@pytest.mark.parametrize("title", sorted(PATHS))
def test_each_drawn_path_is_true(title):
    files = PATHS[title]
    missing = [f for f in files if not os.path.isfile(os.path.join(ROOT, f))]
    assert missing == [], f"{title}: no such file"
    for index, later in enumerate(files[1:], start=1):
        assert any(reaches(earlier, later) for earlier in files[:index]), \
            f"{title}: nothing before {later} reaches it"


@pytest.mark.parametrize("title", sorted(PATHS))
def test_from_action_to_executor_in_at_most_five_files(title):
    files = PATHS[title]
    start = next(i for i, f in enumerate(files) if f.startswith("plugins/action/"))
    ours = [f for f in files[start:] if f.startswith("plugins/")]
    assert ours[-1].startswith(os.path.join(UTILS, "_host", "executor")), f"{title} does not end at the executor"
    assert len(ours) <= 5, f"{title}: {len(ours)} files from the action plugin to the executor"
