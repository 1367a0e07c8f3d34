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
SUBJECTS = ("_informix", "_replication", "_web", "_mail", "_cluster", "_snmp", "_formats")
# Every module of plugin_utils says in its header whether it is PURE (data in, data out, no I/O) or reaches the HOST.
KIND = re.compile(r"^# (PURE|HOST): ", re.M)
ARROW = "→"
BESIDE = "+"


def module_name(path: str) -> str:
    return PACKAGE + path[:-3].replace(os.sep, ".").removesuffix(".__init__")


def is_ours(dotted: str) -> bool:
    """A module or package of this collection (not a name inside one)."""
    if not dotted.startswith(PACKAGE):
        return False
    path = os.path.join(ROOT, *dotted[len(PACKAGE):].split("."))
    return os.path.isfile(path + ".py") or os.path.isdir(path)


def imported(path: str) -> set[str]:
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return imported_by(handle.read(), module_name(path))


def _absolute(node: ast.ImportFrom, module: str) -> str:
    """The module an ImportFrom names, its dots (from . import x, from ..y import z) resolved against `module`."""
    if not node.level:
        return node.module
    base = module.split(".")[: -node.level]
    return ".".join(base + ([node.module] if node.module else []))


def imported_by(source: str, module: str = PACKAGE + "plugins.plugin_utils._informix.source") -> set[str]:
    """Every module a source imports. `from X import y` counts as X.y when that is a module or package of ours
    (y may be one), else as X; relative imports are resolved against the source's own module name."""
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            where = _absolute(node, module)
            for alias in node.names:
                found.add(f"{where}.{alias.name}" if is_ours(f"{where}.{alias.name}") else where)
    return found


def dynamic_imports(source: str) -> list[str]:
    """Calls that import by name at run time (importlib.import_module, __import__): no static rule sees them."""
    calls = [node.func for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    names = [getattr(func, "attr", None) or getattr(func, "id", None) for func in calls]
    return [name for name in names if name in ("import_module", "__import__")]


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


# A pure module that imports by name at run time, and why that import cannot reach the host.
DYNAMIC_IMPORTS = {os.path.join(UTILS, "_host", "options.py"): "reads the modules' DOCUMENTATION and doc fragments"}


@functools.cache
def utils_packages() -> set[str]:
    return {PACKAGE + "plugins.plugin_utils." + p for p in os.listdir(os.path.join(ROOT, UTILS))}


def forbidden_for_pure(name: str) -> bool:
    """What a pure module must not import: a host module, an action plugin or the action layer, or a package of
    plugin_utils as an object (its host modules would be one attribute away)."""
    return (name in host_modules() or name in utils_packages() or name.startswith("ansible.plugins.action")
            or name.startswith(PACKAGE + "plugins.action"))


def host_reached(source: str, path: str = os.path.join(UTILS, "_informix", "forged.py")) -> list[str]:
    reached = sorted(name for name in imported_by(source, module_name(path)) if forbidden_for_pure(name))
    if path not in DYNAMIC_IMPORTS:
        reached += dynamic_imports(source)
    return reached


@pytest.mark.parametrize("path", pure_modules())
def test_a_pure_module_never_reaches_the_host(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        reached = host_reached(handle.read(), path)
    assert reached == [], f"{path} is pure (docs/architecture.md) but imports {reached}"


@pytest.mark.parametrize("line", [
    "from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import Target",
    "from ansible_collections.oscc.admin.plugins.plugin_utils._informix import host",
    "from ansible.plugins.action import ActionBase",
    "from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup import run_backup",
    "from . import host",
    "from .host import Informix",
    "from .._host import target",
    "from .._host.target import Target",
    "from ansible_collections.oscc.admin.plugins.plugin_utils import _host",
    "from ...action import informix_backup",
    "from ansible_collections.oscc.admin.plugins.action.informix_backup import ActionModule",
    "import ansible_collections.oscc.admin.plugins.plugin_utils._host.target",
    "import ansible.plugins.action.normal",
    "importlib.import_module('ansible_collections.oscc.admin.plugins.plugin_utils._host.target')",
    "__import__('ansible_collections.oscc.admin.plugins.plugin_utils._informix.host')",
    "def later():\n    from . import lock",
])
def test_the_pure_rule_catches_a_planner_that_reaches_the_host(line):
    with open(os.path.join(ROOT, UTILS, "_informix", "archives.py"), encoding="utf-8") as handle:
        forged = line + "\n" + handle.read()
    assert host_reached(forged) != [], line


@pytest.mark.parametrize("line", [
    "from . import parse",
    "from .._host import batch",
    "from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import RETURN",
])
def test_the_pure_rule_lets_a_planner_use_pure_modules(line):
    assert host_reached(line + "\n") == [], line


def test_the_action_base_imports_no_subject():
    base = os.path.join(UTILS, "_host", "action.py")
    subjects = sorted(name for name in imported(base) for subject in SUBJECTS
                      if f".plugin_utils.{subject}" in name)
    assert subjects == []


# ---------------------------------------------------------------- the paths drawn in docs/architecture.md
def drawn_paths() -> dict[str, dict[str, list[str]]]:
    """Each path of the architecture page: a title line, then one file per line, each after the first marked →
    (the chain), and the pure modules the action plugin plans with, marked + (beside the chain)."""
    with open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8") as handle:
        text = handle.read()
    paths = {}
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        title = None
        for line in block.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith(BESIDE):
                paths[title]["beside"].append(stripped.lstrip(BESIDE).split()[0])
            elif stripped.startswith(ARROW) or stripped.startswith(("playbooks/", "roles/", "plugins/")):
                paths[title]["chain"].append(stripped.lstrip(ARROW).split()[0])
            else:
                title = stripped
                paths[title] = {"chain": [], "beside": []}
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
    drawn = " ".join(" ".join(path["chain"] + path["beside"]) for path in PATHS.values())
    assert all(f"plugin_utils/{subject}/" in drawn for subject in SUBJECTS if subject != "_formats"), PATHS


@pytest.mark.parametrize("title", sorted(PATHS))
def test_each_drawn_path_is_true(title):
    chain, beside = PATHS[title]["chain"], PATHS[title]["beside"]
    missing = [f for f in chain + beside if not os.path.isfile(os.path.join(ROOT, f))]
    assert missing == [], f"{title}: no such file"
    for earlier, later in zip(chain, chain[1:]):
        assert reaches(earlier, later), f"{title}: {earlier} does not reach {later}"
    action = next(f for f in chain if f.startswith("plugins/action/"))
    for planner in beside:
        assert module_name(planner) in imported(action), f"{title}: {action} does not plan with {planner}"
        assert kind_of(planner) == ["PURE"], f"{title}: {planner} is drawn beside the path but is not pure"


@pytest.mark.parametrize("title", sorted(PATHS))
def test_from_action_to_executor_in_at_most_five_files(title):
    chain = PATHS[title]["chain"]
    start = next(i for i, f in enumerate(chain) if f.startswith("plugins/action/"))
    ours = chain[start:] + PATHS[title]["beside"]
    assert chain[-1].startswith(os.path.join(UTILS, "_host", "executor")), f"{title} does not end at the executor"
    assert len(ours) <= 5, f"{title}: {len(ours)} files from the action plugin to the executor"


def test_a_path_that_skips_a_hop_is_refused():
    """The chain rule itself can fail: a drawn arrow between files that do not import each other."""
    planner, runner = os.path.join(UTILS, "_informix", "backup_plan.py"), os.path.join(UTILS, "_informix", "backup.py")
    assert not reaches(planner, runner)
    assert reaches(runner, os.path.join(UTILS, "_host", "target.py"))
