# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: the Informix host as executor operations (docs/windows.md): where Informix lives, the probe's
# round trips and the programs' requests; model.Probe reads the probe's answers, lock.py holds the
# server's lock. The host only runs the primitives of _host/contract.py.
from __future__ import annotations

import datetime as dt
import re

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import informix_server_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._host import double_hop
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import takeover
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import (
    RUN_RECORD_SUFFIX,
    UNINSTALL_KEYS,
    Probe,
    output,
)

# output lives in model.py (pure); the replication plugins take it from here.
__all__ = ["Informix", "Probe", "informix_of", "output", "probe", "probe_ops"]

LOCATION = ("INFORMIXDIR", "INFORMIXSERVER", "ONCONFIG")
# The code page Informix programs write in (docs/windows.md): on Windows the server's locale is
# en_us.1252, whose letters latin-1 reads byte for byte; POSIX hosts write UTF-8.
ENCODING = {"windows": "latin-1", "posix": "utf-8"}
# ONCONFIG, onconfig.std, ... in either case (* ? [..] read alike by fnmatch and -like).
ONCONFIG_FILES = "[Oo][Nn][Cc][Oo][Nn][Ff][Ii][Gg]*"
PROBE_TIMEOUT = 300
# The most a manifest or run record may hold (they hold a few KB): a larger file is skipped, not read.
READ_MAX = 1024 * 1024


class Informix:
    """Where Informix lives on one host: the options given, completed from the host's environment."""

    def __init__(self, target, informixdir=None, informixserver=None, onconfig=None):
        self.target, self.path = target, target.path
        self.informixdir, self.informixserver, self.onconfig = informixdir, informixserver, onconfig
        self.host_env = None
        if not (informixdir and informixserver):  # one round trip more: the host's own variables
            self.host_env = env_values(target.one(env_op(), read_only=True))
            self.informixdir = informixdir or self.host_env.get("INFORMIXDIR")
            self.informixserver = informixserver or self.host_env.get("INFORMIXSERVER")
            self.onconfig = onconfig or self.host_env.get("ONCONFIG")
        if not self.informixdir:
            raise AnsibleActionFail("INFORMIXDIR is not set on the host; give the informixdir option")
        if not self.informixserver:
            raise AnsibleActionFail("INFORMIXSERVER is not set on the host; give the informixserver option")
        problem = informix_server_problem({"informixserver" if informixserver else "the host's INFORMIXSERVER":
                                           self.informixserver})
        if problem:  # it names the lock and the runs folder: never a path
            raise AnsibleActionFail(problem)
        self.etc = self.path.join(self.informixdir, "etc")
        self.platform = target.platform
        self.encoding = ENCODING[target.platform]

    def onconfig_path(self, name=None) -> str:
        name = name or self.onconfig
        return name if self.target.is_abs(name) else self.path.join(self.etc, name)

    @property
    def lock_path(self) -> str:
        """One lock per Informix server, on the server itself, whatever destination a backup or restore uses."""
        return self.path.join(self.etc, f".oscc-{self.informixserver}.lock")

    @property
    def runs_dir(self) -> str:
        """Where a scheduled run leaves the copy of its record the controller trusts: beside the lock, on the host's
        own disk (the destination may be a share others can write)."""
        return self.path.join(self.etc, f".oscc-{self.informixserver}.runs")

    def program(self, name: str) -> str:
        return self.path.join(self.informixdir, "bin", name + (".exe" if self.target.platform == "windows" else ""))

    def env(self) -> dict:
        env = {"INFORMIXDIR": self.informixdir, "INFORMIXSERVER": self.informixserver}
        if self.onconfig:
            env["ONCONFIG"] = self.onconfig
        return env

    def program_op(self, name: str, *args, timeout=PROBE_TIMEOUT, env=None, **extra) -> dict:
        """The executor's request to run one Informix program with this server's environment (nothing runs)."""
        op = {"op": "run", "argv": [self.program(name), *map(str, args)], "env": {**self.env(), **(env or {})},
              "timeout": timeout, "encoding": self.encoding, **extra}
        if not self.onconfig:  # OSCC names it ONCONFIG.<server> (checked against the listing afterwards)
            op["env_defaults"] = {"ONCONFIG": f"ONCONFIG.{self.informixserver}"}
        return op

    def server_state(self, ops: Batch, prefix: str = "") -> Batch:
        """onstat -, -g arc and -d: the mode, the banner, the archives and the chunks."""
        ops.add(prefix + "onstat", self.program_op("onstat", "-"))
        ops.add(prefix + "onstat_arc", self.program_op("onstat", "-g", "arc"))
        return ops.add(prefix + "onstat_d", self.program_op("onstat", "-d"))


def env_op() -> dict:
    return {"op": "env", "names": list(LOCATION)}


def env_values(result: dict) -> dict:
    if not result.get("ok"):
        raise RemoteFailure(f"the host's environment could not be read: {result.get('error')}", result)
    return {k: v for k, v in result["values"].items() if v}


def program_failed(result: dict, what: str) -> RemoteFailure:
    return RemoteFailure(f"{what} failed on the host: {result.get('error') or 'no result'}", result)


# ---------------------------------------------------------------- the probe
def probe_ops(informix: Informix, destination: str | None, take_over: bool = False, also: dict | None = None,
              independent: dict | None = None) -> Batch:
    """Everything the probe reads, in one round trip; the programs last, so a missing one loses nothing else. With
    take_over, also whether the lock's batch runs and which archive programs run (takeover.py), after the rest.
    also: the reads a module adds to the same round trip, by name (Probe.also); independent: reads that may fail
    without ending the batch (its cleanup operations, which run whatever came before), read back the same way."""
    ops = Batch().add("env", env_op())
    ops.add("etc", {"op": "list", "path": informix.etc, "pattern": ONCONFIG_FILES, "read": "latin-1"})
    if informix.onconfig:  # named: read it, whatever its name (the listing has only onconfig*)
        ops.add("onconfig", {"op": "read", "path": informix.onconfig_path(), "encoding": "latin-1"})
    ops.add("lock", {"op": "read", "path": informix.lock_path, "encoding": "utf-8"})
    if destination:
        ops.add("destination", {"op": "stat", "path": destination})
        # Only this server's manifests and run records are read, each up to READ_MAX: a shared destination's other
        # files (another server's, a stray 60 MB one) are counted, never shipped.
        ops.add("manifests", {"op": "list", "path": destination, "pattern": "*.json", "read": "utf-8",
                              "read_names": own_names(informix.informixserver), "read_max": READ_MAX})
        ops.add("files", {"op": "list", "path": destination, "pattern": "*"})
        ops.add("host_runs", {"op": "list", "path": informix.runs_dir, "pattern": "*" + RUN_RECORD_SUFFIX,
                              "read": "utf-8", "read_max": READ_MAX})
    for name, op in (also or {}).items():
        ops.add(("also", name), op)
    informix.server_state(ops)
    if informix.target.platform == "windows":
        ops.add("installed", {"op": "cmdlet", "name": "Get-ItemProperty",
                              "parameters": {"Path": UNINSTALL_KEYS, "ErrorAction": "SilentlyContinue"},
                              "select": ["DisplayName", "DisplayVersion"]})
    if take_over:
        for name, op in takeover.probe_ops(informix.target.platform, informix.lock_path):
            ops.add(name, op)
    for name, op in (independent or {}).items():
        ops.add_cleanup(("also", name), op)
    return ops


def own_names(server: str) -> str:
    """The names of a server's manifests and run records (archives.own_manifests, schedule.own_records), as a
    regular expression both executors read."""
    return re.escape(server) + r"_[0-9]{8}T[0-9]{9}_L[012](\.run)?\.json"


def discover_onconfig(entries: list[dict], server: str, etc: str) -> str:
    """OSCC names it ONCONFIG.<server>; otherwise the one file whose DBSERVERNAME is the server."""
    files = {e["name"]: e for e in entries if not e["dir"]}
    for name in (f"ONCONFIG.{server}", f"onconfig.{server}"):
        if name in files:
            return name
    found = [name for name, e in sorted(files.items())
             if not name.endswith((".std", ".bak", ".partial", "~")) and
             re.search(r"^\s*DBSERVERNAME\s+" + re.escape(server) + r"(\s|$)", e.get("content") or "", re.M)]
    if len(found) != 1:
        raise AnsibleActionFail(f"cannot discover the ONCONFIG of {server!r} in {etc!r} "
                                f"({'none' if not found else 'several'} name DBSERVERNAME {server}); "
                                "give the onconfig option")
    return found[0]


def probe(target, args: dict, destination: str | None = None, also: dict | None = None, trust=None,
          independent: dict | None = None) -> Probe:
    """What the host says about its Informix server: one round trip when informixdir and informixserver are
    given, one more to read the host's environment otherwise, and one more when ONCONFIG is not where OSCC
    puts it. also: reads a module adds to that round trip (Probe.also). trust: which manifests to believe
    (signing.Trust); their dates are judged by the host's clock, which dates them (this one when it gave none)."""
    recording = probe_recording(target, args, destination, also, independent)
    return Probe.from_results(**recording, path=target.path, trust=trust,
                              now=dt.datetime.now(dt.timezone.utc))


# No text of the probe holds it: the executor replaces only this token, by its UTC time.
HOST_CLOCK_STAMP = "{oscc-probe-host-clock}"


def probe_recording(target, args: dict, destination: str | None = None, also: dict | None = None,
                    independent: dict | None = None) -> dict:
    """The probe's round trips and what they returned, as Probe.from_results takes it (and as the unit tests'
    fixtures record it)."""
    informix = Informix(target, args.get("informixdir"), args.get("informixserver"), args.get("onconfig"))
    ops = probe_ops(informix, destination, bool(args.get("take_over")), also, independent)
    # The batch's stamp is the host's UTC time: the clock that dates the manifests judges them (archives.py).
    raw = target.batch(ops.ops, ops.cleanup, read_only=True, check=False, stamp=HOST_CLOCK_STAMP)
    done = ops.results(raw)
    failed = ops.failed(raw)
    stopped, failure = (failed.step, failed.result) if failed else (None, None)
    if stopped in ("destination", "manifests", "files") and \
            double_hop.refused(destination, failure.get("error"), target.platform):
        raise RemoteFailure("the probe could not read destination " + double_hop.unreachable(
            destination, f"({failure.get('error')})"), failure)
    if stopped and stopped not in ("onstat", "onstat_arc", "onstat_d", "installed", "lock_live", "archive_programs"):
        raise RemoteFailure(f"the probe could not read {stopped}: {failure.get('error')}", failure)
    host_env = env_values(done["env"])
    if not args.get("onconfig") and host_env.get("ONCONFIG") and host_env["ONCONFIG"] != informix.onconfig:
        informix.onconfig = host_env["ONCONFIG"]
    etc = done["etc"].get("entries", []) if done["etc"].get("ok") else []
    name = informix.onconfig or discover_onconfig(etc, informix.informixserver, informix.etc)
    if not informix.onconfig and name != f"ONCONFIG.{informix.informixserver}":
        # Not where OSCC puts it: the programs ran with the wrong file. Again, with the one found.
        informix.onconfig = name
        rerun = informix.server_state(Batch())
        done.update(rerun.results(target.batch(rerun.ops, read_only=True, check=False)))
    informix.onconfig = name
    onconfig_path = informix.onconfig_path()
    found = done.get("onconfig") or next(({"exists": True, **e} for e in etc if e["name"] == name and not e["dir"]),
                                         None)
    if found is None:  # the host's own ONCONFIG, learnt in this round trip, is not one the listing holds
        read_onconfig = {"op": "read", "path": onconfig_path, "encoding": "latin-1"}
        found = target.one(read_onconfig, read_only=True)
    if not found.get("exists") and found.get("dir"):
        option = args.get("onconfig_option") or "onconfig"  # the option that named it (onconfig's own: path)
        raise AnsibleActionFail(f"ONCONFIG file {onconfig_path!r} is a folder, not a file; give the {option} option "
                                "the ONCONFIG file's name or path")
    if not found.get("exists"):
        raise AnsibleActionFail(f"ONCONFIG file {onconfig_path!r} does not exist")
    dbservername = server_of(found.get("content") or "", informix.informixserver, onconfig_path)
    if dbservername != informix.informixserver:  # an alias: the lock, the chains and retention are DBSERVERNAME's
        return probe_recording(target, {**args, "informixserver": dbservername, "onconfig": name}, destination, also,
                               independent)
    for key in ("onstat", "onstat_arc", "onstat_d"):
        if key not in done or not done[key].get("ok"):
            raise program_failed(done.get(key) or {}, "onstat")
    environment = {"INFORMIXDIR": informix.informixdir, "INFORMIXSERVER": informix.informixserver, "ONCONFIG": name}
    return {"results": done, "onconfig": found, "environment": environment, "onconfig_path": onconfig_path,
            "lock_path": informix.lock_path, "destination": destination, "host_now": raw.get("stamp")}


def server_of(onconfig_text: str, informixserver: str, onconfig_path: str) -> str:
    """The DBSERVERNAME of the server that informixserver names in this ONCONFIG: itself, or the server whose
    DBSERVERALIASES hold it. A name that is neither is refused: with the wrong name, onstat says Off-Line."""
    values = ifx.parse_onconfig(onconfig_text)
    dbservername = values.get("DBSERVERNAME")
    aliases = [alias for alias in (values.get("DBSERVERALIASES") or "").split(",") if alias]
    if not dbservername or informixserver == dbservername:
        return informixserver
    if informixserver in aliases:
        return dbservername
    named = f"DBSERVERNAME {dbservername}" + (f", DBSERVERALIASES {','.join(aliases)}" if aliases else "")
    raise AnsibleActionFail(f"informixserver {informixserver!r} is not a server name of {onconfig_path} ({named})")


def informix_of(target, probe: Probe) -> Informix:
    """The probed server's Informix on this target, as the probe found it: no round trip."""
    environment = probe.environment
    return Informix(target, environment["INFORMIXDIR"], environment["INFORMIXSERVER"], environment["ONCONFIG"])
