# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: Backup manifests, archive chains and chain-aware retention. Pure functions, no I/O.
from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import signing
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.parse import checkpoint_order, same_checkpoint

MANIFEST_FORMAT = 1
MANIFEST_SUFFIX = ".json"
ARCHIVE_SUFFIX = ".arc"


class ChainError(ValueError):
    """A backup or restore request that the archives on disk cannot satisfy."""


def archive_name(server: str, level: int, when: dt.datetime) -> str:
    return f"{server}_{when.strftime('%Y%m%dT%H%M%S')}{when.microsecond // 1000:03d}_L{level}"


def timestamp(when: dt.datetime) -> str:
    """UTC time as manifests record it (the remote procedures use the same format)."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _time(text: str) -> dt.datetime | None:
    """A manifest's UTC time (timestamp's format), or None when it is not one."""
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    except (TypeError, ValueError):
        return None


def _start(manifest: dict) -> tuple:
    """Oldest first by the server's own record of the archive (its checkpoint: log unique ID and log position),
    not by the time a manifest claims; the time and the name only break ties."""
    checkpoint = manifest.get("checkpoint")
    order = checkpoint_order(checkpoint) if checkpoint else (-1, -1, "")
    return order, manifest.get("start", ""), manifest.get("name", "")


def _ok(manifest: dict) -> bool:
    return manifest.get("format") == MANIFEST_FORMAT and manifest.get("verified") is True


def _linked(manifests: list[dict]) -> list[dict]:
    """Manifests with every parent named. A run of the scheduled task (no controller to ask)
    records only the server's checkpoint of the archive it builds on; its parent is the verified
    manifest of the level below that carries that checkpoint."""
    linked = []
    for m in manifests:
        base = m.get("parent_checkpoint")
        if m.get("level", 0) > 0 and not m.get("parent") and base:
            parent = next((c for c in manifests if _ok(c) and c["level"] == m["level"] - 1
                           and same_checkpoint(c.get("checkpoint"), base)), None)
            if parent:
                m = dict(m, parent=parent["name"])
        linked.append(m)
    return linked


def chains(manifests: list[dict]) -> list[list[dict]]:
    """Complete, verified chains, oldest first: [L0, L1 based on it..., L2 based on those...]."""
    by_name = {m["name"]: m for m in _linked(manifests) if _ok(m)}
    roots = sorted((m for m in by_name.values() if m["level"] == 0), key=_start)
    result = []
    for root in roots:
        members = [root]
        frontier = {root["name"]}
        for level in (1, 2):
            children = sorted((m for m in by_name.values() if m["level"] == level and m.get("parent") in frontier),
                              key=_start)
            members.extend(children)
            frontier = {c["name"] for c in children}
        result.append(members)
    return result


def parent_for(manifests: list[dict], level: int, server_last: dict | None = None) -> dict | None:
    """The archive a new level-`level` backup builds on, checked against what the server knows.

    Informix bases a level-1 archive on the server's last level-0 archive (and a level 2 on the
    last level 1), whoever took it. If that archive is not in the destination, the new archive
    could never be restored from there: refuse rather than record a chain that does not exist.
    """
    if level == 0:
        return None
    all_chains = chains(manifests)
    if not all_chains:
        raise ChainError(f"level {level} needs a verified level 0 backup in the destination first")
    newest = all_chains[-1]
    candidates = [m for m in newest if m["level"] == level - 1]
    if not candidates:
        raise ChainError(f"level {level} needs a verified level {level - 1} backup in the newest chain "
                         f"({newest[0]['name']}) first")
    parent = candidates[-1]
    if server_last is not None:
        known = server_last.get(level - 1)
        if not same_checkpoint(known, parent.get("checkpoint")):
            raise ChainError(
                f"the server's last level {level - 1} archive ({(known or {}).get('date', 'none')}, log "
                f"{(known or {}).get('log', '-')}) is not {parent['name']}: another tool archived since. "
                f"Take a level 0 backup to start a new chain")
    return parent


# The checkpoint of an archive not taken yet: after every recorded one (a backup plans retention before it runs).
NOT_YET_TAKEN = {"log": 2 ** 62, "date": "", "position": None}


def retention_plan(manifests: list[dict], keep_full: int) -> list[dict]:
    """Manifests whose archives may go: everything in chains older than the newest `keep_full`.

    Only members of complete, verified chains are ever deleted; the newest chain is always kept,
    as is anything that is not part of a verified chain (it might be what an operator needs).
    """
    if keep_full < 1:
        raise ChainError("keep_full must be at least 1: the newest verified chain is never deleted")
    all_chains = chains(manifests)
    return [m for chain in all_chains[:-keep_full] for m in chain]


def restore_chain(manifests: list[dict], target: str | None = None,
                  include_levels: list[int] | None = None) -> list[dict]:
    """The archives to restore, level 0 first, ending at `target` (a manifest name) or the newest."""
    all_chains = chains(manifests)
    if not all_chains:
        raise ChainError("no verified backup chain found in the destination")
    if target is None:
        # The newest point in time of the newest chain; its parents lead back to the level 0.
        wanted = max(all_chains[-1], key=_start)
    else:
        wanted = next((m for chain in all_chains for m in chain if m["name"] == target), None)
        if wanted is None:
            raise ChainError(f"manifest {target} is not part of a complete, verified chain")
    by_name = {m["name"]: m for chain in all_chains for m in chain}
    path = [wanted]
    while path[0]["level"] > 0:
        path.insert(0, by_name[path[0]["parent"]])
    if include_levels is not None:
        if 0 not in include_levels:
            raise ChainError("include_levels must contain 0: every restore starts with the level 0 archive")
        path = [m for m in path if m["level"] in include_levels]
        levels = [m["level"] for m in path]
        if levels != list(range(len(levels))):
            raise ChainError(f"include_levels {sorted(include_levels)} leaves a gap in the chain {levels}")
    return path


# ---------------------------------------------------------------- whose manifests, and which to trust
# One destination may hold the backups of every server of the estate, and anybody who can write
# it can write a manifest. So a manifest counts only for the server it names, and only when every
# path it names stays where it must: archive and parent are plain names in the destination, chunk
# files lie where the server keeps its chunks.
_NOT_PLAIN = re.compile(r"[/\\:\x00-\x1f]|\.\.")


def name_problem(name) -> str | None:
    if not isinstance(name, str) or not name:
        return "is empty"
    if _NOT_PLAIN.search(name):
        return f"{name!r} is not a plain file name (no separators, drive, '..' or control characters)"
    return None


def _norm(path_module, path: str) -> str:
    """One spelling per folder, for comparing: on Windows without the \\\\?\\ or \\\\.\\ prefix (UNC\\ after it is a
    share), repeated separators, case and trailing separators (normpath keeps one on a share root: \\\\srv\\share\\
    is \\\\srv\\share). A server's other names (its FQDN) are not known here."""
    if path_module.sep == "\\":
        path = path.replace("/", "\\")
        if path[:4] in ("\\\\?\\", "\\\\.\\"):
            path = path[4:].lstrip("\\")
            path = "\\\\" + path[4:] if path[:4].upper() == "UNC\\" else path
        if path.startswith("\\\\"):
            path = "\\\\" + re.sub(r"\\+", r"\\", path[2:])
    normalized = path_module.normcase(path_module.normpath(path))
    return normalized.rstrip(path_module.sep) or path_module.sep


def is_within(path_module, root: str, path: str) -> bool:
    root, path = _norm(path_module, root), _norm(path_module, path)
    return path == root or path.startswith(root.rstrip(path_module.sep) + path_module.sep)


def path_problem(path_module, path, roots: list[str]) -> str | None:
    """Why a chunk path is not one to create or overwrite: not absolute, '..' in it, outside every root."""
    if not isinstance(path, str) or not path.strip():
        return "is empty"
    windows = path_module.sep == "\\"
    absolute = path_module.isabs(path) and (not windows or bool(path_module.splitdrive(path)[0]))
    if not absolute:
        return f"{path!r} is not an absolute path"
    if ".." in re.split(r"[\\/]", path):
        return f"{path!r} contains '..'"
    if roots is not None and not any(is_within(path_module, root, path) for root in roots):
        return f"{path!r} is outside the server's chunk locations ({', '.join(sorted(set(roots))) or 'none known'})"
    return None


def chunk_locations(path_module, onconfig: dict, chunks: list[str]) -> list[str]:
    """Folders that hold the server's chunks: those of ROOTPATH and MIRRORPATH in ONCONFIG and of onstat -d."""
    paths = [onconfig.get("ROOTPATH"), onconfig.get("MIRRORPATH"), *chunks]
    return sorted({path_module.dirname(p) for p in paths if p and path_module.isabs(p)})


# The keys chains, retention and restore read, with the types they need (None allowed where listed).
_SHAPE = {"name": (str,), "level": (int,), "start": (str,), "verified": (bool,), "parent": (str, type(None)),
          "archive": (str, type(None)), "checkpoint": (dict, type(None)), "parent_checkpoint": (dict, type(None)),
          "chunks": (list, type(None)), "tool": (str, type(None)), "method": (str, type(None)),
          "sha256": (str, type(None)), "size": (int, type(None)), "oscc_version": (str, type(None))}
_REQUIRED = ("name", "level", "start", "verified")
_CHECKPOINT = {"log": int, "date": str, "position": (str, type(None))}


def shape_problem(m: dict) -> str | None:
    """Why a manifest cannot be read as one (a key missing or of the wrong type), or None."""
    if m.get("format") != MANIFEST_FORMAT:
        return f"format {m.get('format')!r} is not {MANIFEST_FORMAT}"
    for key in _REQUIRED:
        if key not in m:
            return f"{key} is missing"
    for key, kinds in _SHAPE.items():
        value = m.get(key)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            return f"{key} is {type(value).__name__} {value!r:.40}, not {' or '.join(k.__name__ for k in kinds)}"
    if m["level"] not in (0, 1, 2):
        return f"level {m['level']} is not 0, 1 or 2"
    for key in ("checkpoint", "parent_checkpoint"):
        for field, kinds in _CHECKPOINT.items():
            if m.get(key) is not None and (not isinstance(m[key].get(field), kinds)
                                           or isinstance(m[key].get(field), bool)):
                return f"{key}.{field} is missing or not {getattr(kinds, '__name__', 'str')}"
        position = (m.get(key) or {}).get("position")
        if position is not None and not re.fullmatch(r"(0x)?[0-9a-fA-F]{1,16}", position):
            return f"{key}.position {position!r:.40} is not a hexadecimal log position"
    if m.get("archive") is not None and (m.get("sha256") is None or m.get("size") is None):
        return "it names an archive but no sha256 and size"
    return None


def manifest_problem(m: dict, path_module, destination_resolved: str | None, chunk_roots: list[str]) -> str | None:
    stem = path_module.basename(m["manifest"])[: -len(MANIFEST_SUFFIX)]
    shape = shape_problem(m)
    if shape:
        return shape
    if m.get("name") != stem:
        return f"its name {m.get('name')!r} is not its file name {stem!r}"
    if m.get("manifest_link"):
        return "the manifest is a link (symbolic link or junction)"
    for key in ("archive", "parent"):
        if m.get(key) is not None:
            problem = name_problem(m[key])
            if problem:
                return f"{key} {problem}"
    if m.get("archive") is not None:
        if m["archive"] != m["name"] + ARCHIVE_SUFFIX:  # each manifest names its own archive, nothing else's
            return f"archive {m['archive']!r} is not its own archive {m['name'] + ARCHIVE_SUFFIX!r}"
        if m.get("archive_link"):
            return f"archive {m['archive']!r} is a link (symbolic link or junction)"
        resolved = m.get("archive_resolved")
        if resolved and destination_resolved and not is_within(path_module, destination_resolved, resolved):
            return f"archive {m['archive']!r} leads outside the destination, to {resolved}"
    chunks = m.get("chunks") or []
    if not isinstance(chunks, list):
        return "chunks is not a list"
    for chunk in chunks:
        problem = path_problem(path_module, chunk, chunk_roots)
        if problem:
            return f"chunk {problem}"
    return None


# A manifest may be a little ahead of the clock that judges it (another controller's or the host's clock).
CLOCK_TOLERANCE = dt.timedelta(minutes=15)
BEYOND_RECORD = "it claims an archive newer than the server's own newest"


HOST_CLOCK, CONTROLLER_CLOCK = "the host's clock", "the controller's clock (the host gave no time)"


def judging_clock(host_stamp: str | None, controller_now: dt.datetime | None) -> tuple:
    """(now, which clock): the host's UTC time (an executor batch's stamp, yyyymmddThhmmssfff), which dates the
    manifests; the controller's only when the host gave none or none readable."""
    try:
        host = dt.datetime.strptime(host_stamp[:15], "%Y%m%dT%H%M%S").replace(tzinfo=dt.timezone.utc)
        return host + dt.timedelta(milliseconds=int(host_stamp[15:18])), HOST_CLOCK
    except (TypeError, ValueError):
        return controller_now, CONTROLLER_CLOCK


def record_problem(m: dict, server_last: dict | None, now: dt.datetime | None,
                   clock: str = CONTROLLER_CLOCK) -> str | None:
    """Why a manifest disagrees with the clock or with the server's own archive history (onstat -g arc), or None.
    server_last: the server's newest archive of each level ({} when it cannot be read: a clean machine, a server
    Off-Line; the checkpoint order among verified manifests then decides alone)."""
    start = _time(m["start"])
    if now is not None and start is not None and start > now + CLOCK_TOLERANCE:
        return f"it is dated in the future ({m['start']}, now {timestamp(now)} by {clock})"
    checkpoint = m.get("checkpoint")
    if not server_last or not checkpoint:
        return None
    # No archive of its level on record (a newer level 0 clears levels 1 and 2): the newest of any level bounds it.
    limit = server_last.get(m["level"]) or max(server_last.values(), key=checkpoint_order)
    if checkpoint_order(checkpoint) > checkpoint_order(limit):
        return (f"{BEYOND_RECORD} (its checkpoint: log {checkpoint['log']} position {checkpoint.get('position')}; "
                f"the server's: log {limit.get('log')} position {limit.get('position')})")
    return None


class Judged(NamedTuple):
    """own_manifests' verdict on a destination's manifests."""

    own: list  # the server's trusted manifests, archive_path set; unsigned ones accepted carry unsigned: True
    skipped: list  # the server's manifests not trusted: {manifest, name, start, reason}
    others: int  # files of other servers
    unrecorded: list  # trusted but beyond the server's own record: restored only when named (BEYOND_RECORD)


def own_manifests(manifests: list[dict], server: str, path_module, destination: str,
                  destination_resolved: str | None = None, chunk_roots: list[str] | None = None,
                  trust: signing.Trust | None = None, server_last: dict | None = None,
                  now: dt.datetime | None = None, clock: str = CONTROLLER_CLOCK) -> Judged:
    """The server's trustworthy manifests (archive_path set), those of it that were skipped and why, and how
    many files belong to others. An unreadable file counts as the server's when its name says so.
    trust: the keys that verify signatures (signing.Trust; none given: unsigned manifests only, and only when
    accepted); server_last: the server's newest archive of each level; now: the time that judges `start`, read
    from `clock` (judging_clock)."""
    trust = trust or signing.Trust()
    own, skipped, others, unrecorded = [], [], 0, []
    ours = re.compile(re.escape(server) + r"_\d{8}T\d{9}_L[012]" + re.escape(MANIFEST_SUFFIX) + "$")
    for m in manifests:
        named_ours = bool(ours.match(path_module.basename(m["manifest"])))
        if m.get("unreadable") is not None or m.get("informixserver") != server:
            if m.get("unreadable") is not None and named_ours:
                skipped.append({"manifest": m["manifest"], "reason": f"not a readable manifest: {m['unreadable']}"})
            elif not named_ours or m.get("informixserver") is not None:
                others += 1
            else:
                skipped.append({"manifest": m["manifest"], "reason": "it names no Informix server"})
            continue
        problem = (manifest_problem(m, path_module, destination_resolved, chunk_roots) if named_ours else
                   f"it names server {server}, but its file name is not one of {server}'s archive names")
        # Checked last: the reasons above say more about a damaged manifest than "does not verify".
        problem = problem or signing.signature_problem(m, trust) or record_problem(m, server_last, now, clock)
        trusted = dict(m, archive_path=path_module.join(destination, m["archive"]) if m.get("archive") else None)
        if signing.is_unsigned(m):
            trusted["unsigned"] = True
        if problem:
            skipped.append({"manifest": m["manifest"], "name": m.get("name"), "start": m.get("start"),
                            "reason": problem})
            if problem.startswith(BEYOND_RECORD):
                unrecorded.append(trusted)
            continue
        own.append(trusted)
    return Judged(own, skipped, others, unrecorded)


def signed_only(manifests: list[dict]) -> list[dict]:
    """What retention counts and deletes: manifests whose signature verified (an unsigned one, even accepted, never
    makes a signed chain go)."""
    return [m for m in manifests if not m.get("unsigned")]


def newest_candidates(manifests: list[dict]) -> list[dict]:
    """What `latest` and a new backup's parent choose among: the signed manifests only. An unsigned one
    (accept_unsigned_manifests, meant for manifests written before the key existed) is taken only when named: a
    forger can always leave the signature out, and whoever can write a forgery can also delete the signed chain."""
    return signed_only(manifests)


def _where(checkpoint: dict) -> str:
    return f"{checkpoint.get('date') or 'no date'}, log {checkpoint.get('log')} position {checkpoint.get('position')}"


def unrecorded_newest(chain: list[dict], server_last: dict, trusted: list[dict]) -> str | None:
    """Why `latest` must not take `chain`: the server's own newest archive (onstat -g arc) is later than the chain's
    end and is in none of the trusted manifests (a newer chain was deleted from the destination, or never
    recorded), so taking it would roll the server back without a word. None when the record is empty."""
    if not server_last:
        return None
    level, newest = max(server_last.items(), key=lambda item: checkpoint_order(item[1]))
    end = chain[-1].get("checkpoint")
    if end and checkpoint_order(newest) <= checkpoint_order(end):
        return None
    if any(same_checkpoint(newest, m.get("checkpoint")) for m in trusted):
        return None
    return (f"the server's newest archive (level {level}, {_where(newest)}) is in no verified manifest of the "
            f"destination, and latest would take the older chain {chain[0]['name']} ending at {chain[-1]['name']}: "
            "a newer chain was removed or never recorded. Name a manifest (manifest: <path>.json) to restore an "
            "older chain on purpose; nothing was touched")


def order_disagreement(all_chains: list[list[dict]]) -> tuple[dict, dict] | None:
    """With no server record to decide: the newest point by checkpoint and the newest by signed `start`, when they
    lie in different chains. After a restore of an older chain the server's log positions continue from that
    chain's archive (docs/vendor-facts.md), so a chain taken after the rollback can order before the chain rolled
    back from; the start order then tells another story, and only the operator knows which is meant."""
    if not all_chains:
        return None
    by_checkpoint = max(all_chains[-1], key=_start)
    by_start = max((m for chain in all_chains for m in chain), key=lambda m: (m["start"], m["name"]))
    newest_chain = {m["name"] for m in all_chains[-1]}
    return None if by_start["name"] in newest_chain else (by_checkpoint, by_start)


def skipped_text(skipped: list[dict]) -> str:
    return "; ".join(f"{s['manifest']}: {s['reason']}" for s in skipped)


def newer_than(skipped: list[dict], chosen: dict, path_module) -> list[str]:
    """Skipped manifests taken after the chosen one (archive names carry their UTC start)."""
    def stamp(name):
        match = re.search(r"_(\d{8}T\d{9})_L[012]$", name)
        return match.group(1) if match else ""
    mine = stamp(chosen["name"])
    return [s["manifest"] for s in skipped
            if stamp(path_module.basename(s["manifest"])[: -len(MANIFEST_SUFFIX)]) > mine]
