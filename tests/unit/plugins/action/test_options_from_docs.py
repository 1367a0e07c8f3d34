"""Every option is written once, in its module's DOCUMENTATION: the action plugins build their argument spec
from it (with its fragments), declare only the rules between options, and a new documented option reaches the
planner with no other edit."""
import importlib
import inspect
import os
import types

import pytest
import yaml
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import action as base
from ansible_collections.oscc.admin.plugins.plugin_utils._host import options
from ansible_collections.oscc.admin.plugins.plugin_utils._mail import domino, exchange
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import cdr as rep
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import preflight as pf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ACTIONS = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "action"))
                 if name.endswith(".py") and not name.startswith("_"))
COLLECTION = "ansible_collections.oscc.admin.plugins"


def plugin(name):
    return importlib.import_module(f"{COLLECTION}.action.{name}")


def spec_of(name) -> dict:
    return options.documented_spec(f"{COLLECTION}.action.{name}")


def looks_like_options(value) -> bool:
    """A dict of option dicts, as an argument spec writes them."""
    return isinstance(value, dict) and bool(value) and all(
        isinstance(option, dict) and ("type" in option or "required" in option) for option in value.values())


@pytest.fixture
def fresh_specs():
    options.module_spec.cache_clear()
    yield
    options.module_spec.cache_clear()


@pytest.mark.parametrize("name", ACTIONS)
def test_no_plugin_writes_an_option_down_again(name):
    module = plugin(name)
    action = module.ActionModule
    assert issubclass(action, base.OsccAction)
    # the plugin's module, its class and every base of ours between it and OsccAction
    owners = [module] + [cls for cls in action.__mro__ if cls.__module__.startswith(COLLECTION)]
    owners += [inspect.getmodule(cls) for cls in owners[1:]]
    found = [f"{getattr(owner, '__name__', owner)}.{attribute}" for owner in owners
             for attribute, value in vars(owner).items() if looks_like_options(value)]
    assert found == []
    assert not hasattr(action, "ARGSPEC") and not hasattr(action, "COMMON")


@pytest.mark.parametrize("name", ACTIONS)
def test_the_rules_name_only_documented_options(name):
    rules = plugin(name).ActionModule.RULES
    assert set(rules) <= set(options.RULE_KINDS)
    documented = set(spec_of(name))
    named = set()
    for kind, rule in rules.items():
        if kind == "required_by":
            named |= set(rule) | {option for needed in rule.values() for option in needed}
        elif kind == "required_if":
            named |= {option for key, _value, needed, *_any in rule for option in (key, *needed)}
        else:
            named |= {option for group in rule for option in group}
    assert named <= documented, named - documented


@pytest.mark.parametrize("name", ACTIONS)
def test_every_secret_is_kept_out_of_the_log(name):
    spec = spec_of(name)
    secrets = [o for o in spec if any(word in o for word in ("password", "secret", "storepass"))
               and spec[o].get("type") != "bool"]  # a flag such as task_update_password holds no secret
    assert all(spec[o].get("no_log") for o in secrets), secrets


def test_the_converter_carries_every_key_over_and_merges_fragments():
    doc = yaml.safe_load("""
extends_documentation_fragment:
  - oscc.admin.informix
  - oscc.admin.informix_location
  - oscc.admin.informix_location.onconfig
  - oscc.admin.action
  - ansible.builtin.action_common_attributes.flow
options:
  level: {description: [x], type: int, choices: [0, 1, 2], default: 0, aliases: [archive_level]}
  keystore_password: {description: [x], type: str, required: true}
  task_update_password: {description: [x], type: bool, default: false}
  services: {description: [the doc's own], default: [one]}
  schedules:
    description: [x]
    type: list
    elements: dict
    suboptions:
      time: {description: [x], type: str, required: true}
""")
    spec = options.argument_spec(options.documented_options(doc))
    assert spec["level"] == {"type": "int", "choices": [0, 1, 2], "default": 0, "aliases": ["archive_level"]}
    assert spec["keystore_password"] == {"type": "str", "required": True, "no_log": True}
    assert spec["task_update_password"] == {"type": "bool", "default": False}
    schedule_options = {"time": {"type": "str", "required": True}}
    assert spec["schedules"] == {"type": "list", "elements": "dict", "options": schedule_options}
    assert spec["informixdir"] == {"type": "str"}  # from the fragment
    assert spec["onconfig"] == {"type": "str"}  # from the fragment's variant
    assert spec["services"] == {"type": "list", "elements": "str", "default": ["one"]}  # the doc's key wins


def test_a_plugin_spec_is_built_once(fresh_specs):
    first = spec_of("informix_backup")
    assert spec_of("informix_backup") is first
    assert "informixdir" in first and first["destination"]["required"]


# The planners' own constants and what the docs say of them agree (the docs are the options' one source).
CONSTANTS = [
    ("exchange_prepare", "imap_budget", "default", exchange.MIN_IMAP_BUDGET),
    ("domino_prepare", "settings", "default", domino.REQUIRED),
    ("replication_preflight", "hosts_equiv_path", "default", pf.HOSTS_EQUIV),
    ("replication_preflight", "checks", "choices", list(pf.CHECKS)),
    ("replication_preflight", "checks", "default", list(pf.CHECKS)),
    ("replication", "scope", "choices", list(rep.SCOPES)),
    ("replication", "state", "choices", list(rep.STATES)),
    ("replication", "sync", "choices", list(rep.SYNCS)),
    ("replication", "oscc_dir", "default", rep.DEFAULT_OSCC_DIR),
    ("replication_info", "scope", "choices", list(rep.SCOPES)),
]


@pytest.mark.parametrize("name,option,key,value", CONSTANTS)
def test_the_docs_name_the_planners_constants(name, option, key, value):
    assert spec_of(name)[option][key] == value


# ---------------------------------------------------------------- a new documented option reaches the planner
NEW_OPTION = """
  compression:
    description:
      - An option added to the doc only, for this test.
    type: str
    choices: [none, gzip]
    default: none
"""


def with_a_new_option(monkeypatch, where: str) -> None:
    """The option added to informix_backup's own DOCUMENTATION, or to the fragment it shares with the schedule."""
    if where == "module":
        docs = importlib.import_module(f"{COLLECTION}.modules.informix_backup")
    else:
        docs = importlib.import_module(f"{COLLECTION}.doc_fragments.informix_backup").ModuleDocFragment
    with_option = docs.DOCUMENTATION.replace("\noptions:\n", "\noptions:" + NEW_OPTION, 1)
    assert with_option != docs.DOCUMENTATION
    monkeypatch.setattr(docs, "DOCUMENTATION", with_option)
    options.module_spec.cache_clear()  # the specs are built again from the changed docs


@pytest.fixture(params=["module", "fragment"])
def backup_with_a_new_option(request, monkeypatch, fresh_specs, host):
    """informix_backup whose DOCUMENTATION (its own, or the shared fragment) gained an option, and whose planner
    records the args it is given."""
    with_a_new_option(monkeypatch, request.param)
    module = plugin("informix_backup")
    planned = []

    def plan_backup(args, probe, inventory_hostname, **_signing):
        planned.append(dict(args))
        raise AnsibleActionFail("planned")  # the planner got its args; nothing of the host is needed beyond that

    monkeypatch.setattr(module, "plan_backup", plan_backup)
    monkeypatch.setattr(module, "own_records", lambda probe: [])
    monkeypatch.setattr(module.ActionModule, "probe",
                        lambda self, target, args, destination=None, trust=None: types.SimpleNamespace(lock=None))
    return host, module.ActionModule, planned


def test_a_new_documented_option_reaches_the_planner_with_no_other_edit(backup_with_a_new_option):
    host, action, planned = backup_with_a_new_option
    defaulted = host.run(action, {"destination": "/backups"})
    given = host.run(action, {"destination": "/backups", "compression": "gzip"})
    assert defaulted["msg"] == given["msg"] == "planned"
    assert [args["compression"] for args in planned] == ["none", "gzip"]
    with pytest.raises(AnsibleActionFail, match="value of compression must be one of"):
        host.run(action, {"destination": "/backups", "compression": "zip"})


def test_a_new_shared_option_reaches_the_schedules_backup_arguments(monkeypatch, fresh_specs, host):
    with_a_new_option(monkeypatch, "fragment")
    module = plugin("informix_backup_schedule")
    built = []

    def backup_arguments(given):
        built.append(dict(given))
        raise AnsibleActionFail("built")  # the builder got the schedule's options; nothing of the host is needed

    monkeypatch.setattr(module, "backup_arguments", backup_arguments)
    task = {"destination": "C:\\Backups", "schedules": [{"level": 0, "time": "02:00"}]}
    defaulted = host.run(module.ActionModule, task, platform="windows")
    given = host.run(module.ActionModule, dict(task, compression="gzip", tool="onbar"), platform="windows")
    assert defaulted["msg"] == given["msg"] == "built"
    assert [args["compression"] for args in built] == ["none", "gzip"]
    assert built[1]["tool"] == "onbar" and built[1]["destination"] == "C:\\Backups"
    # only what informix_backup documents: the schedule's own options stay out of the backup's arguments
    assert not {"schedules", "script_dir", "results_file", "username", "password", "state"} & set(built[1])
    with pytest.raises(AnsibleActionFail, match="value of compression must be one of"):
        host.run(module.ActionModule, dict(task, compression="zip"), platform="windows")
    assert len(built) == 2


def test_an_undocumented_option_is_refused_before_the_planner(backup_with_a_new_option):
    host, action, planned = backup_with_a_new_option
    with pytest.raises(AnsibleActionFail, match="Unsupported parameters.*compresion"):
        host.run(action, {"destination": "/backups", "compresion": "gzip"})
    assert planned == []
