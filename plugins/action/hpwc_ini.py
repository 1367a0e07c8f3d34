# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# HPWC.ini settings of the IIS web components (docs: plugins/modules/hpwc_ini.py). Manual §4.2.1.1, §4.3.1.
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    host_problem,
    line_value_problem,
    port_problem,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._formats import ini as _ini
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch

SECTION = "HPPCSETTINGS"
# option -> HPWC.ini key; the TLS port is written as TLSPort (V12 manual) and, where the file has
# it, as SSLPort (older kits) too.
KEYS = {"address": "Address", "port": "Port", "chat_uses_ssl": "ChatUsesSSL", "callback_uses_ssl": "CallbackUsesSSL",
        "voicexml_uses_ssl": "VoiceXMLUsesSSL"}


class ActionModule(OsccAction):
    PATH_OPTIONS = ("path",)

    def act(self, args, target, task_vars):
        # A line break in a value would end its line of HPWC.ini and add a key of its own.
        problem = (port_problem({option: args[option] for option in ("port", "tls_port")})
                   or line_value_problem({"address": args["address"]})
                   or _ini.value_problem("address", args["address"]))
        if not problem and not args["path"].lower().endswith(".ini"):
            # HPWC.ini beside the kit's zip: writing keys into another file would damage it.
            problem = f"path must name the HPWC.ini file (an .ini file), got {args['path']!r}"
        if problem:
            raise AnsibleActionFail(problem)
        try:  # HPWC.ini is read and written as latin-1, like the web components' other files
            (args["address"] or "").encode("latin-1")
        except UnicodeEncodeError as exc:
            raise AnsibleActionFail(f"address: {args['address'][exc.start]!r} cannot be written to HPWC.ini, "
                                    "which holds latin-1 text; give the server's name in ASCII (IDNA) form") from None
        problem = host_problem("address", args["address"]) if args["address"] is not None else None
        if problem:  # the web components connect to it: a name or address, never other text
            raise AnsibleActionFail(problem)
        wanted = {key: (str(args[o]).lower() if isinstance(args[o], bool) else args[o])
                  for o, key in KEYS.items() if args[o] is not None}
        current = target.read_text(args["path"])
        if args["tls_port"] is not None:
            wanted["TLSPort"] = args["tls_port"]
            if "sslport" in _ini.read_section(current["content"], SECTION):
                wanted["SSLPort"] = args["tls_port"]
        new_text, changes = _ini.set_keys(current["content"], SECTION, wanted)
        result = {"changed": bool(changes), "path": args["path"],
                  "changes": {k: {"before": old, "after": new} for k, (old, new) in changes.items()}}
        if changes and self._task.diff:
            result["diff"] = {"before": current["content"], "after": new_text,
                              "before_header": args["path"], "after_header": args["path"]}
        if changes and not self._task.check_mode:
            write = Batch().add("hpwc_ini", {"op": "write", "path": args["path"], "content": new_text,
                                             "encoding": "latin-1", "backup": args["backup"],
                                             "expected_sha256": current["sha256"]})
            written = write.results(target.batch(write.ops))["hpwc_ini"]
            result["backup_file"] = written.get("backup_file")
        return result
