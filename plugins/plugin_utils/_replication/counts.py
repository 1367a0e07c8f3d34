# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: Row counts of replicated tables, read with one read-only `select count(*)` per table through DB-Access
# (replication_info's row_counts): the statement, the option checks and the reading of DB-Access' answer. Equal
# counts on every server are what restore_estate.yml proves after its synchronisation (docs/ha_restores.md).
from __future__ import annotations

import re

# An SQL identifier as Informix takes it unquoted: a letter or underscore, then letters, digits, underscores, $.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,127}$")
# DB-Access prints a count as its column heading "(count(*))", then the number alone on a line.
_COUNT = re.compile(r"\(count\(\*\)\)\s*\n\s*(\d+)\s*$", re.M)


def names_problem(tables: list, database: str) -> str | None:
    """The one-line error for a table or database name that is not a plain SQL identifier, else None."""
    if not _IDENTIFIER.match(database or ""):
        return f"row_count_database must be an SQL identifier, got {database!r}"
    for table in tables:
        if not _IDENTIFIER.match(str(table)):
            return f"row_counts: {table!r} is not an SQL identifier (a table name, without owner or quotes)"
    if len({str(t).lower() for t in tables}) != len(tables):
        return "row_counts: a table is named twice"
    return None


def count_sql(table: str) -> str:
    """The read-only statement for one table."""
    return f"select count(*) from {table};\n"


def parse_count(text: str) -> int | None:
    """The number DB-Access printed for a count, or None when it printed none."""
    match = _COUNT.search(text or "")
    return int(match.group(1)) if match else None
