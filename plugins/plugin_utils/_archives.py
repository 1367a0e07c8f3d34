# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Backup manifests, archive chains and chain-aware retention. Pure functions, no I/O.
from __future__ import annotations

import datetime as dt

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


def _start(manifest: dict) -> tuple:
    return manifest.get("start", ""), manifest.get("name", "")


def _ok(manifest: dict) -> bool:
    return manifest.get("format") == MANIFEST_FORMAT and bool(manifest.get("verified"))


def _linked(manifests: list[dict]) -> list[dict]:
    """Manifests with every parent named. A run of the scheduled task (no controller to ask)
    records only the server's checkpoint of the archive it builds on; its parent is the verified
    manifest of the level below that carries that checkpoint."""
    by_checkpoint = {(m["level"], (m.get("checkpoint") or {}).get("date"), (m.get("checkpoint") or {}).get("log")): m
                     for m in manifests if _ok(m)}
    linked = []
    for m in manifests:
        base = m.get("parent_checkpoint")
        if m.get("level", 0) > 0 and not m.get("parent") and base:
            parent = by_checkpoint.get((m["level"] - 1, base.get("date"), base.get("log")))
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
        recorded = parent.get("checkpoint") or {}
        if not known or known.get("log") != recorded.get("log") or known.get("date") != recorded.get("date"):
            raise ChainError(
                f"the server's last level {level - 1} archive ({(known or {}).get('date', 'none')}, log "
                f"{(known or {}).get('log', '-')}) is not {parent['name']}: another tool archived since. "
                f"Take a level 0 backup to start a new chain")
    return parent


def retention_plan(manifests: list[dict], keep_full: int) -> list[dict]:
    """Manifests whose archives may go: everything in chains older than the newest `keep_full`.

    Only members of complete, verified chains are ever deleted; the newest chain is always kept,
    as is anything that is not part of a verified chain (it might be what an operator needs).
    """
    if keep_full < 1:
        raise ChainError("keep_full must be at least 1: the newest verified chain is never deleted")
    all_chains = chains(manifests)
    return [m for chain in all_chains[:-keep_full] for m in chain]


def restore_chain(manifests: list[dict], target: str | None = None, include_levels: list[int] | None = None) -> list[dict]:
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
