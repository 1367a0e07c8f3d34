# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: The base of every action plugin that reaches a host through the Target seam: argument validation,
# the platform and path rules, and remote failures turned into one-line task errors.
from __future__ import annotations

import copy
import functools
import importlib
import re

import yaml
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import name_problem, seconds_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure, Target

# Keys of remote results that may be shown to the user.
_DETAIL_KEYS = ("rc", "output", "onstat_arc", "lock", "touched", "created_chunks", "archives", "skipped_manifests",
                "server_mode", "services_stopped", "safety_backup")


# What an argument spec takes from an option's documentation, as ansible.utils' cli_parse does (of its keys, the
# module doc schema allows these).
_SPEC_KEYS = ("type", "elements", "choices", "default", "required", "aliases")
# The module doc schema has no no_log: an option named for a secret hides its value (a flag such as
# task_update_password holds none).
_SECRET = re.compile(r"password|passphrase|secret|storepass", re.IGNORECASE)
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
def documented_spec(action_module: str) -> dict:
    """The argument spec of the action plugin `action_module` (its Python module name), built once from the
    DOCUMENTATION of the module of the same name: plugins/modules/<name>.py is the one place an option is written."""
    collection, name = action_module.rsplit(".plugins.action.", 1)
    doc = yaml.safe_load(importlib.import_module(f"{collection}.plugins.modules.{name}").DOCUMENTATION)
    return argument_spec(documented_options(doc))


class OsccAction(ActionBase):
    """Validation, the platform and path rules, and one-line errors for every plugin on the seam."""

    # Rules between documented options, as argument_spec takes them (mutually_exclusive, required_if, ...);
    # the options themselves come from the module's DOCUMENTATION only.
    RULES: dict = {}
    COMMON_PATHS: tuple = ()
    PATH_OPTIONS: tuple = ()
    PLATFORMS: tuple = ("windows", "posix")
    # A subject's own errors that end the task with their one line (InformixAction: a chain that cannot be made).
    FAILURES: tuple = ()

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False  # long work is bounded inside the remote procedure instead
        result = super().run(tmp, task_vars)
        del tmp
        spec = copy.deepcopy(documented_spec(type(self).__module__))  # the validator may fill in what it gets
        _validation, args = self.validate_argument_spec(argument_spec=spec, **self.RULES)
        args = args.validated_parameters if hasattr(args, "validated_parameters") else args
        problem = seconds_problem({"timeout": args.get("timeout")})
        if problem:
            raise AnsibleActionFail(problem)
        target = Target(self, task_vars or {})
        if target.platform not in self.PLATFORMS:
            raise AnsibleActionFail(f"{self._task.action} works on {' and '.join(self.PLATFORMS)} hosts only; "
                                    f"this host is {target.platform}")
        for option in self.COMMON_PATHS + self.PATH_OPTIONS:
            value = args.get(option)
            # A documented default is not a user's path (manifest's default is the keyword "latest").
            if value is not None and value != spec[option].get("default") and not target.is_abs(value):
                raise AnsibleActionFail(f"{option} must be an absolute path on the {target.platform} host, "
                                        f"got {value!r}")
        problem = name_problem({o: args.get(o) for o in self.COMMON_PATHS + self.PATH_OPTIONS},
                               windows=target.platform == "windows")
        if problem:
            raise AnsibleActionFail(problem)
        try:
            result.update(self.act(args, target, task_vars or {}))
        except RemoteFailure as exc:
            result.update({k: v for k, v in exc.details.items() if k in _DETAIL_KEYS})
            result.update(failed=True, msg=str(exc))
        except (AnsibleActionFail, *self.FAILURES) as exc:
            result.update(failed=True, msg=str(exc))
        result["remote_operations"] = target.operations
        return result
