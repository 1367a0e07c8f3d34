"""The round trips per procedure as docs/windows.md states them: the one statement of each figure, and the
gates of the benchmarks that measure it (so the docs cannot drift from what the hosts record)."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WINDOWS_DOC = os.path.join(ROOT, "docs", "windows.md")
HEADER = "| Procedure | Round trips | What they are |"

# The rows whose figure a benchmark gates, by the benchmark that measures them.
GATED = {
    "bench_backup.py": ["Verified backup"],
    "bench_maintenance.py": ["Maintenance stop, reboot and check (one server)"],
    "bench_ha_restores.py": ["Replication preflight, per server",
                             "Standby restore (§8.6.1) beyond the preflight, the restore and the progress reads"],
    "bench_replication.py": ["Replication preflight, per server",
                             "Replication pause, resume, stop, restart with nothing to change",
                             "Replication pause, resume, stop, restart",
                             "High-availability restart of all replication, nothing to wait for"],
}


def round_trip_table(path=WINDOWS_DOC):
    """{procedure: figure text} of the table under HEADER."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    if HEADER not in lines:
        raise ValueError(f"{path}: no table headed {HEADER}")
    rows = {}
    for line in lines[lines.index(HEADER) + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[1]
    return rows


def figure(procedure, path=WINDOWS_DOC):
    """The round trips docs/windows.md states for procedure, as a number; a gated figure must be one."""
    text = round_trip_table(path)[procedure]
    if not text.isdigit():
        raise ValueError(f"{path}: the round trips of {procedure!r} are {text!r}, not a number a benchmark can gate")
    return int(text)
