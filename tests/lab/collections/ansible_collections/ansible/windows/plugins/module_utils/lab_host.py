# Lab test equipment: what every Windows stand-in shares.
from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import time

import yaml

_DRIVE = re.compile(r"^([A-Za-z]):[\\/]")
_UNC = re.compile(r"^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)(.*)$")


def unc_dir():
    return os.path.join(os.path.dirname(host_dir()), "unc")


UNC_ALIASES = "unc-aliases.json"  # <lab>/unc-aliases.json: a server's other names (labctl.set_unc_alias)
_aliases = {}


def unc_server(server):
    """The server a UNC name reaches: its FQDN, an address or another alias opens the same shares, as on Windows."""
    if "table" not in _aliases:  # a stand-in is one process: the table read once
        try:
            with open(os.path.join(os.path.dirname(host_dir()), UNC_ALIASES)) as handle:
                _aliases["table"] = json.load(handle)
        except FileNotFoundError:
            _aliases["table"] = {}
    return _aliases["table"].get(server.lower(), server.lower())


def host_dir():
    path = os.environ.get("OSCC_LAB_HOST_DIR")
    if not path:
        raise RuntimeError("lab stand-in: no simulated host (use the lab inventory and the lab_recorded connection)")
    return path


def real_spec(module_name, collection="ansible/windows"):
    """The argument spec of the real module, from its DOCUMENTATION."""
    source = os.path.join(os.environ["OSCC_LAB_REPO"], ".collections", "ansible_collections", *collection.split("/"),
                          "plugins", "modules", module_name + ".py")
    if os.path.exists(source):
        namespace = {}
        exec(compile(open(source).read(), source, "exec"), namespace)  # the file only assigns doc strings
        documentation = yaml.safe_load(namespace["DOCUMENTATION"])
    else:  # collections such as microsoft.iis keep the documentation in <module>.yml
        with open(source[:-3] + ".yml") as handle:
            documentation = yaml.safe_load(handle)["DOCUMENTATION"]
    options = documentation.get("options", {})
    spec = {}
    for name, option in options.items():
        entry = {"type": option.get("type", "str") if option.get("type") != "path" else "str"}
        if option.get("aliases"):
            entry["aliases"] = option["aliases"]
        if option.get("choices"):
            entry["choices"] = option["choices"]
        if "password" in name:  # the real modules declare these no_log in their PowerShell spec
            entry["no_log"] = entry["type"] != "bool"
        if option.get("elements"):
            entry["elements"] = option["elements"]
        spec[name] = entry
    return spec


def below_root(rest):
    """The folder names of a path below its drive or share, '.' and '..' resolved as Windows does: '..' at the root
    stays at the root, so no path leaves the simulated drive (D:\\a\\..\\..\\Windows is D:\\Windows)."""
    parts = []
    for part in re.split(r"[\\/]+", rest):
        if part == "..":
            parts = parts[:-1]
        elif part not in ("", "."):
            parts.append(part)
    return parts


def without_prefix(value):
    """A host path without its long-path or device prefix (\\\\?\\, \\\\.\\): both name the same path."""
    if value[:4] not in ("\\\\?\\", "\\\\.\\"):
        return value
    rest = value[4:]
    return "\\\\" + rest[4:] if rest[:4].upper() == "UNC\\" else rest


def is_host_path(value):
    """Whether a host path names a drive (D:\\x) or a share (\\\\server\\share): the only paths the lab maps."""
    value = without_prefix(value)
    return bool(_DRIVE.match(value) or _UNC.match(value))


def to_here(value):
    """Host paths (D:\\OSCC-Backups\\x) to the lab's directories, through dicts and lists."""
    if isinstance(value, dict):
        return {k: to_here(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_here(v) for v in value]
    if not isinstance(value, str):
        return value
    value = without_prefix(value)
    if _UNC.match(value):  # one share is the same folder for every lab host
        server, share, rest = _UNC.match(value).groups()
        if server in (".", "..") or share in (".", ".."):  # Windows finds no such share; nothing leaves the lab
            raise FileNotFoundError(f"sim: The network path was not found: {value}")
        return os.path.join(unc_dir(), unc_server(server), share.lower(), *below_root(rest))
    if _DRIVE.match(value):
        return os.path.join(host_dir(), "drives", value[0].upper(), *below_root(value[3:]))
    return value


def to_host(value):
    """The lab's directories back to the host's drive paths, also inside messages."""
    if isinstance(value, dict):
        return {k: to_host(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_host(v) for v in value]
    if isinstance(value, str) and unc_dir() + os.sep in value:
        below_share = re.escape(unc_dir() + os.sep) + r"([^\s'\"]*)"
        value = re.sub(below_share, lambda m: "\\\\" + m.group(1).replace("/", "\\"), value)
    if isinstance(value, str):
        drives = os.path.join(host_dir(), "drives")
        whole = re.match(re.escape(drives) + r"/([A-Z])(/.*)?$", value)
        if whole and value.count(drives) == 1:  # a path on its own may contain blanks (C:\Program Files); a message
            # naming two paths is no path on its own
            return whole.group(1) + ":" + ((whole.group(2) or "/").replace("/", "\\"))
        inside = re.escape(drives) + r"/([A-Z])((?:/[^\s'\"]*)?)"
        return re.sub(inside, lambda m: m.group(1) + ":" + (m.group(2).replace("/", "\\") or "\\"), value)
    return value


def given(params, *left_out):
    """The options a task gave, as the call record keeps them: none unset, no password (a flag such as
    update_password stays), none in `left_out`."""
    return {k: v for k, v in params.items()
            if v is not None and ("password" not in k or isinstance(v, bool)) and k not in left_out}


def password_hash(password):
    """What the lab keeps of a password (Windows keeps a hash of a user's, an LSA secret of a service's): enough to
    compare, never the password itself in a file under the lab."""
    import hashlib

    return hashlib.sha256(("oscc lab password:" + password).encode("utf-8", "surrogatepass")).hexdigest()


def hold(path):
    """The state file's lock (<path>.lock, one holder at a time, as the product's lock guard): an open handle, held
    until closed or its process ends, so simultaneous stand-ins read, change and save the state in turn."""
    handle = open(path + ".lock", "a")  # noqa: SIM115 - held across the caller's read, change and save
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def write_atomically(path, data):
    """The whole state in a temporary file of its own beside it, then renamed over it: a reader sees the old or
    the new state, never half of one (as the product's write operation)."""
    descriptor, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.remove(tmp)
        raise


def update_json(path, change):
    """change(state) applied to a state file under its lock, and saved atomically (labctl's changes to a host)."""
    lock = hold(path)
    try:
        with open(path) as handle:
            data = json.load(handle)
        change(data)
        write_atomically(path, data)
    finally:
        lock.close()


class State:
    """windows.json of the simulated host: services, files we model, and every call. Read under the state's lock,
    held until save: stand-ins running at once on one host change it one after the other."""

    def __init__(self):
        self.path = os.path.join(host_dir(), "windows.json")
        self._lock = hold(self.path)
        with open(self.path) as handle:
            self.data = json.load(handle)

    def record(self, module, args):
        self.data.setdefault("calls", []).append({"time": time.time(), "module": module, "args": args})

    def save(self):
        if self._lock is None:  # saved already: what another stand-in changed since would be lost
            raise RuntimeError("lab stand-in: the host state is saved once per State")
        write_atomically(self.path, self.data)
        self._lock.close()  # a long executor run that follows does not hold the others up
        self._lock = None


def oscc_version(data, pattern):
    """The OSCC patch level as the probe reads it from the uninstall entries (docs/backup.md), from the host's state."""
    import fnmatch

    found = sorted({f"{e['DisplayName']} {e['DisplayVersion']}" for e in data.get("installed_software", [])
                    if fnmatch.fnmatchcase(e["DisplayName"].lower(), (pattern or "").lower())})
    return "; ".join(found) or None
