# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The web components kit laid into its folder (manual §4.2.1.1 step 4 and the chapter's note on
# upgrades): the plan, without I/O. A file that differs from what the previous kit laid down
# (customised, localised, configured on site) is kept, and its site copy and the new kit's version
# are saved; files the kit does not carry are never touched. dest/.oscc-kit.json records what the
# kit laid down, so the next kit knows which files are still the kit's.
from __future__ import annotations

import json
import re

RECORD = ".oscc-kit.json"


class KitError(ValueError):
    pass


def entry_parts(name: str) -> list:
    """The folders and file name of a zip entry, or a KitError when it would leave the folder it is laid into."""
    parts = [p for p in re.split(r"[\\/]", name) if p]
    if not parts or ".." in parts or name.startswith(("/", "\\")) or any(":" in p for p in parts):
        raise KitError(f"zip entry {name!r} is not a path inside the kit's folder")
    if parts == [RECORD]:
        raise KitError(f"zip entry {name!r} would overwrite the record of the kit laid down")
    return parts


def inside(path: str, folder: str, flavour) -> bool:
    """Whether `path` is `folder` or lies inside it, compared as the host's file system does (`flavour`: ntpath, which
    ignores case, or posixpath)."""
    path, folder = (flavour.normcase(flavour.normpath(p)) for p in (path, folder))
    return path == folder or path.startswith(folder.rstrip(flavour.sep) + flavour.sep)


def read_record(found: dict) -> dict:
    """The previous kit's record; {} when there is none or it is unreadable (every differing file is then kept)."""
    if not found.get("exists"):
        return {}
    try:
        record = json.loads(found.get("content") or "")
    except ValueError:
        return {}
    if not isinstance(record, dict) or not isinstance(record.get("files", {}), dict):
        return {}
    return record


def plan(files: dict, current: dict, old: dict) -> dict:
    """{write, keep} from the kit's entries (name -> SHA-256), the files in dest now (name -> SHA-256, None when
    absent) and the previous record."""
    laid = old.get("files") or {}
    write, keep = [], []
    for name, new in files.items():
        have = current.get(name)
        if have is None or (have != new and have == laid.get(name)):
            write.append(name)  # new, or as the previous kit laid it down: take the kit's
        elif have != new:
            keep.append(name)  # changed on site: never overwritten
    return {"write": sorted(write), "keep": sorted(keep)}


def record_text(kit_sha256: str, files: dict) -> str:
    return json.dumps({"kit_sha256": kit_sha256, "files": files}, indent=1, sort_keys=True)
