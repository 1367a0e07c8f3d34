# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: options written once: a module's DOCUMENTATION (with its fragments) turned into the argument spec its
# action plugin validates with, and read for the defaults a procedure's arguments start from.
from __future__ import annotations

import functools
import importlib
import re

import yaml

COLLECTION = "ansible_collections.oscc.admin"

# What an argument spec takes from an option's documentation, as ansible.utils' cli_parse does (of its keys, the
# module doc schema allows these).
_SPEC_KEYS = ("type", "elements", "choices", "default", "required", "aliases")
# The module doc schema has no no_log: an option named for a secret (manifest_key too) hides its value (a flag
# such as task_update_password holds none).
# An SNMP v2c community is a shared secret too: whoever knows it reads the agent.
_SECRET = re.compile(r"password|passphrase|secret|storepass|communit|_keys?$", re.IGNORECASE)
# Rules between options that an argument spec takes beside its options.
RULE_KINDS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


def _fragment_options(fragment: str) -> dict:
    """The options of one documentation fragment: ns.collection.name, or ns.collection.name.variant."""
    namespace, collection, name, *variant = fragment.split(".")
    if (namespace, collection) == ("ansible", "builtin"):
        package = "ansible.plugins"
    else:
        package = f"ansible_collections.{namespace}.{collection}.plugins"
    source = importlib.import_module(f"{package}.doc_fragments.{name}").ModuleDocFragment
    text = getattr(source, variant[0].upper() if variant else "DOCUMENTATION")
    return (yaml.safe_load(text) or {}).get("options") or {}


def documented_options(doc: dict) -> dict:
    """The module doc's options with its fragments' merged in; the doc's own keys win, as in ansible-doc."""
    fragments = doc.get("extends_documentation_fragment") or []
    options = {}
    for fragment in [fragments] if isinstance(fragments, str) else fragments:
        for name, option in _fragment_options(fragment).items():
            options[name] = {**options.get(name, {}), **option}
    for name, option in (doc.get("options") or {}).items():
        options[name] = {**options.get(name, {}), **option}
    return options


def argument_spec(options: dict) -> dict:
    """An argument spec from documented options: the spec keys, suboptions as options, secrets not logged."""
    spec = {}
    for name, option in options.items():
        entry = {key: option[key] for key in _SPEC_KEYS if key in option}
        if option.get("suboptions"):
            entry["options"] = argument_spec(option["suboptions"])
        if _SECRET.search(name) and option.get("type", "str") != "bool":
            entry["no_log"] = True
        spec[name] = entry
    return spec


@functools.cache
def module_spec(module: str) -> dict:
    """The argument spec of one of the collection's modules (its name: informix_backup), built once from its
    DOCUMENTATION: plugins/modules/<module>.py is the one place an option is written."""
    doc = yaml.safe_load(importlib.import_module(f"{COLLECTION}.plugins.modules.{module}").DOCUMENTATION)
    return argument_spec(documented_options(doc))


def documented_spec(action_module: str) -> dict:
    """The argument spec of an action plugin, by its Python module name: its module's documented options."""
    return module_spec(action_module.rsplit(".plugins.action.", 1)[1])
