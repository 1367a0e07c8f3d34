# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: the typed contracts of the Informix procedures (docs/architecture.md): the probe, the backup plan
# and the restore plan, and the batch being built. No host is reached from here: nothing imports the
# Target seam or the action layer, so a recorded probe is read and planned on without a host.
from __future__ import annotations

import dataclasses
import fnmatch
import json

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import signing, takeover

# The OSCC server software's entries among the host's installed programs (docs/backup.md, patch level).
OSCC_PRODUCT = "OpenScape Contact Center*"
# Where Windows lists the installed programs (64-bit and 32-bit view); the cluster node check reads them too.
UNINSTALL_KEYS = [r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*",
                  r"HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*"]
RUN_RECORD_SUFFIX = ".run.json"


def output(result: dict | None) -> str:
    return (result or {}).get("output") or ""


# ---------------------------------------------------------------- what the probe's results say
def oscc_version(result: dict | None) -> str | None:
    """DisplayName and DisplayVersion of the OSCC server software among the uninstall entries (docs/backup.md)."""
    if not result or not result.get("ok"):
        return None
    found = sorted({f"{o.get('DisplayName')} {o.get('DisplayVersion')}" for o in result["objects"]
                    if fnmatch.fnmatchcase(str(o.get("DisplayName") or "").lower(), OSCC_PRODUCT.lower())})
    return "; ".join(found) or None


def read_lock(result: dict, path: str) -> dict | None:
    """The server's lock as the probe found it: None, its record, or unreadable (its writer died while writing)."""
    if not result.get("exists"):
        return None
    try:
        lock = json.loads(result.get("content") or "")
    except ValueError:
        lock = None
    if not isinstance(lock, dict):
        return {"path": path, "unreadable": True}
    return dict(lock, path=path)


def read_manifests(result: dict, files: dict, destination: str, resolved: str | None, path) -> tuple[list, list]:
    """The destination's manifests as the controller judges them (archives.own_manifests), and its run records."""
    manifests, records = [], []
    for entry in result.get("entries", []):
        if entry["dir"]:
            continue
        where = path.join(destination, entry["name"])
        try:
            if entry.get("too_large"):  # not read (host.READ_MAX): no manifest is that large
                raise ValueError(f"{entry['name']} is {entry['size'] / 1048576:.1f} MB, larger than any manifest")
            content = json.loads(entry.get("content") or "")
            if not isinstance(content, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            content = {"unreadable": str(exc)[:200]}
        if entry["name"].endswith(RUN_RECORD_SUFFIX):
            records.append(dict(content, record=where, record_name=entry["name"]))
            continue
        if "unreadable" in content and len(content) == 1:
            manifests.append({"manifest": where, "unreadable": content["unreadable"]})
            continue
        # What reading adds is never taken from the file (signing.READ_KEYS); the signature stays to be checked.
        content = {k: v for k, v in content.items() if k == "signature" or k not in signing.READ_KEYS}
        manifest = dict(content, manifest=where, manifest_link=entry["link"])
        archive = manifest.get("archive")
        if isinstance(archive, str) and archive and archive in files:
            manifest["archive_link"] = files[archive]["link"]
            manifest["archive_resolved"] = path.join(resolved or destination, archive)
        manifests.append(manifest)
    return manifests, records


def host_records(result: dict) -> dict:
    """The host's own copies of the scheduled runs' records (host.Informix.runs_dir), by file name: what the run
    wrote, never what the share says. One that cannot be read is no copy."""
    copies = {}
    for entry in result.get("entries", []):
        try:
            content = json.loads(entry.get("content") or "")
        except ValueError:
            continue
        if not entry["dir"] and not entry.get("link") and isinstance(content, dict):
            copies[entry["name"]] = content
    return copies


# ---------------------------------------------------------------- the probe
@dataclasses.dataclass(frozen=True)
class HostText:
    """What the host wrote, as it wrote it: the ONCONFIG file and the onstat outputs (empty while Off-Line)."""

    onconfig: str
    onstat: str
    onstat_arc: str
    onstat_d: str


@dataclasses.dataclass(frozen=True)
class Probe:
    """What the host says about its Informix server, parsed once (Probe.from_results). It holds no Target: the
    host side makes its Informix again from `environment` (host.informix_of)."""

    text: HostText
    onconfig_path: str
    onconfig_sha256: str
    environment: dict  # INFORMIXDIR, INFORMIXSERVER, ONCONFIG as the programs ran with them
    lock_path: str
    onstat_rc: int
    computer_name: str | None
    oscc_version: str | None
    lock: dict | None  # the server's lock as found: its record, {"unreadable": True} or None
    onconfig_values: dict
    server_mode: str
    archives_by_level: dict
    informix_version: str | None
    chunk_locations: list
    # The destination, when one was probed.
    destination: str | None = None
    destination_exists: bool = False
    destination_is_file: bool = False
    destination_dangling: bool = False  # a link or junction that leads nowhere
    destination_link: str | None = None  # where the destination leads when it is a link or junction ("" unknown)
    destination_resolved: str | None = None
    destination_identity: str | None = None  # what the destination opens, whatever it spells (stat's identity)
    files: dict = dataclasses.field(default_factory=dict)
    also: dict = dataclasses.field(default_factory=dict)  # the reads a module added to the probe, by name
    manifests: list = dataclasses.field(default_factory=list)
    run_records: list = dataclasses.field(default_factory=list)
    host_records: dict = dataclasses.field(default_factory=dict)  # the host's own copies of them, by file name
    own: list = dataclasses.field(default_factory=list)  # the server's trustworthy manifests
    skipped: list = dataclasses.field(default_factory=list)  # the server's manifests not trusted, with the reason
    others: int = 0  # files of other servers
    # Asked with take_over only (takeover.py): whether a batch holds the lock live, the archive programs running.
    lock_live: bool | None = None
    archive_programs: list | None = None
    archive_listing_error: str | None = None
    unrecorded: list = dataclasses.field(default_factory=list)  # trusted, beyond the server's record: by name only

    @property
    def server(self) -> str:
        return self.environment["INFORMIXSERVER"]

    @classmethod
    def from_results(cls, results: dict, onconfig: dict, environment: dict, onconfig_path: str, lock_path: str,
                     path, destination: str | None = None, trust=None, now=None, host_now=None) -> Probe:
        """The probe's batch results read by name (host.probe_ops), the ONCONFIG file as read, where Informix
        lives and the host's path module (ntpath or posixpath). trust (signing.Trust) and now (the judging clock)
        decide which manifests are believed (archives.own_manifests); host_now (the probe batch's stamp, the host's
        UTC time) judges the dates instead of now when the host gave it."""
        onstat_rc = results["onstat"]["rc"]
        offline = onstat_rc == ifx.OFFLINE_RC
        text = HostText(onconfig=onconfig["content"], onstat=output(results["onstat"]),
                        onstat_arc="" if offline else output(results["onstat_arc"]),
                        onstat_d="" if offline else output(results["onstat_d"]))
        values = ifx.parse_onconfig(text.onconfig)
        lock = results.get("lock") or {}
        fields = dict(
            text=text, onconfig_path=onconfig_path, onconfig_sha256=onconfig["sha256"], environment=dict(environment),
            lock_path=lock_path, onstat_rc=onstat_rc, computer_name=results["env"]["computer_name"],
            oscc_version=oscc_version(results.get("installed")),
            lock=read_lock(lock, lock_path) if lock.get("ok") else None,
            onconfig_values=values, server_mode=ifx.server_mode(onstat_rc),
            archives_by_level=ifx.last_archives(ifx.parse_onstat_arc(text.onstat_arc)),
            informix_version=(ifx.parse_onstat_header(text.onstat) or {}).get("version"),
            chunk_locations=arc.chunk_locations(path, values, ifx.parse_onstat_chunks(text.onstat_d)),
            destination=destination, lock_live=takeover.lock_live(results),
            also={key[1]: done for key, done in results.items() if isinstance(key, tuple) and key[0] == "also"})
        fields["archive_programs"], fields["archive_listing_error"] = takeover.archive_programs(
            results, "windows" if path.sep == "\\" else "posix")
        if destination:
            where = results["destination"]
            fields.update(destination_exists=bool(where.get("exists") and where.get("dir")),
                          destination_is_file=bool(where.get("exists") and not where.get("dir")
                                                   and not where.get("dangling")),
                          destination_dangling=bool(where.get("dangling")),
                          destination_link=(where.get("resolved") or "") if where.get("link") else None,
                          destination_identity=where.get("identity"))
            if fields["destination_exists"]:
                files = {e["name"]: e for e in results["files"].get("entries", [])}
                manifests, records = read_manifests(results["manifests"], files, destination, where.get("resolved"),
                                                    path)
                judged = arc.own_manifests(manifests, environment["INFORMIXSERVER"], path, destination,
                                           where.get("resolved"), fields["chunk_locations"], trust,
                                           fields["archives_by_level"], *arc.judging_clock(host_now, now))
                fields.update(destination_resolved=where.get("resolved"), files=files, manifests=manifests,
                              run_records=records, host_records=host_records(results.get("host_runs") or {}),
                              own=judged.own, skipped=judged.skipped, others=judged.others,
                              unrecorded=judged.unrecorded)
        return cls(**fields)


# ---------------------------------------------------------------- the plans
@dataclasses.dataclass(frozen=True)
class BackupPlan:
    """Everything a verified backup decided before the archive is written (backup_plan.plan_backup)."""

    destination: str
    name: str
    tool: str
    level: int
    method: str | None
    tapedev: str | None
    verify: bool
    timeout: int
    manifest: dict  # what the manifest records besides the archive's own facts
    start: str
    delete: list  # file names retention deletes once the archive is verified
    doomed: list  # the manifests those files belong to
    leftovers: list  # what killed runs of this server left, cleared under the lock
    files: list  # the destination's files when planned
    previous_checkpoint: dict | None
    held: bool = False  # a restore's safety backup: the restore holds the server's lock


@dataclasses.dataclass(frozen=True)
class RestorePlan:
    """The chain to restore and how (restore_plan.plan_restore); `report` is what the task returns of it."""

    chain: list
    method: str
    tapedev: str | None
    chunks: list  # the chunk files the chain needs
    staged: list  # where a TAPEDEV directory receives the chain's archives
    services: list
    version_check: dict
    skipped_manifests: list
    fell_back_past: list
    warnings: list
    known_chunks: set = dataclasses.field(default_factory=set)  # the server's own chunk files, normalised

    def report(self) -> dict:
        report = {"restored": [m["name"] for m in self.chain], "method": self.method, "services": self.services,
                  "version_check": self.version_check, "skipped_manifests": self.skipped_manifests,
                  "fell_back_past": self.fell_back_past}
        if self.warnings:
            report["warnings"] = list(self.warnings)
        return report
