# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: which chain a restore takes and how (manual §6.3.3, §6.3.4, §7.4 step 2): the restore plan,
# made from a probe. restore.py runs it on the host.
from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import Probe, RestorePlan

STAGE_PREFIX = "oscc_restore"  # IFX_ONTAPE_FILE_PREFIX of the archives staged in a TAPEDEV directory


def restore_method(chain: list[dict], tapedev: str | None, server_last: dict) -> str:
    if any(m.get("tool") == "onbar" for m in chain):
        if any(m.get("tool") != "onbar" for m in chain):
            raise AnsibleActionFail("the chain mixes onbar and ontape backups; restore it level by level")
        # onbar -r restores the newest backup its storage manager holds: make sure that is this chain.
        known, ours = server_last.get(0), chain[0].get("checkpoint")
        if known and ours and not ifx.same_checkpoint(known, ours):
            raise AnsibleActionFail(f"onbar would restore the server's last level 0 archive ({known['date']}), "
                                    f"not {chain[0]['name']}; only the newest onbar chain can be restored")
        return "onbar"
    methods = {m.get("method") for m in chain}
    if len(methods) != 1:
        raise AnsibleActionFail(f"the chain mixes backup methods {sorted(methods)}; restore it level by level")
    method = methods.pop()
    if method == "directory" and (ifx.is_null_device(tapedev) or any(c.isspace() for c in tapedev)):
        raise AnsibleActionFail(f"the chain was written to a TAPEDEV directory, but TAPEDEV is now {tapedev!r}")
    if method == "tapedev" and (ifx.is_null_device(tapedev) or any(c.isspace() for c in tapedev)):
        raise AnsibleActionFail(f"the chain was written through the TAPEDEV file, but TAPEDEV is now {tapedev!r}")
    return method


def version_check(chain: list[dict], probe: Probe, allowed: bool) -> dict:
    """The OSCC patch level of the backup against the server's (manual §7.4 step 2, §8.6)."""
    recorded, installed = chain[-1].get("oscc_version"), probe.oscc_version
    check = {"backup": recorded, "server": installed, "matches": recorded == installed, "allowed": allowed}
    if not check["matches"] and not allowed:
        raise AnsibleActionFail(
            f"the OSCC patch level of the backup ({recorded or 'not recorded'}) differs from the server's "
            f"({installed or 'not found'}); the manual (§7.4 step 2, §8.6) requires them equal. Install the matching "
            "patch level first, or set allow_version_mismatch: true once you have checked it by hand")
    return check


def chosen_manifest(probe: Probe, wanted: str | None, server: str, path) -> None:
    """An explicitly named manifest must exist, be the target server's and be trustworthy."""
    if wanted is None:
        return
    entry = next((m for m in probe.manifests if path.basename(m["manifest"]) == wanted + arc.MANIFEST_SUFFIX),
                 None)
    folder = next((probe.files[name] for name in (wanted, wanted + arc.MANIFEST_SUFFIX)
                   if (probe.files.get(name) or {}).get("dir")), None)
    if entry is None and folder is not None:
        raise AnsibleActionFail(f"manifest {folder['name']!r} is a folder, not a manifest file; give the path of a "
                                "manifest (.json), or manifest: latest with destination set to that folder")
    if entry is None:
        raise AnsibleActionFail(f"manifest {wanted + arc.MANIFEST_SUFFIX!r} does not exist in the destination")
    # Only the server's own names are read (host.own_names): another server's file is listed, never read.
    named = re.fullmatch(r"(.+)_[0-9]{8}T[0-9]{9}_L[012]", wanted)
    if named is None or named.group(1) != server:
        raise AnsibleActionFail(f"manifest {entry['manifest']} is a backup of "
                                f"{'server ' + named.group(1) if named else 'no server'} by its name "
                                f"({server}'s are {server}_<stamp>_L<level>), not of {server}: a restore takes only "
                                "the target server's own backups")
    owner = entry.get("informixserver")
    if entry.get("unreadable") is None and owner != server:
        raise AnsibleActionFail(f"manifest {entry['manifest']} is a backup of server {owner or 'unknown'} "
                                f"(host {entry.get('host') or 'unknown'}), not of {server}: a restore takes only the "
                                "target server's own backups")
    bad = next((s for s in probe.skipped if s["manifest"] == entry["manifest"]), None)
    # Beyond the server's own record is no reason to refuse what the operator names: after a restore of an older
    # chain the server's record is that chain's, and the newer chains (the safety backup too) are still real.
    if bad and not any(m["manifest"] == entry["manifest"] for m in probe.unrecorded):
        raise AnsibleActionFail(f"refusing manifest {entry['manifest']}: {bad['reason']}")


def safety_folder(args: dict, destination: str, path) -> str:
    """Where the safety backup goes; refused when it is the destination itself, where `latest` would take it
    for one of the server's chains."""
    folder = args["safety_destination"] or path.join(destination, "safety")
    if arc.is_within(path, folder, destination):
        raise AnsibleActionFail(f"safety_destination {folder} is the destination (or holds it): safety backups "
                                "would mix with the server's chains; give a folder of their own")
    return folder


def known_chunks(probe: Probe, chain: list[dict], path) -> set:
    """The server's own chunk files, normalised: onstat -d, ROOTPATH, MIRRORPATH and the backup's record."""
    values = probe.onconfig_values
    given = [*ifx.parse_onstat_chunks(probe.text.onstat_d), values.get("ROOTPATH"), values.get("MIRRORPATH"),
             *(chain[0].get("chunks") or [])]
    return {path.normcase(path.normpath(c)) for c in given if isinstance(c, str) and c}


def foreign_chunk(chunks: list, stats: dict, known: set, path) -> str | None:
    """The error for the first chunk file that exists but is a folder or none of the server's chunks: ontape
    would restore into it (a system file), else None. stats: chunk -> the executor's stat."""
    for index, chunk in enumerate(chunks):
        found = stats[chunk]
        if found["exists"] and (found["dir"] or path.normcase(path.normpath(chunk)) not in known):
            what = "a folder" if found["dir"] else "a file that is none of the server's chunks (onstat -d, ROOTPATH)"
            return f"chunks[{index}] {chunk} exists and is {what}; nothing was touched"
    return None


def _named_candidates(probe: Probe, wanted: str) -> list[dict]:
    """What a named manifest's chain is made of: an unsigned manifest only when the named one is itself unsigned
    (the operator chose an unsigned chain); a signed one never rests on an unsigned parent."""
    pool = probe.own + probe.unrecorded
    named = next((m for m in pool if m["name"] == wanted), None)
    return pool if named is not None and named.get("unsigned") else arc.signed_only(pool)


def latest_problem(probe: Probe, chain: list[dict], all_chains: list[list[dict]]) -> str | None:
    """Why `latest` must not choose for the operator: the server's own record shows a newer archive than the chain
    (F1 of review 19c), or, with no record to read, checkpoint order and start order name different chains."""
    unrecorded = arc.unrecorded_newest(chain, probe.archives_by_level, arc.signed_only(probe.own))
    if unrecorded:
        return f"refusing manifest: latest: {unrecorded}"
    if probe.archives_by_level:
        return None
    disagreement = arc.order_disagreement(all_chains)
    if disagreement is None:
        return None
    by_checkpoint, by_start = disagreement
    return (f"refusing manifest: latest: the server's archive history cannot be read ({probe.server_mode}), and "
            f"the chains disagree: by checkpoint the newest is {by_checkpoint['name']}, by start "
            f"{by_start['name']} (after a restore of an older chain, log positions continue from that chain, so a "
            f"chain taken after the rollback can order first). Name the one meant: manifest: "
            f"{by_checkpoint['manifest']} or manifest: {by_start['manifest']}; nothing was touched")


def plan_restore(args: dict, probe: Probe, wanted: str | None, path, passed_over: tuple = (),
                 pending: bool = False) -> RestorePlan:
    """The chain to restore (the newest verified one, or the one named `wanted`), how, and what the task reports
    of it. args: the informix_restore task's arguments; path: the host's path module. passed_over: names of
    manifests whose archive failed its checksum; `latest` falls back past them and what builds on them.
    pending: scheduled runs wait to become manifests (check mode): the server's newest may be theirs, so a newer
    archive on record than `latest`'s chain is a warning, not a refusal."""
    chosen_manifest(probe, wanted, probe.server, path)
    candidates = _named_candidates(probe, wanted) if wanted is not None else arc.newest_candidates(probe.own)
    candidates = [m for m in candidates if m["name"] not in passed_over]
    try:
        chain = arc.restore_chain(candidates, wanted, args["include_levels"])
    except arc.ChainError as exc:
        unsigned = [m["name"] for m in probe.own if m.get("unsigned")]
        if wanted is None and unsigned:
            raise arc.ChainError(f"{exc}: {len(unsigned)} unsigned manifest(s) ({', '.join(unsigned[:3])}) are "
                                 "restored only when named (manifest: <path>.json)") from None
        if wanted is not None or not probe.skipped:
            raise
        more = f" and {len(probe.skipped) - 3} more" if len(probe.skipped) > 3 else ""
        raise arc.ChainError(f"{exc}; skipped {arc.skipped_text(probe.skipped[:3])}{more}") from None
    warnings = []
    problem = latest_problem(probe, chain, arc.chains(candidates)) if wanted is None else None
    if problem and pending and probe.archives_by_level:
        warnings.append(problem.replace("refusing manifest: latest: ", "a real run may refuse latest: ", 1))
    elif problem:
        raise AnsibleActionFail(problem)
    versions = version_check(chain, probe, args["allow_version_mismatch"])
    tapedev = probe.onconfig_values.get("TAPEDEV")
    method = restore_method(chain, tapedev, probe.archives_by_level)
    for index, chunk in enumerate(args["chunks"] or []):  # the recorded ones were checked with their manifest
        problem = arc.path_problem(path, chunk, probe.chunk_locations)
        if problem:
            raise AnsibleActionFail(f"chunks[{index}] {problem}; chunks lie where the server keeps its chunks")
    chunks = args["chunks"] if args["chunks"] is not None else chain[0].get("chunks", [])
    staged = [path.join(tapedev, f"{STAGE_PREFIX}_L{level}") for level in range(len(chain))] \
        if method == "directory" else []
    fell_back_past = arc.newer_than(probe.skipped, chain[-1], path) if wanted is None else []
    missing = sorted(set(args["include_levels"] or []) - {m["level"] for m in chain})
    if missing:
        warnings.append(f"include_levels: level(s) {', '.join(map(str, missing))} are not in the chain ending at "
                        f"{chain[-1]['name']}; restoring level(s) {', '.join(str(m['level']) for m in chain)} only")
    if fell_back_past:
        passed = [s for s in probe.skipped if s["manifest"] in fell_back_past]
        warnings.append(f"restoring {chain[-1]['name']}, not a newer backup: skipped {arc.skipped_text(passed)}")
    return RestorePlan(chain=chain, method=method, tapedev=tapedev, chunks=chunks, staged=staged,
                       known_chunks=known_chunks(probe, chain, path),
                       services=args["services"], version_check=versions, skipped_manifests=probe.skipped,
                       fell_back_past=fell_back_past, warnings=warnings)
