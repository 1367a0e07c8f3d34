# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: Domino prepared for the OSCC e-mail server through its server console (docs/vendor-facts.md, Domino):
# notes.ini variables with `set config`, compaction with `load compact <db> -b`. Planned here from
# the notes.ini text; the console commands are the only thing sent.
from __future__ import annotations

import re

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import line_value_problem, scalar_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._formats import ini as _ini

SECTION = "Notes"
# Manual §3.8: reports by e-mail need SMTPVerifyAuthenticatedSender=0 (Domino's default when absent).
REQUIRED = {"SMTPVerifyAuthenticatedSender": "0"}
DEFAULTS = {"smtpverifyauthenticatedsender": "0"}
COMPACT_OPTIONS = "-b"  # manual §3.5.1: in-place with space recovery only - fastest, least impact
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_$]*$")
_DATABASE = re.compile(r"^[^\s\"'<>|&;]+\.(nsf|ns\d|ntf|ind)$", re.I)


class DominoError(ValueError):
    pass


def validate(settings: dict, databases: list) -> None:
    for name, value in settings.items():
        if not _NAME.match(str(name)):
            raise DominoError(f"settings: {name!r} is not a notes.ini variable name")
        # `set config NAME=VALUE` is one console command and one notes.ini line: a line break would start a second
        # command and a second variable; a quote would end the command's quoting on the console's command line.
        problem = scalar_problem({f"settings.{name}": value}) or line_value_problem({f"settings.{name}": value})
        if problem:
            raise DominoError(problem)
        if '"' in str(value):
            raise DominoError(f"settings.{name} must hold no double quote (the console takes the command quoted), "
                              f"got {value!r}")
    for database in databases:
        if not _DATABASE.match(database) or database.startswith(("/", "\\")) or ".." in re.split(r"[\\/]", database):
            raise DominoError(f"compact: {database!r} must be a database path relative to the Domino data directory "
                              "(for example mail/oscc.nsf), without blanks or quotes")


def current(values: dict, name: str):
    """A variable's value as the server reads it from the [Notes] `values`: the first line of that name, else
    Domino's default."""
    return values.get(name.lower(), DEFAULTS.get(name.lower()))


def plan(notes_ini_text: str, settings: dict, databases: list) -> tuple[list, dict, list]:
    """(console commands, {name: {before, after}} for the settings that differ, warnings)."""
    values = _ini.read_section(notes_ini_text, SECTION)
    changes = {}
    for name, value in settings.items():
        before = current(values, name)
        if before != str(value):
            changes[name] = {"before": before, "after": str(value)}
    commands = [f"set config {name}={change['after']}" for name, change in changes.items()]
    commands += [f"load compact {database} {COMPACT_OPTIONS}" for database in databases]
    warnings = []
    translate = current(values, "SMTPTranslateAddresses")
    if translate not in (None, "", "0") and "SMTPVerifyAuthenticatedSender" in settings:
        warnings.append(f"SMTPTranslateAddresses is {translate}: "
                        "Domino then does not apply SMTPVerifyAuthenticatedSender "
                        "(docs/vendor-facts.md, Domino); "
                        "the report_sender check of mail_check shows whether reports may be sent")
    return commands, changes, warnings


def unapplied(notes_ini_text: str, changes: dict) -> list:
    """The planned settings notes.ini does not show yet."""
    values = _ini.read_section(notes_ini_text, SECTION)
    return [name for name, change in changes.items() if current(values, name) != change["after"]]
