"""Each action plugin validates exactly the options its module documents: names, types, defaults,
choices, required, elements, no_log and suboptions (the plugins and the docs are kept by hand)."""
import importlib
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ACTIONS = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "action"))
                 if name.endswith(".py") and not name.startswith("_"))
COLLECTION = "ansible_collections.oscc.admin.plugins"
KEYS = ("type", "default", "choices", "required", "elements", "aliases")  # DOCUMENTATION has no no_log


def documented(module_name: str) -> dict:
    module = importlib.import_module(f"{COLLECTION}.modules.{module_name}")
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        if fragment.startswith("oscc.admin."):
            name = fragment.split(".")[2]
            shared = importlib.import_module(f"{COLLECTION}.doc_fragments.{name}").ModuleDocFragment.DOCUMENTATION
            options.update(yaml.safe_load(shared).get("options") or {})
    return options


def normal(spec: dict) -> dict:
    """An option as argument_spec and DOCUMENTATION both can say it, unset keys and their defaults dropped."""
    out = {}
    for name, option in spec.items():
        entry = {k: option[k] for k in KEYS if option.get(k) not in (None, False, [])}
        entry.setdefault("type", "str")
        if option.get("suboptions") or option.get("options"):
            entry["options"] = normal(option.get("suboptions") or option.get("options"))
        out[name] = entry
    return out


@pytest.mark.parametrize("name", ACTIONS)
def test_the_plugin_validates_what_its_module_documents(name):
    action = importlib.import_module(f"{COLLECTION}.action.{name}").ActionModule
    if not issubclass(action, importlib.import_module(f"{COLLECTION}.plugin_utils._host.action").OsccAction):
        pytest.skip(f"{name} validates through its module")
    spec = {**action.COMMON, **action.ARGSPEC}
    assert normal(spec) == normal(documented(name))
    secrets = [o for o in spec if any(word in o for word in ("password", "secret", "storepass"))
               and spec[o].get("type") != "bool"]  # a flag such as task_update_password holds no secret
    assert all(spec[o].get("no_log") for o in secrets), secrets


def test_every_plugin_on_the_seam_is_compared():
    base = importlib.import_module(f"{COLLECTION}.plugin_utils._host.action").OsccAction
    seam = [n for n in ACTIONS if issubclass(importlib.import_module(f"{COLLECTION}.action.{n}").ActionModule, base)]
    assert len(seam) >= 14, seam
