# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Java .properties text: read values and set keys while keeping every other line as it was.
# Format per java.util.Properties: ISO-8859-1, '#'/'!' comments, 'key=value', 'key: value' or
# 'key value', a trailing odd backslash continues the line, backslash escapes and \u with four hex digits.
from __future__ import annotations

import re

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    # Surrogate pairs written as two \u escapes become the one character they stand for.
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")


def escape_value(value: str) -> str:
    """A value as a .properties file holds it (ISO-8859-1; other characters as \\u and four hex digits)."""
    out = []
    for index, c in enumerate(value):
        if c == "\\":
            out.append("\\\\")
        elif c in "\t\n\r\f":
            out.append("\\" + {"\t": "t", "\n": "n", "\r": "r", "\f": "f"}[c])
        elif c == " " and index == 0:
            out.append("\\ ")  # a leading blank would be taken for the separator
        elif ord(c) > 0xFFFF:  # Java's \u holds UTF-16 units: a character beyond them is a surrogate pair
            high, low = divmod(ord(c) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
        elif ord(c) > 0xFF:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def escape_key(key: str) -> str:
    return "".join("\\" + c if c in " =:#!" else c for c in escape_value(key))


def _logical_lines(text: str):
    """(first physical line index, last index, joined logical text) for every non-comment line."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start, joined = i, lines[i].rstrip("\r").lstrip(" \t\f")
        if not joined or joined[0] in "#!":
            i += 1
            continue
        while (len(joined) - len(joined.rstrip("\\"))) % 2 == 1 and i + 1 < len(lines):
            i += 1
            joined = joined[:-1] + lines[i].rstrip("\r").lstrip(" \t\f")
        yield start, i, joined
        i += 1


def _split(logical: str):
    """key, separator text, raw value of one logical line."""
    i = 0
    while i < len(logical) and logical[i] not in "=: \t\f":
        i += 2 if logical[i] == "\\" else 1
    key = logical[:i]
    match = re.match(r"[ \t\f]*[=:]?[ \t\f]*", logical[i:])
    return key, match.group(0), logical[i + match.end():]


def parse(text: str) -> dict:
    values = {}
    for logical in (line for _start, _end, line in _logical_lines(text)):
        key, _sep, raw = _split(logical)
        values[_unescape(key)] = _unescape(raw)  # the last occurrence wins in java.util.Properties
    return values


def set_properties(text: str, wanted: dict) -> tuple[str, dict]:
    """New text with `wanted` set, and {key: (old, new)} for what changed. The last occurrence of a
    key (the effective one) is rewritten with its own separator; missing keys are appended."""
    current = parse(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split("\n")
    changes = {}
    last = {}
    for start, end, logical in _logical_lines(text):
        last[_unescape(_split(logical)[0])] = (start, end, logical)
    appended = []
    for key, value in wanted.items():
        value = str(value)
        if current.get(key) == value:
            continue
        changes[key] = (current.get(key), value)
        if key in last:
            start, end, logical = last[key]
            raw_key, sep = _split(logical)[:2]
            cr = "\r" if lines[end].endswith("\r") else ""
            indent = lines[start][: len(lines[start]) - len(lines[start].lstrip(" \t\f"))]
            lines[start:end + 1] = [f"{indent}{raw_key}{sep or '='}{escape_value(value)}{cr}"] + [None] * (end - start)
        else:
            appended.append(f"{escape_key(key)}={escape_value(value)}")
    body = [line for line in lines if line is not None]
    if appended:
        if body and body[-1] == "":
            body.pop()
            body += [a + ("\r" if newline == "\r\n" else "") for a in appended] + [""]
        else:
            body += [a + ("\r" if newline == "\r\n" else "") for a in appended]
    return "\n".join(body), changes
