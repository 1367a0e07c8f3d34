"""Round trips per procedure are stated once, in docs/windows.md's table, and the benchmarks gate the figures
they measure by reading that table: so the docs cannot drift from what the hosts record."""
import glob
import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "bench"))
import doc_figures  # noqa: E402

# A count of remote work: "one remote call", "two round trips", "3 remote operations", "one more round trip".
COUNT = re.compile(r"\b(one|two|three|four|five|\d+)(\s+more)?\s+(remote\s+)?"
                   r"(calls?|round\s+trips?|remote\s+operations?)\b",
                   re.IGNORECASE)


def documentation(path):
    """The DOCUMENTATION text of a module's doc file."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0]


def readme(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("bench", sorted(doc_figures.GATED))
def test_every_gated_figure_is_a_number_in_the_table(bench):
    table = doc_figures.round_trip_table()
    for procedure in doc_figures.GATED[bench]:
        assert procedure in table, f"{bench} gates {procedure!r}, which docs/windows.md's table lacks"
        assert doc_figures.figure(procedure) >= 1


@pytest.mark.parametrize("bench", sorted(doc_figures.GATED))
def test_each_benchmark_gates_the_figures_it_reads_from_the_table(bench):
    with open(os.path.join(ROOT, "tests", "bench", bench), encoding="utf-8") as handle:
        source = handle.read()
    assert "from doc_figures import figure" in source
    for procedure in doc_figures.GATED[bench]:
        assert f'figure("{procedure}")' in source, f"{bench} does not read {procedure!r} from docs/windows.md"
    assert "--check" in source


def test_a_figure_that_is_not_a_number_cannot_be_gated(tmp_path):
    doc = tmp_path / "windows.md"
    doc.write_text(f"{doc_figures.HEADER}\n|---|---|---|\n| Restore | one per step | the probe, ... |\n"
                   "| Verified backup | 3 | the probe, ... |\n\nAfter the table.\n")
    assert doc_figures.figure("Verified backup", str(doc)) == 3
    with pytest.raises(ValueError, match="not a number"):
        doc_figures.figure("Restore", str(doc))
    with pytest.raises(KeyError):
        doc_figures.figure("After the table.", str(doc))


def test_the_count_pattern_finds_what_it_must():
    for said in ("in one remote call", "Two remote calls", "3 remote operations", "one more round trip"):
        assert COUNT.search(said), said
    assert not COUNT.search("Remote round trips the task made.")


def test_no_other_doc_states_a_round_trip_count():
    """Module docs, role READMEs, the project README and the other docs point to docs/windows.md's table."""
    texts = {os.path.relpath(path, ROOT): documentation(path)
             for path in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))
             if not path.endswith("__init__.py")}
    for pattern in ("README.md", os.path.join("roles", "*", "README.md"), os.path.join("docs", "*.md")):
        for path in glob.glob(os.path.join(ROOT, pattern)):
            if path != doc_figures.WINDOWS_DOC:
                texts[os.path.relpath(path, ROOT)] = readme(path)
    stated = [f"{name}: {match.group(0)!r}" for name, text in sorted(texts.items()) for match in COUNT.finditer(text)]
    assert stated == []
