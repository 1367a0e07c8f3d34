# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Lays the web components kit into its folder, keeping what was changed on site (docs: plugins/modules/web_kit.py).
# Manual §4.2.1.1 step 4 and the chapter's note on upgrades.
from __future__ import annotations

from ansible_collections.oscc.admin.plugins.plugin_utils._action import OsccAction


class ActionModule(OsccAction):
    ARGSPEC = {
        "src": {"type": "str", "required": True},
        "dest": {"type": "str", "required": True},
        "saved_dir": {"type": "str"},
    }
    PATH_OPTIONS = ("src", "dest", "saved_dir")

    def act(self, args, target, task_vars):
        saved_dir = args["saved_dir"] or args["dest"].rstrip("\\/") + "-saved"
        check = bool(self._task.check_mode)
        result = target.procedure("install_kit", {"archive": args["src"], "dest": args["dest"], "saved_dir": saved_dir,
                                                  "check": check}, read_only=check)
        return {key: result.get(key) for key in ("changed", "written", "kept", "saved_dir", "kit_sha256", "upgrade")}
