# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PURE: a role's argument spec (meta/argument_specs.yml) made into an AWX survey spec (docs: survey_spec.yml,
# docs/awx.md). The survey answers reach the role as extra variables, so every answer must be one the role's own
# argument spec accepts.
from __future__ import annotations

import json
import re

from ansible.errors import AnsibleFilterError

BOOL_CHOICES = {"true_false": ("true", "false"), "yes_no": ("yes", "no")}
# Option types whose answer is typed into a text field; the role gets the text (docs/awx.md says how each reads it).
TEXT_TYPES = {"str": "text", "path": "text", "raw": "text", "list": "textarea", "dict": "textarea"}
DEFAULT_QUESTION_LENGTH = 80
DESCRIPTION_LENGTH = 500
# Ansible's documentation markup: C(x), O(x=y), M(a.b.c), L(text,url) ... keep only the text.
_MARKUP = re.compile(r"\b([CIBMOVEPU])\(([^()]*)\)")
_LINK = re.compile(r"\bL\(([^(),]*),[^()]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def _plain(text) -> str:
    if isinstance(text, (list, tuple)):
        text = " ".join(str(part) for part in text)
    text = _LINK.sub(r"\1", str(text or ""))
    text = _MARKUP.sub(r"\2", text)
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit - 1].rstrip() + "…"


def _question(name: str, option: dict, limit: int) -> str:
    """The first sentence of the description, without its full stop; the variable's name when there is none."""
    text = _plain(option.get("description"))
    if not text:
        return _shorten(name, limit)
    first = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".")
    return _shorten(first or name, limit)


def _entry_point(argument_specs, entry_point: str) -> dict:
    if isinstance(argument_specs, dict) and "argument_specs" in argument_specs:
        argument_specs = argument_specs["argument_specs"]
    if not isinstance(argument_specs, dict):
        raise AnsibleFilterError("survey_spec: expects a role's argument_specs mapping (meta/argument_specs.yml)")
    if entry_point not in argument_specs:
        raise AnsibleFilterError(f"survey_spec: no entry point {entry_point!r}; the spec has "
                                 f"{', '.join(sorted(argument_specs))}")
    return (argument_specs[entry_point] or {}).get("options") or {}


def _selected(options: dict, include, exclude) -> list[str]:
    names = list(options)
    for what, given in (("include", include), ("exclude", exclude)):
        unknown = [name for name in given or [] if name not in options]
        if unknown:
            raise AnsibleFilterError(f"survey_spec: {what} names options the entry point does not have: "
                                     f"{', '.join(unknown)}")
    if include:
        names = list(dict.fromkeys(include))  # the caller's order, each once
    return [name for name in names if name not in set(exclude or [])]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text_default(kind: str, default):
    """The default as the text a text field shows, or None when it cannot be written so it reads back the same."""
    if isinstance(default, str):
        return default
    if kind == "list" and isinstance(default, list) and all(isinstance(v, (str, int, float)) for v in default):
        return "\n".join(str(v) for v in default)
    if kind == "dict" and isinstance(default, dict):
        return json.dumps(default, sort_keys=True)
    if kind in ("str", "path", "raw") and isinstance(default, (int, float)) and not isinstance(default, bool):
        return str(default)
    return None


def _question_for(name: str, option: dict, bool_style: str, limit: int) -> dict:
    kind = option.get("type", "str")
    choices = option.get("choices")
    default = option.get("default")
    question = {"question_name": _question(name, option, limit),
                "question_description": _shorten(_plain(option.get("description")), DESCRIPTION_LENGTH),
                "variable": name, "required": bool(option.get("required", False))}
    if option.get("no_log"):
        # A secret is never a default: AWX would store it and send it back as $encrypted$.
        question["type"] = "password"
        return question
    if kind == "bool":
        yes, no = BOOL_CHOICES[bool_style]
        question.update(type="multiplechoice", choices=[yes, no])
        if isinstance(default, bool):
            question["default"] = yes if default else no
        return question
    if kind == "int":
        question["type"] = "integer"
        if choices and all(_is_int(c) for c in choices):
            # AWX has no integer choices; the range is the nearest it checks, the role's spec the rest.
            question.update(min=min(choices), max=max(choices))
        if _is_int(default):
            question["default"] = default
        return question
    if kind == "float":
        question["type"] = "float"
        if _is_int(default) or isinstance(default, float):
            question["default"] = default
        return question
    if choices and kind in ("str", "list"):
        texts = [str(c) for c in choices]
        if kind == "list":
            question.update(type="multiselect", choices=texts)
            if isinstance(default, list) and default and all(str(v) in texts for v in default):
                question["default"] = "\n".join(str(v) for v in default)
            return question
        question.update(type="multiplechoice", choices=texts)
        if default is not None and str(default) in texts:
            question["default"] = str(default)
        return question
    if kind not in TEXT_TYPES:
        raise AnsibleFilterError(f"survey_spec: option {name} has type {kind!r}, which no survey question can ask")
    question["type"] = TEXT_TYPES[kind]
    text = _text_default(kind, default) if default is not None else None
    if text is not None:
        question["default"] = text
    return question


def survey_spec(argument_specs, entry_point: str = "main", include=None, exclude=None, name: str = "",
                description: str = "", bool_style: str = "true_false",
                question_length: int = DEFAULT_QUESTION_LENGTH) -> dict:
    """The AWX survey spec that asks the options of one entry point of a role's argument spec."""
    if bool_style not in BOOL_CHOICES:
        raise AnsibleFilterError(f"survey_spec: bool_style must be one of {', '.join(BOOL_CHOICES)}")
    if not _is_int(question_length) or question_length < 10:
        raise AnsibleFilterError("survey_spec: question_length must be a whole number of at least 10")
    options = _entry_point(argument_specs, entry_point)
    names = _selected(options, include, exclude)
    if not names:
        raise AnsibleFilterError("survey_spec: no option left to ask; AWX refuses an empty survey")
    spec = [_question_for(option_name, options[option_name] or {}, bool_style, question_length)
            for option_name in names]
    return {"name": str(name), "description": str(description), "spec": spec}


class FilterModule:
    def filters(self):
        return {"survey_spec": survey_spec}
