# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: The base of every action plugin that reaches a host through the Target seam: argument validation,
# the platform and path rules, and remote failures turned into one-line task errors.
from __future__ import annotations

import copy

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    identifier_problem,
    informix_server_problem,
    name_problem,
    one_line,
    posix_path_problem,
    seconds_problem,
    windows_path_problem,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._host.options import documented_spec
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure, Target


class OsccAction(ActionBase):
    """Validation, the platform and path rules, and one-line errors for every plugin on the seam."""

    # Rules between documented options, as argument_spec takes them (mutually_exclusive, required_if, ...);
    # the options themselves come from the module's DOCUMENTATION only.
    RULES: dict = {}
    COMMON_PATHS: tuple = ()
    PATH_OPTIONS: tuple = ()
    # Options that are lists of paths: their names are checked here, that each is absolute by the plugin.
    PATH_LISTS: tuple = ()
    # Options (or lists) whose values reach the host as names: an Informix server, a service, an account. Each maps to
    # the characters it may not hold beyond the control characters.
    COMMON_NAMES: dict = {}
    NAME_OPTIONS: dict = {}
    # Options that name an Informix server (every module that takes informixserver).
    SERVER_NAME_OPTIONS: tuple = ("informixserver",)
    PLATFORMS: tuple = ("windows", "posix")
    # Keys of a remote failure's details that the result shows; a subject's base adds its own.
    DETAIL_KEYS: tuple = ("rc", "output")
    # A subject's own errors that end the task with their one line (InformixAction: a chain that cannot be made).
    FAILURES: tuple = ()

    def run(self, tmp=None, task_vars=None):
        # The last guard of the one-line rule: a line break that a message still holds (a value shown as given)
        # becomes text.
        try:
            result = self._run(tmp, task_vars)
        except AnsibleActionFail as exc:
            exc.message = one_line(exc.message)
            raise exc from None
        if "msg" in result:
            result["msg"] = one_line(result["msg"])
        return result

    def _run(self, tmp, task_vars):
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
        paths = {o: args.get(o) for o in self.COMMON_PATHS + self.PATH_OPTIONS + self.PATH_LISTS}
        windows = target.platform == "windows"
        names = {**self.COMMON_NAMES, **self.NAME_OPTIONS}
        problem = ((windows_path_problem(paths) if windows else posix_path_problem(paths))
                   or name_problem(paths, windows=windows)
                   or identifier_problem({o: args.get(o) for o in names}, names)
                   # it names the server's lock and runs folder too: a name, never a path or blank-padded text
                   or informix_server_problem({o: args.get(o) for o in self.SERVER_NAME_OPTIONS}))
        if problem:
            raise AnsibleActionFail(problem)
        try:
            result.update(self.act(args, target, task_vars or {}))
        except RemoteFailure as exc:
            result.update({k: v for k, v in exc.details.items() if k in self.DETAIL_KEYS})
            result.update(failed=True, msg=str(exc))
        except (AnsibleActionFail, *self.FAILURES) as exc:
            result.update(failed=True, msg=str(exc))
        result["remote_operations"] = target.operations
        return result
