"""Row counts of replicated tables (replication_info's row_counts): the names let through and DB-Access' answer."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._replication import counts

# DB-Access' answer to `select count(*) from agents` as it prints it: the column heading, then the number.
ANSWER = "\n\n      (count(*)) \n\n              12\n\n"


def test_the_count_is_read_from_the_column_heading_and_the_number_under_it():
    assert counts.parse_count(ANSWER + "1 row(s) retrieved.\n") == 12
    assert counts.parse_count("\n\n      (count(*)) \n\n               0\n") == 0


@pytest.mark.parametrize("text", ["", "1 row(s) retrieved.\n", "  206: The specified table (x) is not in the database.",
                                  "(count(*))\n\n  twelve\n"])
def test_no_count_printed_is_none(text):
    assert counts.parse_count(text) is None


def test_the_statement_reads_only():
    assert counts.count_sql("agents") == "select count(*) from agents;\n"


@pytest.mark.parametrize("tables,database,fragment", [
    (["agents"], "hppc", None),
    (["stats_calls", "routing$1"], "hppc", None),
    (["agents; delete from agents"], "hppc", "row_counts: 'agents; delete from agents'"),
    (["informix.agents"], "hppc", "row_counts: 'informix.agents'"),
    (["1agents"], "hppc", "row_counts:"),
    (["agents", "AGENTS"], "hppc", "named twice"),
    (["agents"], "hppc@ol_main", "row_count_database"),
    (["agents"], "", "row_count_database"),
])
def test_only_plain_identifiers_reach_the_statement(tables, database, fragment):
    problem = counts.names_problem(tables, database)
    assert (problem is None) if fragment is None else (fragment in problem and "\n" not in problem), problem
