# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: Localisation (manual §4.4.1) and customisation of CaptureWCData.htm (§4.4.2): the rules and the
# page edits, without I/O.
from __future__ import annotations

import html
import re

DEFAULT_LANGUAGE = "english"
CAPTURE_PAGE = "CaptureWCData.htm"
ENTRY_PAGE = "WCMain.htm"
# §4.4.2: varSource takes printable ASCII only, without these characters.
FORBIDDEN_IN_SOURCE = "`*,\"!%|_"
# §4.4.2: these are the product's, not the site's.
FIXED_FIELDS = ("varUserRequest",)
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LANGUAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_ENTRY_NAME = re.compile(r"^WC[A-Za-z0-9_-]+\.htm$")


def field_errors(fields, option="capture_fields"):
    """One line per field value the manual does not allow (§4.4.2, table 1)."""
    errors = []
    for name, value in (fields or {}).items():
        where = f"{option}.{name}"
        beyond = next((char for char in str(value) if ord(char) > 0xFF), None)
        if not _FIELD_NAME.match(str(name)):
            errors.append(f"{where}: a field name is letters, digits and _ only")
        elif beyond is not None:
            # The kit's pages are ISO-8859-1, and a browser posts their form in it: a character beyond it would not
            # reach OSCC as itself.
            errors.append(f"{where}: {beyond!r} cannot be written to the kit's pages, which hold ISO-8859-1 "
                          f"(latin-1) text; got {value!r}")
        elif name in FIXED_FIELDS:
            errors.append(f"{where} cannot be changed (manual §4.4.2: the request type belongs to the product)")
        elif name == "varSessionPriority":
            try:
                priority = int(str(value))
            except ValueError:
                priority = None
            if priority is None or str(priority) != str(value).strip() or not 1 <= priority <= 100:
                errors.append(f"{where} must be a whole number from 1 to 100 (manual §4.4.2), got {value!r}")
        elif name == "varSource":
            text = str(value)
            bad = sorted({c for c in text if c in FORBIDDEN_IN_SOURCE or not " " <= c <= "~"})
            if bad:
                errors.append(f"{where} may not contain {' '.join(repr(c) for c in bad)}: printable ASCII without "
                              f"{' '.join(FORBIDDEN_IN_SOURCE)} (manual §4.4.2), got {text!r}")
    return errors


def language_errors(languages, option="languages"):
    errors, seen = [], set()
    for index, language in enumerate(languages or []):
        where = f"{option}[{index}]"
        if not isinstance(language, dict) or not language.get("name"):
            errors.append(f"{where} needs a name (the folder under html, for example deutsch)")
            continue
        name = str(language["name"])
        if not _LANGUAGE_NAME.match(name) or name.lower() == DEFAULT_LANGUAGE:
            errors.append(f"{where}.name must be a folder name other than {DEFAULT_LANGUAGE} "
                          "(letters, digits, - and _), "
                          f"got {name!r}")
        if name.lower() in seen:
            errors.append(f"{where}.name {name!r} is given twice")
        seen.add(name.lower())
        entry = entry_page(language)
        if not _ENTRY_NAME.match(entry) or entry == ENTRY_PAGE:
            errors.append(f"{where}.entry_page must be WC<Language>.htm other than {ENTRY_PAGE}, got {entry!r}")
        unknown = set(language) - {"name", "entry_page", "hppc_language", "capture_fields"}
        if unknown:
            errors.append(f"{where}: unknown keys {', '.join(sorted(unknown))} "
                          "(name, entry_page, hppc_language, capture_fields)")
        errors += field_errors(language.get("capture_fields"), f"{where}.capture_fields")
    return errors


def entry_page(language):
    name = str(language["name"])
    return language.get("entry_page") or f"WC{name[:1].upper()}{name[1:]}.htm"


def localised_entry(wc_main, language):
    """WCMain.htm made into the language's entry page: its requests name the language's folder (§4.4.1 step 5)."""
    return re.sub(r"(varUserLanguage=)" + DEFAULT_LANGUAGE + r"\b", lambda m: m.group(1) + language, wc_main)


_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)


def _attribute(tag, name):
    match = re.search(r"\b" + name + r"\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", tag, re.IGNORECASE)
    if not match:
        return None
    raw = match.group(1)
    return html.unescape(raw[1:-1] if raw[:1] in "\"'" else raw)


def _with_value(tag, value):
    quoted = '"' + html.escape(str(value), quote=True) + '"'
    if re.search(r"\bvalue\s*=", tag, re.IGNORECASE):
        return re.sub(r"\bvalue\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", lambda m: "value=" + quoted, tag, count=1,
                      flags=re.IGNORECASE)
    return re.sub(r"\s*/?>$", lambda m: " value=" + quoted + m.group(0).lstrip(), tag, count=1)


def customised_capture(page, fields):
    """CaptureWCData.htm with the fields' values set; fields the page lacks are added as hidden inputs
    before the form ends (§4.4.2: extra elements go into the contact data). Nothing is removed.
    Returns (text, {field: (before, after)})."""
    changes = {}
    present = set()

    def set_value(match):
        tag = match.group(0)
        name = _attribute(tag, "name")
        if name not in fields:
            return tag
        present.add(name)
        before = _attribute(tag, "value")
        after = str(fields[name])
        if before == after:
            return tag
        changes[name] = (before, after)
        return _with_value(tag, after)

    text = _INPUT.sub(set_value, page)
    missing = [name for name in fields if name not in present]
    if missing:
        added = "".join(f'<input type="hidden" name="{n}" value="{html.escape(str(fields[n]), quote=True)}">\n'
                        for n in missing)
        end = text.lower().rfind("</form>")
        if end < 0:
            raise ValueError(f"{CAPTURE_PAGE} has no form to add {', '.join(missing)} to")
        text = text[:end] + added + text[end:]
        changes.update({n: (None, str(fields[n])) for n in missing})
    return text, changes


def language_fields(language, common):
    """The CaptureWCData.htm values of one language folder: the common ones, its own, and its names."""
    fields = dict(common or {})
    if language is not None:
        fields["varUserLanguage"] = str(language["name"])
        if language.get("hppc_language"):
            fields["varHPPCLanguage"] = str(language["hppc_language"])
        fields.update(language.get("capture_fields") or {})
    return fields
