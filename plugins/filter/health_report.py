# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The estate health report (docs/health_report.md): each server's health_info result judged ok, warn or fail per
# check and per server, the report as one JSON document, its problems against the schema and its HTML page.
# Data in, data out: no I/O, no clock (the play passes the time of the report).
from __future__ import annotations

import html

from ansible.errors import AnsibleFilterError

SCHEMA_ID = "oscc.admin/health_report/1"
OK = "ok"
WARN = "warn"
FAIL = "fail"
SKIP = "skip"
RANK = {SKIP: 0, OK: 1, WARN: 2, FAIL: 3}
# The thresholds, in this one place (docs/health_report.md): the schedule of manual §6.3.1 as docs/awx.md sets it
# (level 0 nightly, level 1 on weekday afternoons, so a Monday's newest level 1 is Friday's), the buffer levels of
# §7.1.1 and the clock limits of §7.1 and §8.1.
THRESHOLDS = {
    "backup_levels": [0, 1],
    "backup_level_0_warn_hours": 26.0,
    "backup_level_0_fail_hours": 50.0,
    "backup_level_1_warn_hours": 74.0,
    "backup_level_1_fail_hours": 98.0,
    "buffer_warn_percent": 50.0,
    "buffer_fail_percent": 95.0,
    "clock_warn_seconds": 1.0,
    "clock_fail_seconds": 2.0,
}
CHECKS = {
    "informix_mode": "Informix mode",
    "backup_level_0": "Level 0 archive",
    "backup_level_1": "Level 1 archive",
    "replication": "Replication",
    "replication_buffer": "Replication buffer",
    "cluster": "Cluster",
    "services": "Services",
    "clock": "Clock offset",
    "snmp": "SNMP",
    "web": "Web smoke test",
}
# Modes in which the server serves no one (manual §6.1: a reboot with Informix not stopped damages it).
DOWN_MODES = ("Off-Line", "Shared-Memory Failure")
PARTNER_WARN = ("paused", "partly_paused", "connecting", "defining")


def _check(name, status, detail, value=None):
    return {"check": name, "title": CHECKS[name], "status": status, "detail": detail, "value": value}


def thresholds_of(given) -> dict:
    given = dict(given or {})
    unknown = sorted(set(given) - set(THRESHOLDS))
    if unknown:
        raise AnsibleFilterError(f"health_report thresholds: unknown {unknown[0]!r}; known: {', '.join(THRESHOLDS)}")
    found = dict(THRESHOLDS, **given)
    for name, value in found.items():
        if name == "backup_levels":
            if not isinstance(value, list) or not all(level in (0, 1) for level in value):
                raise AnsibleFilterError("health_report thresholds: backup_levels must be a list of 0 and 1")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise AnsibleFilterError(f"health_report thresholds: {name} must be a number of at least 0, got {value!r}")
    return found


def _mode(facts):
    mode = (facts.get("informix") or {}).get("mode") or "unknown"
    status = OK if mode == "On-Line" else FAIL if mode in DOWN_MODES or mode.startswith("Unknown") else WARN
    return _check("informix_mode", status, mode, mode)


def _archive(facts, level, limits):
    name = f"backup_level_{level}"
    archives = facts.get("archives") or {}
    if level not in limits["backup_levels"]:
        return _check(name, SKIP, "not scheduled")
    if not archives.get("destination"):
        return _check(name, SKIP, "no backup destination configured")
    if not archives.get("readable"):
        return _check(name, FAIL, f"destination {archives['destination']} cannot be read")
    newest = (archives.get("levels") or {}).get(str(level))
    if not newest:
        return _check(name, FAIL, f"no verified level {level} archive")
    age = float(newest["age_hours"])
    warn = limits[f"{name}_warn_hours"]
    fail = limits[f"{name}_fail_hours"]
    status = FAIL if age > fail else WARN if age > warn else OK
    detail = f"{newest['name']}, {age:.1f} h old"
    if status != OK:
        detail += f" (more than {fail if status == FAIL else warn:g} h)"
    return _check(name, status, detail, age)


def _replication(facts, limits):
    state = facts.get("replication")
    if not state or (not state.get("detected") and state.get("local_state") == "not_configured"):
        return [_check("replication", SKIP, "not a replication server"),
                _check("replication_buffer", SKIP, "not a replication server")]
    local = state.get("local_state")
    partners = state.get("partners") or []
    troubled = [f"{p['host']} {p['state']}" for p in partners if p.get("state") != "active"]
    if local != "running":
        status = FAIL
    elif any(p.get("state") not in ("active", *PARTNER_WARN) for p in partners):
        status = FAIL
    else:
        status = WARN if troubled else OK
    detail = f"local {local}" + (f"; {', '.join(troubled)}" if troubled else f"; {len(partners)} partner(s) active")
    buffer = state.get("buffer") or {}
    percent = buffer.get("percent")
    if percent is None:
        fill = _check("replication_buffer", WARN if local == "running" else FAIL, "fill unknown")
    else:
        level = FAIL if percent >= limits["buffer_fail_percent"] else \
            WARN if percent >= limits["buffer_warn_percent"] else OK
        fill = _check("replication_buffer", level, f"{percent:g} % full", float(percent))
    return [_check("replication", status, detail, local), fill]


def _cluster(facts):
    state = facts.get("cluster")
    if not state:
        return _check("cluster", SKIP, "not a cluster node")
    if state.get("error"):
        return _check("cluster", FAIL, state["error"])
    nodes = state.get("nodes") or {}
    down = [f"{n} {s}" for n, s in sorted(nodes.items()) if s != "Up"]
    status = FAIL if state.get("group_state") != "Online" or any(s == "Down" for s in nodes.values()) else \
        WARN if down else OK
    detail = f"{state.get('group')} {state.get('group_state')} on {state.get('owner')}; " + \
        (", ".join(down) if down else f"{len(nodes)} node(s) Up")
    return _check("cluster", status, detail, state.get("owner"))


def _services(facts):
    services = facts.get("services")
    if services is None:
        return _check("services", SKIP, "not a Windows host")
    if not services:
        return _check("services", SKIP, "none listed")
    stopped = [f"{n} {s}" for n, s in services.items() if s != "Running"]
    return _check("services", FAIL if stopped else OK,
                  ", ".join(stopped) if stopped else f"{len(services)} running", len(services) - len(stopped))


def _clock(facts, limits):
    clock = facts.get("clock")
    if not clock:
        return _check("clock", SKIP, "not measured")
    if clock.get("offset_seconds") is None:
        return _check("clock", FAIL, f"{clock.get('reference')}: {clock.get('error')}")
    offset = float(clock["offset_seconds"])
    status = FAIL if abs(offset) > limits["clock_fail_seconds"] else \
        WARN if abs(offset) > limits["clock_warn_seconds"] else OK
    return _check("clock", status, f"{offset:+.3f} s from {clock['reference']}", offset)


def _probe(name, result):
    """A controller-side smoke result (SNMP, web) as registered: skipped, or ok / failed with its message."""
    if not isinstance(result, dict) or result.get("skipped") or not result:
        return _check(name, SKIP, "not configured")
    if result.get("failed"):
        return _check(name, FAIL, " ".join(str(result.get("msg") or "failed").split())[:300])
    return _check(name, OK, str(result.get("detail") or "answered"))


def judge_server(host, facts, limits, snmp=None, web=None) -> dict:
    if not isinstance(facts, dict) or facts.get("failed") or "informix" not in facts:
        why = " ".join(str((facts or {}).get("msg") or "no result (the host failed or was unreachable)").split())
        checks = [_check("informix_mode", FAIL, f"not collected: {why}"[:300])]
    else:
        checks = [_mode(facts), _archive(facts, 0, limits), _archive(facts, 1, limits),
                  *_replication(facts, limits), _cluster(facts), _services(facts), _clock(facts, limits)]
    checks += [_probe("snmp", snmp), _probe("web", web)]
    verdict = max((c["status"] for c in checks), key=RANK.get)
    return {"host": host, "verdict": OK if verdict == SKIP else verdict,
            "round_trips": (facts or {}).get("remote_operations") if isinstance(facts, dict) else None,
            "host_time": (facts or {}).get("host_time") if isinstance(facts, dict) else None,
            "checks": checks}


def _get(hostvars, host, variable):
    if not variable:
        return None
    values = hostvars[host] if host in hostvars else {}
    return values.get(variable) if hasattr(values, "get") else None


def health_report_verdict(hostvars, hosts, variable, generated, thresholds=None, snmp_variable=None,
                          web_variable=None):
    if not isinstance(hosts, (list, tuple)) or not isinstance(variable, str):
        raise AnsibleFilterError("health_report_verdict: give the hosts (a list) and the name of the variable their "
                                 "health_info results were registered in")
    limits = thresholds_of(thresholds)
    servers = [judge_server(h, _get(hostvars, h, variable), limits, _get(hostvars, h, snmp_variable),
                            _get(hostvars, h, web_variable)) for h in hosts]
    counts = {status: sum(1 for s in servers if s["verdict"] == status) for status in (OK, WARN, FAIL)}
    verdict = FAIL if counts[FAIL] else WARN if counts[WARN] else OK
    return {"schema": SCHEMA_ID, "generated": str(generated), "verdict": verdict, "counts": counts,
            "thresholds": limits, "servers": servers}


# When a run ends failed after its report is written (health_report_fail_on): at this verdict or worse.
FAIL_ON = {FAIL: (FAIL,), WARN: (WARN, FAIL), "never": ()}


def _one_line(text, limit=300):
    return " ".join(str(text).split())[:limit]


def _problems(report):
    """(status, line) of every check that warns or fails, server by server."""
    return [(check["status"], f"{server['host']} {check['title']}: {check['status'].upper()} "
                              f"{_one_line(check['detail'])}")
            for server in report["servers"] for check in server["checks"] if check["status"] in (WARN, FAIL)]


def health_report_summary(report, json_path="", html_path=""):
    """What a job keeps beside its log (set_stats, AWX's job artifacts): the verdicts, the counts, every check that
    is not ok as one line each, and where the two files were written."""
    problems = [line for _status, line in _problems(report)]
    return {"schema": report["schema"], "generated": report["generated"], "verdict": report["verdict"],
            "counts": dict(report["counts"]), "servers": {s["host"]: s["verdict"] for s in report["servers"]},
            "problems": problems, "json_path": str(json_path), "html_path": str(html_path)}


def health_report_failure(report, fail_on=FAIL, html_path=""):
    """The one-line reason the run ends failed, or '' when the estate's verdict is better than `fail_on`
    (fail, warn or never; docs/health_report.md)."""
    if fail_on not in FAIL_ON:
        raise AnsibleFilterError(f"health_report_failure: fail_on must be one of {', '.join(FAIL_ON)}, "
                                 f"got {fail_on!r}")
    if report["verdict"] not in FAIL_ON[fail_on]:
        return ""
    counts = report["counts"]
    worst = [line for status, line in _problems(report) if status in FAIL_ON[fail_on]]
    where = f"; page {html_path}" if html_path else ""
    return _one_line(f"estate health {report['verdict']} ({counts[OK]} ok, {counts[WARN]} warn, {counts[FAIL]} fail)"
                     f"{where}: {'; '.join(worst)}", 2000)


def health_report_problems(report, schema):
    """The report's problems against the JSON Schema, as '<path>: <message>' lines; needs jsonschema on the
    controller (docs/health_report.md)."""
    try:
        from jsonschema import Draft202012Validator
    except ImportError:
        raise AnsibleFilterError("health_report_problems: the Python package jsonschema is not installed on the "
                                 "controller; install it or set health_report_validate: false") from None
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.message}" for e in errors]


# ---------------------------------------------------------------- the page
# Each status has a colour, a text label and a pattern, so it reads in greyscale and without colour too.
STYLE = {OK: ("#1a7f37", "OK", "solid"), WARN: ("#b35900", "WARN", "dashed"), FAIL: ("#c62828", "FAIL", "double"),
         SKIP: ("#6e7781", "n/a", "dotted")}
CSS = """body{font-family:sans-serif;margin:1.5em;color:#1f2328}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #8c959f;padding:.3em .6em;text-align:left;
vertical-align:top}
.status{font-weight:bold;border-width:3px;border-radius:3px;padding:0 .3em;white-space:nowrap}
.ok{color:#1a7f37;border:3px solid #1a7f37}.warn{color:#b35900;border:3px dashed #b35900;font-style:italic}
.fail{color:#fff;background:#c62828;border:3px double #000;text-decoration:underline}
.skip{color:#6e7781;border:3px dotted #6e7781}
td.detail{font-size:.9em}figure{display:inline-block;margin:0 2em 1em 0}figcaption{font-weight:bold}"""
# SVG patterns: the bars of a chart carry their status as a hatch, not only as a colour.
PATTERNS = """<defs><pattern id="p-warn" width="6" height="6" patternUnits="userSpaceOnUse">
<rect width="6" height="6" fill="#b35900"/><path d="M0 6L6 0" stroke="#fff" stroke-width="1.5"/></pattern>
<pattern id="p-fail" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#c62828"/>
<path d="M0 0L6 6M0 6L6 0" stroke="#000" stroke-width="1.2"/></pattern></defs>"""
FILL = {OK: "#1a7f37", WARN: "url(#p-warn)", FAIL: "url(#p-fail)", SKIP: "#d0d7de"}


def _badge(status):
    return f'<span class="status {status}">{STYLE[status][1]}</span>'


def _bar_chart(title, chart_id, bars, limit, unit):
    """A horizontal bar per server: (label, value or None, status); limit draws the scale's end."""
    height = 22 * len(bars) + 30
    width = 460
    left = 110
    top = max([limit] + [v for _l, v, _s in bars if v is not None]) or 1
    rows = []
    for index, (label, value, status) in enumerate(bars):
        y = 10 + index * 22
        shown = "none" if value is None else f"{value:g} {unit}"
        length = 0 if value is None else max(2, round((width - left - 90) * value / top))
        rows.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(label)}</text>'
                    f'<rect class="bar {status}" x="{left}" y="{y}" width="{length}" height="16" '
                    f'fill="{FILL[status]}" stroke="#000" stroke-width=".5"/>'
                    f'<text x="{left + length + 4}" y="{y + 13}" font-size="12">{shown} {STYLE[status][1]}</text>')
    return (f'<figure id="{chart_id}"><figcaption>{html.escape(title)}</figcaption>'
            f'<svg role="img" aria-label="{html.escape(title)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">{PATTERNS}{"".join(rows)}</svg></figure>')


def _value(server, name):
    return next((c for c in server["checks"] if c["check"] == name), None)


def health_report_html(report):
    """The report as one self-contained page: inline CSS and SVG, no script, no link, no external resource."""
    servers = report["servers"]
    names = list(CHECKS)
    head = "".join(f"<th>{html.escape(CHECKS[n])}</th>" for n in names)
    rows = []
    for server in servers:
        cells = []
        for name in names:
            check = _value(server, name)
            if check is None:
                cells.append('<td class="check skip" data-check="' + name + '">-</td>')
                continue
            cells.append(f'<td class="check {check["status"]}" data-check="{name}" data-status="{check["status"]}">'
                         f'{_badge(check["status"])}<div class="detail">{html.escape(str(check["detail"]))}</div></td>')
        rows.append(f'<tr data-host="{html.escape(server["host"])}" data-verdict="{server["verdict"]}">'
                    f'<th>{html.escape(server["host"])}</th><td class="verdict {server["verdict"]}">'
                    f'{_badge(server["verdict"])}</td>{"".join(cells)}</tr>')
    limits = report["thresholds"]
    ages = []
    for server in servers:
        check = _value(server, "backup_level_0")
        ages.append((server["host"], check and check["value"], check["status"] if check else SKIP))
    fills = []
    for server in servers:
        check = _value(server, "replication_buffer")
        fills.append((server["host"], check and check["value"], check["status"] if check else SKIP))
    charts = (_bar_chart("Level 0 archive age per server (hours)", "chart-backup-age", ages,
                         limits["backup_level_0_fail_hours"], "h")
              + _bar_chart("Replication buffer fill per server (%)", "chart-buffer-fill", fills, 100, "%"))
    meanings = ((OK, "healthy"), (WARN, "needs a look"), (FAIL, "failed"), (SKIP, "not applicable"))
    legend = " ".join(f"{_badge(status)} {text}" for status, text in meanings)
    counts = report["counts"]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>OSCC estate health {html.escape(report['generated'])}</title><style>{CSS}</style></head><body>"
            f'<h1>OSCC estate health: <span id="verdict" class="status {report["verdict"]}">'
            f'{STYLE[report["verdict"]][1]}</span></h1>'
            f"<p>Generated {html.escape(report['generated'])}: {counts[OK]} ok, {counts[WARN]} warn, "
            f"{counts[FAIL]} fail. Legend: {legend}</p>"
            f'<table id="checks"><thead><tr><th>Server</th><th>Verdict</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{charts}</body></html>\n")


class FilterModule:
    def filters(self):
        return {"health_report_verdict": health_report_verdict, "health_report_html": health_report_html,
                "health_report_problems": health_report_problems, "health_report_summary": health_report_summary,
                "health_report_failure": health_report_failure}
