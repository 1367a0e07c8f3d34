#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: war_properties
short_description: Set keys of a properties file inside a WAR (or any zip), without a JDK
version_added: 0.1.0
description:
  - Sets keys of a Java C(.properties) file inside a WAR, such as C(hpwcapp/config.properties) of the OSCC web
    components (manual §4.2.2, §4.2.3, §4.3.2), instead of C(jar xf), a text editor and C(jar uf).
  - Only the keys that differ are rewritten, in place, keeping comments, order and separators; missing keys are
    appended. Every other entry keeps its content, name, order, timestamp, attributes and compression method.
  - The new archive is written beside the old one and replaces it atomically, so an interrupted run leaves the
    original WAR as it was.
  - With O(src), the WAR at O(path) is built from the kit's WAR with the keys set, and rewritten only when its
    content would differ - so a role can keep the kit unchanged and re-run without changing anything.
  - Runs on the host that holds the WAR (a Tomcat or Sun Java System Web Server host) or on the controller.
options:
  path:
    description: The WAR or zip file, an absolute path. With O(src), the WAR to build; it may not exist yet.
    type: path
    required: true
  src:
    description:
      - The WAR to start from, for example the kit's C(HPPCEnterpriseWeb.war). It is never changed.
      - Without it, O(path) is edited in place.
    type: path
  entry:
    description: The properties file inside the archive (a file, not a folder).
    type: str
    default: hpwcapp/config.properties
  properties:
    description:
      - Keys and the values to set, each one line (no CR, LF or NUL) of text, a number or a boolean.
      - A null, list or mapping value is refused; give C('') for an empty value.
    type: dict
    required: true
  backup:
    description: Keep a timestamped copy of the archive before changing it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
seealso:
  - name: OSCC web components reference
    description: The C(config.properties) keys (C(servlet.name), C(socket.server.name), C(socket.server.port), ...).
    link: https://github.com/oscc-admin/oscc.admin
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Point the Web Collaboration WAR at the OSCC main server
  oscc.admin.war_properties:
    path: /var/lib/tomcat10/staging/HPPC.war
    properties:
      servlet.name: /HPPC/hppcwebchat
      socket.server.name: oscc-cluster.contact.example.com
      socket.server.port: 6021
    backup: true

- name: Build HPPC.war from the kit's WAR; rebuilt only when the kit or a value changed
  oscc.admin.war_properties:
    src: /opt/oscc/kit/HPPCEnterpriseWeb.war
    path: /opt/oscc/staging/HPPC.war
    properties:
      servlet.name: /HPPC/hppcwebchat
      socket.server.name: oscc-cluster.contact.example.com
"""

RETURN = r"""
changes:
  description: Each changed key with its value before (null when it was missing) and after.
  returned: always
  type: dict
  sample: {"socket.server.port": {"before": "6021", "after": "6022"}}
backup_file:
  description: The copy made before the change.
  returned: changed and O(backup=true)
  type: str
"""

import copy
import os
import shutil
import tempfile
import zipfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    dest_problem,
    file_problem,
    line_value_problem,
    os_error_problem,
    scalar_problem,
)
from ansible_collections.oscc.admin.plugins.module_utils._properties import set_properties


def rewrite(path, entry, new_bytes, src=None):
    """A copy of the archive (or of src) with one entry's content replaced, then an atomic rename over path."""
    src = src or path
    directory = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(prefix=".war_properties-", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        with zipfile.ZipFile(src) as source, zipfile.ZipFile(tmp, "w") as target:
            target.comment = source.comment
            for info in source.infolist():
                data = new_bytes if info.filename == entry else source.read(info)
                attributes = info.external_attr
                target.writestr(copy.copy(info), data, compress_type=info.compress_type)  # name, time, flags kept
                # zipfile gives entries without attributes (jar writes 0) mode 0600; keep the original.
                target.filelist[-1].external_attr = attributes
        with open(tmp, "rb") as check:
            os.fsync(check.fileno())
        shutil.copymode(src, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _fingerprint(archive, entry, entry_bytes):
    return [(i.filename, i.date_time, i.compress_type, i.external_attr,
             entry_bytes if i.filename == entry else (i.CRC, i.file_size)) for i in archive.infolist()]


def built_already(path, src, entry, new_bytes):
    """Whether path already is src with the entry's new content (names, order, times, contents)."""
    try:
        with zipfile.ZipFile(path) as built, zipfile.ZipFile(src) as kit:
            return _fingerprint(built, entry, built.read(entry) if entry in built.namelist() else None) == \
                _fingerprint(kit, entry, new_bytes)
    except (FileNotFoundError, zipfile.BadZipFile):
        return False


def read_entry(module, path, entry, missing_ok=False):
    """The entry's text; with missing_ok, None where path is no archive holding it (a WAR to build)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if entry + "/" in archive.namelist() or any(n.startswith(entry + "/") for n in archive.namelist()):
                module.fail_json(msg=f"entry {entry!r} is a folder in {path}, not a properties file")
            if entry not in archive.namelist():
                if missing_ok:
                    return None
                module.fail_json(msg=f"entry {entry!r} is not in {path}; entries under its folder: "
                                     f"{[n for n in archive.namelist() if n.startswith(entry.rsplit('/', 1)[0])][:10]}")
            return archive.read(entry).decode("latin-1")
    except (OSError, zipfile.BadZipFile) as exc:
        if missing_ok:
            return None
        option = "src" if path == module.params["src"] else "path"
        module.fail_json(msg=os_error_problem(option, path, exc) if isinstance(exc, OSError)
                         else f"{option} {path} is not a WAR or zip file")


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "src": {"type": "path"},
            "entry": {"type": "str", "default": "hpwcapp/config.properties"},
            "properties": {"type": "dict", "required": True},
            "backup": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    path, entry, src = module.params["path"], module.params["entry"], module.params["src"]
    if not module.params["properties"]:
        module.fail_json(msg="properties must name at least one key")
    # A relative path would be read and written in whatever folder the module runs in.
    for option in ("path", "src"):
        if module.params[option] is not None and not os.path.isabs(module.params[option]):
            module.fail_json(msg=f"{option} must be an absolute path, got {module.params[option]!r}")
    if not entry or entry.endswith("/"):
        module.fail_json(msg=f"entry must name a file inside the archive, not a folder, got {entry!r}")
    problem = scalar_problem([(f"properties.{k}", v) for k, v in module.params["properties"].items()])
    if problem:
        module.fail_json(msg=problem)
    # java.util.Properties would read an escaped line break back, but a key or value of config.properties is one line
    # (a host name, a port, a servlet path): a line break in one is a mistake, and refused as in every other writer.
    problem = line_value_problem([("entry", entry)] + [("a key of properties", k) for k in module.params["properties"]]
                                 + [(f"properties.{k}", v) for k, v in module.params["properties"].items()])
    if problem:
        module.fail_json(msg=problem)
    problem = dest_problem("path", path, folder_may_be_missing=module.check_mode) if src else file_problem("path", path)
    if problem:
        module.fail_json(msg=problem)
    if src and module.check_mode and not os.path.exists(src):
        # In check mode the task that lays down the kit did not run: report the build that would follow.
        module.exit_json(changed=True, changes={}, msg=f"src {src} does not exist yet; {path} would be built from it")
    problem = file_problem("src", src) if src else None
    if problem:
        module.fail_json(msg=problem)
    if src:
        src_text = read_entry(module, src, entry)
        text = read_entry(module, path, entry, missing_ok=True) or src_text
    else:
        text = read_entry(module, path, entry)
    wanted = {k: "" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
              for k, v in module.params["properties"].items()}
    try:
        new_text, changes = set_properties(text, wanted)
        if src:
            new_text = set_properties(src_text, wanted)[0]
        new_bytes = new_text.encode("latin-1")
    except UnicodeEncodeError:  # escape_value writes \\u escapes beyond Latin-1: a guard against a bug
        module.fail_json(msg="properties: a value could not be written in ISO-8859-1")
    changed = not built_already(path, src, entry, new_bytes) if src else bool(changes)
    result = {"changed": changed, "changes": {k: {"before": o, "after": n} for k, (o, n) in changes.items()}}
    if changed and module._diff:
        result["diff"] = {"before": text, "after": new_text, "before_header": f"{path}!/{entry}",
                          "after_header": f"{path}!/{entry}"}
    if changed and not module.check_mode:
        try:
            if module.params["backup"] and os.path.exists(path):
                result["backup_file"] = module.backup_local(path)
            rewrite(path, entry, new_bytes, src=src)
        except OSError as exc:  # a full disk, a folder this user may not write
            module.fail_json(msg=os_error_problem("path", path, exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
