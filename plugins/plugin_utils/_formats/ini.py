# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: Windows INI text (HPWC.ini): set keys of one section, keeping every other byte. Section and key
# names compare case-insensitively, as GetPrivateProfileString does; the first occurrence counts.
from __future__ import annotations

import re

_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]*)\]\s*$")
_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[^=;#\[\s][^=]*?)(?P<sep>\s*=\s*)(?P<value>.*?)(?P<end>\r?)$")


# Characters a value cannot hold in an INI line it is meant to stay one value of: ; starts a comment and [ a
# section where readers trim, = splits a key from its value.
VALUE_SPECIALS = ";=[]"


def value_problem(option: str, value) -> str | None:
    """The error when `value` would not stay one plain INI value (empty, or holding ; = [ ]), else None."""
    if value is None:
        return None
    text = str(value)
    if not text.strip():
        return f"{option} must not be empty, got {text!r}"
    found = "".join(sorted({char for char in text if char in VALUE_SPECIALS}))
    if found:
        return (f"{option} holds {found!r}, which an INI line reads as a comment, a section or a second key; "
                f"got {text!r}")
    return None


def read_section(text: str, section: str) -> dict:
    values, current = {}, None
    for line in text.split("\n"):
        header = _SECTION.match(line.rstrip("\r"))
        if header:
            current = header.group("name").strip().lower()
            continue
        match = _KEY.match(line)
        if current == section.lower() and match:
            values.setdefault(match.group("key").lower(), match.group("value").strip())
    return values


def set_keys(text: str, section: str, wanted: dict) -> tuple[str, dict]:
    """New text with `wanted` (key -> value) set in `section`, and {key: (old, new)} for changes.
    A missing key is added at the end of the section; a missing section at the end of the file."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split("\n")
    current = read_section(text, section)
    changes = {key: (current.get(key.lower()), str(value)) for key, value in wanted.items()
               if current.get(key.lower()) != str(value)}
    if not changes:
        return text, {}
    seen, in_section, section_end = set(), False, None
    for index, line in enumerate(lines):
        header = _SECTION.match(line.rstrip("\r"))
        if header:
            if in_section:
                section_end = index
            in_section = header.group("name").strip().lower() == section.lower() and section_end is None
            continue
        match = _KEY.match(line)
        key = match.group("key").lower() if match else None
        if in_section and match and key not in seen:
            seen.add(key)
            for name, (_old, new) in changes.items():
                if name.lower() == key:
                    lines[index] = f"{match['indent']}{match['key']}{match['sep']}{new}{match['end']}"
    cr = "\r" if newline == "\r\n" else ""
    missing = [f"{name}={new}{cr}" for name, (_old, new) in changes.items() if name.lower() not in seen]
    if missing:
        if section_end is None and not in_section and section.lower() not in seen_sections(text):
            tail = [f"[{section}]{cr}"] + missing
            if lines and lines[-1] == "":
                lines = lines[:-1] + tail + [""]
            else:
                lines += tail
        else:
            at = section_end if section_end is not None else len(lines) - (1 if lines[-1] == "" else 0)
            while at > 0 and lines[at - 1].strip() == "":
                at -= 1  # after the section's last line, before blank lines that separate sections
            lines[at:at] = missing
    return "\n".join(lines), changes


def seen_sections(text: str) -> set:
    lines = (ln.rstrip("\r") for ln in text.split("\n"))
    return {m.group("name").strip().lower() for m in map(_SECTION.match, lines) if m}
