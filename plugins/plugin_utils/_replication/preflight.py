# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The replication preflight (manual §7.1, §7.3 steps 1-6, §8.1) as pure Python: the input rules, the one batch
# that reads everything, the parsers of what it read (w32tm /stripchart, dbaccess, the DNS and ping cmdlets), the
# hosts.equiv plan and the judgement of one host and of all participants. No I/O.
from __future__ import annotations

import ipaddress
import re
import statistics

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import cmdlet
from ansible_collections.oscc.admin.plugins.plugin_utils._host.streams import in_fixed_order, last_line
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import cdr as replication

# The system environment variables §7.3 step 1 requires.
VARIABLES = ("INFORMIXDIR", "INFORMIXSERVER", "ONCONFIG")
HOSTS_EQUIV = "C:\\Windows\\System32\\drivers\\etc\\hosts.equiv"
W32TM = "C:\\Windows\\System32\\w32tm.exe"
# §7.3 step 6: the list of databases as dbaccess' Connect menu shows it, here as one statement on sysmaster.
TRUST_SQL = "select count(*) from systables;\n"
CHECKS = ("environment", "clock", "network", "hosts_equiv", "trusted_connection")
STEP = {"environment": "7.3 step 1", "clock": "7.1", "reachable": "7.3 step 2", "resolves": "7.3 step 3",
        "hosts_equiv_file": "7.3 step 4", "hosts_equiv_lines": "7.3 step 5", "trusted_connection": "7.3 step 6"}
ORDER = [STEP[k] for k in ("clock", "environment", "reachable", "resolves", "hosts_equiv_file", "hosts_equiv_lines",
                           "trusted_connection")]
OK, WARNING, FAILED = "ok", "warning", "failed"
# Error 956 of an Informix client (docs/vendor-facts.md, Replication preflight): the server does not trust the host.
NOT_TRUSTED = 956

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SHORT = re.compile(rf"^{_LABEL}$")
_FQDN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")
# A w32tm /stripchart /dataonly sample: "<local time>, <offset>s", the offset signed, with the locale's decimal
# separator (en-US "+00.0012345s", de-DE "+00,0012345s"); a failed sample: "<local time>, error: 0x800705B4".
_SAMPLE = re.compile(r"^\s*(?P<time>[^,]+?),\s+(?P<offset>[+-]?\d+(?:[.,]\d+)?)s\s*$")
_SAMPLE_ERROR = re.compile(r"^\s*(?:[^,]*,\s*)?(?P<error>error:\s*0x[0-9A-Fa-f]{8}.*)$", re.I)
_HRESULT = re.compile(r"\(?0x[0-9A-Fa-f]{8}\)?")
_INFORMIX_ERROR = re.compile(r"^\s*(?P<code>-?\d+):\s*(?P<text>.+?)\s*$", re.M)


class PreflightError(Exception):
    """Input the preflight cannot run with, in one line naming the option."""


# ---------------------------------------------------------------- input
def _shown(value):
    return repr(value) if len(str(value)) <= 80 else repr(str(value)[:80]) + "..."


def name_problem(option: str, value, fq: bool) -> str | None:
    """A host name as hosts.equiv and DNS take it: ASCII letters, digits and hyphens in labels; the short name one
    label, the fully-qualified name two or more. Anything else (blanks, line breaks, quotes, non-ASCII) is refused:
    it would be a line or a field of hosts.equiv of its own."""
    text = "" if value is None else str(value)
    if not text:
        return f"{option} is required"
    pattern, what = (_FQDN, "a fully-qualified host name such as oscc1.contact.example.com") if fq else \
        (_SHORT, "a short host name (one label) such as oscc1")
    if pattern.match(text) and len(text) <= 253:
        return None
    if any(ord(c) > 127 for c in text):
        return f"{option} must be {what} in ASCII (IDNA) form, got {_shown(text)}"
    return f"{option} must be {what}: letters, digits and hyphens, got {_shown(text)}"


def address_problem(option: str, value) -> str | None:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return f"{option} must be an IP address (the inventory's ansible_host), got {_shown(value)}"
    return None


def input_problem(args: dict) -> str | None:
    """The first problem of the options the argument spec cannot judge, in one line naming the option."""
    problem = (name_problem("local_name", args["local_name"], False)
               or name_problem("local_fqdn", args["local_fqdn"], True))
    if problem:
        return problem
    if not args["partners"]:
        return "partners must name at least one partner server"
    if args["exclusive"] and args["hosts_equiv"] != "present":
        return "exclusive applies with hosts_equiv=present only (it says what the file is left with); set both"
    for index, partner in enumerate(args["partners"]):
        where = f"partners[{index}]"
        problem = (name_problem(f"{where}.name", partner["name"], False)
                   or name_problem(f"{where}.fqdn", partner["fqdn"], True)
                   or address_problem(f"{where}.address", partner["address"]))
        if problem:
            return problem
        if "trusted_connection" in args["checks"] and not partner.get("informixserver"):
            return f"{where}.informixserver is required for the trusted connection check (§7.3 step 6)"
        if partner.get("informixserver") and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", partner["informixserver"]):
            return (f"{where}.informixserver must be an Informix server name such as ol_oscc1, "
                    f"got {_shown(partner['informixserver'])}")
    reference = args.get("time_reference")
    if reference is not None and name_problem("time_reference", reference, "." in str(reference)) \
            and address_problem("time_reference", reference):
        return name_problem("time_reference", reference, "." in str(reference))
    for option in ("clock_warning_seconds", "clock_failure_seconds"):
        if args[option] <= 0:
            return f"{option} must be a positive number of seconds, got {args[option]}"
    if args["clock_warning_seconds"] > args["clock_failure_seconds"]:
        return (f"clock_warning_seconds ({args['clock_warning_seconds']}) must not be above clock_failure_seconds "
                f"({args['clock_failure_seconds']})")
    if not 1 <= args["clock_samples"] <= 30:
        return f"clock_samples must be between 1 and 30, got {args['clock_samples']}"
    return None


def wanted_names(args: dict) -> list[str]:
    """§7.3 step 5: the local host, its fully-qualified name, each remote host and its fully-qualified name."""
    names = [args["local_name"], args["local_fqdn"]]
    for partner in args["partners"]:
        names += [partner["name"], partner["fqdn"]]
    seen, unique = set(), []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            unique.append(name)
    return unique


def is_local(args: dict, name: str) -> bool:
    return str(name).lower() in (args["local_name"].lower(), args["local_fqdn"].lower())


# ---------------------------------------------------------------- the batch
def read_ops(args: dict, trust_op=None) -> Batch:
    """Everything the preflight reads, for one round trip. Each probe is independent: the batch's cleanup
    operations carry them, which the executor runs whatever an earlier one did (a name that does not resolve
    must not hide the clock). trust_op(server) is the dbaccess run of §7.3 step 6 on this host's Informix."""
    checks, batch = args["checks"], Batch()
    if "environment" in checks:
        batch.add_cleanup("environment", {"op": "env", "names": list(VARIABLES), "scope": "machine"})
    if "hosts_equiv" in checks:
        batch.add_cleanup("hosts_equiv", {"op": "read", "path": args["hosts_equiv_path"], "encoding": "latin-1"})
    reference = args.get("time_reference")
    if "clock" in checks and reference and not is_local(args, reference):
        batch.add_cleanup("clock", {"op": "run", "argv": [W32TM, "/stripchart", f"/computer:{reference}", "/dataonly",
                                                          f"/samples:{args['clock_samples']}"],
                                    "timeout": args["timeout"], "encoding": "oem"})
    for index, partner in enumerate(args["partners"]):
        if "network" in checks:
            batch.add_cleanup(("ping", index), cmdlet("Test-Connection", ComputerName=partner["fqdn"], Count=1,
                                                      select=["Address", "IPV4Address", "StatusCode"]))
            for kind in ("name", "fqdn"):
                batch.add_cleanup((kind, index), cmdlet("Resolve-DnsName", module="DnsClient", Name=partner[kind],
                                                        Type="A", select=["Name", "IPAddress"]))
            batch.add_cleanup(("ptr", index), cmdlet("Resolve-DnsName", module="DnsClient", Name=partner["address"],
                                                     Type="PTR", select=["Name", "NameHost"]))
        if "trusted_connection" in checks:
            batch.add_cleanup(("trust", index), trust_op(partner["informixserver"]))
    return batch


# ---------------------------------------------------------------- parsers
def parse_stripchart(text: str) -> dict:
    """w32tm /stripchart /dataonly output: {"samples": [seconds, ...], "errors": [line, ...]}. The offset is the
    remote clock minus the local one; either decimal separator is read. Lines that are neither (the header, in
    any language) are skipped."""
    samples, errors = [], []
    for line in (text or "").splitlines():
        match = _SAMPLE.match(line)
        if match:
            samples.append(float(match.group("offset").replace(",", ".")))
            continue
        failed = _SAMPLE_ERROR.match(line)
        if failed:
            errors.append(failed.group("error").strip())
        elif _HRESULT.search(line):  # "The following error occurred: ... (0x80072AF9)"
            errors.append(line.strip())
    return {"samples": samples, "errors": errors}


def informix_error(text: str) -> tuple[int | None, str | None]:
    """The first Informix error of a client's output: (code, its line), e.g. (956, "956: Client host ...")."""
    match = _INFORMIX_ERROR.search(text or "")
    if not match:
        return None, None
    return abs(int(match.group("code"))), f"{match.group('code')}: {match.group('text')}"


def _error(result) -> str:
    return " ".join(str((result or {}).get("error") or "it did not run").split())


# ---------------------------------------------------------------- hosts.equiv
def _first_field(line: str) -> str:
    fields = line.split()
    return fields[0] if fields else ""


def plan_hosts_equiv(content: str | None, names: list[str], exclusive: bool = False) -> dict:
    """What hosts.equiv must become to trust `names` (manual §7.3 step 5). A line trusting a name is the name
    alone (any case) or the name and the user informix; a line that distrusts one (-name) is removed, since it
    would defeat the line that trusts it; any other line stays unless `exclusive`, which leaves exactly the names,
    one a line. New lines follow the file's line ends (CRLF for a new file, as Windows writes)."""
    for name in names:
        if name_problem("name", name, "." in name):
            raise PreflightError(f"hosts.equiv cannot hold {name!r}: " + name_problem("the name", name, "." in name))
    text = content or ""
    newline = "\n" if text and "\r\n" not in text and "\n" in text else "\r\n"
    lines = text.splitlines()
    wanted = {n.lower(): n for n in names}
    kept, removed, present = [], [], set()
    for line in lines:
        fields = line.split()
        first = fields[0].lower() if fields else ""
        trusts = first in wanted and (len(fields) == 1 or (len(fields) == 2 and fields[1].lower() == "informix"))
        distrusts = first.startswith("-") and first[1:] in wanted
        if trusts and first not in present:
            present.add(first)
            kept.append(line)
        elif distrusts or (exclusive and line.strip()):  # with exclusive, duplicates and foreign lines go too
            removed.append(line)
        elif not exclusive:
            kept.append(line)
    added = [wanted[key] for key in wanted if key not in present]
    final = kept + added
    if exclusive:  # the manual's order: local, local fully-qualified, each remote and its fully-qualified name
        order = {key: index for index, key in enumerate(wanted)}
        final = sorted(final, key=lambda ln: order[_first_field(ln).lower()])
    new_text = newline.join(final) + (newline if final else "")
    if not added and not removed and (not exclusive or [ln for ln in lines if ln.strip()] == final):
        new_text = text  # nothing to change: the file stays byte for byte, its line ends and last line included
    return {"content": new_text, "lines": final, "added": added, "removed": removed, "changed": new_text != text}


# ---------------------------------------------------------------- one host's judgement
def _check(step, check, status, detail, partner=None):
    return {"step": STEP[step], "check": check, "partner": partner, "status": status, "detail": detail}


def judge(args: dict, results: dict, plan: dict | None, written: bool = False, blocked: bool = False) -> dict:
    """checks, clock_offset_seconds and hosts_equiv of one host from its batch's results; `written`: the planned
    hosts.equiv was written; `blocked`: it was not, as another check failed."""
    checks, offset = [], None
    if "environment" in args["checks"]:
        found = results.get("environment")
        if not found or not found.get("ok"):
            checks.append(_check("environment", "system environment variables", FAILED,
                                 f"could not be read: {_error(found)}"))
        else:
            values = found["values"]
            missing = [n for n in VARIABLES if not values.get(n)]
            shown = ", ".join(f"{n}={values[n]}" for n in VARIABLES if values.get(n))
            checks.append(_check("environment", "system environment variables", FAILED if missing else OK,
                                 (f"missing as system variables: {', '.join(missing)} (add them in System Properties, "
                                  f"Environment Variables, System variables)" + (f"; set: {shown}" if shown else ""))
                                 if missing else shown))
    if "clock" in args["checks"]:
        offset, clock = _judge_clock(args, results.get("clock"))
        checks.append(clock)
    for index, partner in enumerate(args["partners"]):
        if "network" in args["checks"]:
            checks += _judge_network(partner, results, index)
        if "trusted_connection" in args["checks"]:
            checks.append(_judge_trust(args, partner, results.get(("trust", index))))
    hosts_equiv = None
    if "hosts_equiv" in args["checks"]:
        file_check, lines_check, hosts_equiv = _judge_hosts_equiv(args, results.get("hosts_equiv"), plan, written,
                                                                  blocked)
        checks += [file_check, lines_check]
    checks.sort(key=lambda c: ORDER.index(c["step"]))  # stable: partners keep their order within a step
    return {"checks": checks, "clock_offset_seconds": offset, "hosts_equiv": hosts_equiv}


def _judge_clock(args, found):
    reference = args.get("time_reference")
    name = f"clock offset from {reference}" if reference else "clock offset"
    if not reference:
        return None, _check("clock", name, WARNING, "no time_reference given: not measured")
    if is_local(args, reference):
        return 0.0, _check("clock", name, OK, "this host is the time reference (offset 0 s)")
    if not found or not found.get("ok"):
        return None, _check("clock", name, FAILED, f"w32tm could not run: {_error(found)}")
    if found.get("timed_out"):
        return None, _check("clock", name, FAILED, f"w32tm gave no answer within {args['timeout']} s")
    parsed = parse_stripchart(in_fixed_order(found))
    if not parsed["samples"]:
        why = parsed["errors"][0] if parsed["errors"] else last_line(found)
        return None, _check("clock", name, FAILED, f"{reference} did not answer w32tm (NTP, UDP 123): {why}")
    # w32tm's offset is the reference's clock minus this host's: this host is that much behind.
    offset = round(-statistics.median(parsed["samples"]), 4)
    size = abs(offset)
    status = FAILED if size > args["clock_failure_seconds"] else WARNING if size > args["clock_warning_seconds"] else OK
    detail = f"{offset:+.4f} s ({len(parsed['samples'])} samples)"
    if status != OK:
        limit = args["clock_failure_seconds"] if status == FAILED else args["clock_warning_seconds"]
        detail += f"; more than {limit:g} s (replication fails above two seconds, manual §7.1, §8.1)"
    return offset, _check("clock", name, status, detail)


def _judge_network(partner, results, index):
    checks = []
    ping = results.get(("ping", index))
    name = partner["fqdn"]
    if ping and ping.get("ok") and ping.get("objects"):
        reached = str(ping["objects"][0].get("IPV4Address") or ping["objects"][0].get("Address") or "")
        checks.append(_check("reachable", f"{name} answers a ping", OK, f"reply from {reached}", partner["name"]))
    else:
        detail = _error(ping) if ping and not ping.get("ok") else "no reply"
        checks.append(_check("reachable", f"{name} answers a ping", FAILED,
                             f"{detail} (ask the network administrator, manual §7.3 step 2)", partner["name"]))
    for kind in ("name", "fqdn"):
        found = results.get((kind, index))
        label = f"{partner[kind]} resolves to {partner['address']}"
        if not found or not found.get("ok") or not found.get("objects"):
            why = _error(found) if found and not found.get("ok") else "no address"
            checks.append(_check("resolves", label, FAILED, f"forward lookup: {why}", partner["name"]))
            continue
        addresses = sorted({str(o.get("IPAddress")) for o in found["objects"] if o.get("IPAddress")})
        ok = partner["address"] in addresses
        checks.append(_check("resolves", label, OK if ok else FAILED,
                             f"forward lookup: {', '.join(addresses) or 'no address'}"
                             + ("" if ok else f", not the inventory's {partner['address']}"), partner["name"]))
    found = results.get(("ptr", index))
    label = f"{partner['address']} resolves back to {partner['fqdn']}"
    if not found or not found.get("ok") or not found.get("objects"):
        why = _error(found) if found and not found.get("ok") else "no name"
        checks.append(_check("resolves", label, FAILED, f"reverse lookup: {why}", partner["name"]))
    else:
        hosts = sorted({str(o.get("NameHost")).rstrip(".") for o in found["objects"] if o.get("NameHost")})
        ok = any(h.lower() in (partner["fqdn"].lower(), partner["name"].lower()) for h in hosts)
        checks.append(_check("resolves", label, OK if ok else FAILED,
                             f"reverse lookup: {', '.join(hosts) or 'no name'}"
                             + ("" if ok else f", not {partner['fqdn']}"), partner["name"]))
    return checks


def _judge_trust(args, partner, found):
    server = partner["informixserver"]
    label = f"trusted connection to {server} on {partner['name']}"
    if not found or not found.get("ok"):
        return _check("trusted_connection", label, FAILED, f"dbaccess could not run: {_error(found)}", partner["name"])
    if found.get("timed_out"):
        return _check("trusted_connection", label, FAILED, f"no answer within {args['timeout']} s", partner["name"])
    if found.get("rc") == 0:
        return _check("trusted_connection", label, OK, f"dbaccess sysmaster@{server} connected", partner["name"])
    code, line = informix_error(in_fixed_order(found))
    detail = f"dbaccess sysmaster@{server} rc {found.get('rc')}: {line or last_line(found)}"
    if code == NOT_TRUSTED:
        detail += (f"; {partner['name']}'s hosts.equiv must list {args['local_name']} and {args['local_fqdn']} "
                   "(§7.3 steps 4-5) and DNS must resolve them both ways (§7.3 step 3)")
    return _check("trusted_connection", label, FAILED, detail, partner["name"])


def _judge_hosts_equiv(args, found, plan, written, blocked):
    path = args["hosts_equiv_path"]
    if found and found.get("ok") and not found.get("exists") and found.get("dir"):  # neither absent nor creatable
        failed = _check("hosts_equiv_file", f"{path} exists", FAILED,
                        "is a folder, not a file: hosts_equiv_path must name the hosts.equiv file (§7.3 step 4)")
        return failed, _check("hosts_equiv_lines", "hosts.equiv lists the servers", FAILED, "not read"), None
    if not found or not found.get("ok") or plan is None:
        failed = _check("hosts_equiv_file", f"{path} exists", FAILED, f"could not be read: {_error(found)}")
        return failed, _check("hosts_equiv_lines", "hosts.equiv lists the servers", FAILED, "not read"), None
    manage = args["hosts_equiv"] == "present"
    done = manage and written and plan["changed"]
    pending = WARNING if manage else FAILED
    would = "not written, as another check failed" if blocked else "would be changed"
    if found.get("exists"):
        file_check = _check("hosts_equiv_file", f"{path} exists", OK, "present")
    else:
        file_check = _check("hosts_equiv_file", f"{path} exists", OK if done else pending,
                            "created" if done else (f"absent; {would.replace('changed', 'created')}" if manage else
                                                    "absent (hosts_equiv=present creates it)"))
    names = ", ".join(wanted_names(args))
    if not plan["changed"]:
        lines_check = _check("hosts_equiv_lines", "hosts.equiv lists the servers", OK, names)
    else:
        what = "; ".join(filter(None, [f"added {', '.join(plan['added'])}" if plan["added"] else "",
                                       f"removed {len(plan['removed'])} line(s)" if plan["removed"] else ""]))
        if done:
            lines_check = _check("hosts_equiv_lines", "hosts.equiv lists the servers", OK, what)
        elif manage:
            lines_check = _check("hosts_equiv_lines", "hosts.equiv lists the servers", WARNING, f"{would}: {what}")
        else:
            missing = ", ".join(plan["added"]) or "none"
            in_the_way = f"; {len(plan['removed'])} line(s) in the way" if plan["removed"] else ""
            lines_check = _check("hosts_equiv_lines", "hosts.equiv lists the servers", FAILED,
                                 f"missing: {missing}{in_the_way}")
    open_lines = [ln.strip() for ln in plan["lines"] if _first_field(ln).startswith("+")]
    if open_lines and lines_check["status"] == OK:  # '+' trusts every host (and '+@group' a whole netgroup)
        lines_check = _check("hosts_equiv_lines", "hosts.equiv lists the servers", WARNING,
                             f"{lines_check['detail']}; kept {', '.join(repr(ln) for ln in open_lines)}, which trusts "
                             "more than the servers (exclusive=true removes it)")
    now = plan["lines"] if done or not plan["changed"] else (found.get("content") or "").splitlines()
    hosts_equiv = {"path": path, "exists": bool(found.get("exists")) or done, "lines": now,
                   "planned_lines": plan["lines"], "added": plan["added"], "removed": plan["removed"],
                   "changed": plan["changed"] and manage}
    return file_check, lines_check, hosts_equiv


def failed_checks(checks: list) -> list:
    return [c for c in checks if c["status"] == FAILED]


def one_line(check: dict) -> str:
    return f"§{check['step']} {check['check']}: {check['status']} - {check['detail']}"


# ---------------------------------------------------------------- all participants (the role)
def verdict(results: dict, warning_seconds: float = 1.0, failure_seconds: float = 2.0, reference: str | None = None,
            defer_trust: bool = False) -> dict:
    """The judgement across participants of their preflight results (host -> result): the clock spread (the
    largest minus the smallest offset from the reference, the reference itself at 0 when it took part), every
    failed check, and whether anything stops the procedure. With `defer_trust`, failed trusted connections do not
    stop it yet (a hosts.equiv about to be written is their usual cause; they are checked again after it)."""
    offsets, problems, warnings, summary = {}, [], [], []
    for host in sorted(results):
        result = results[host] or {}
        if not isinstance(result.get("checks"), list):
            message = " ".join(str(result.get("msg") or "no result").split())
            problems.append(f"{host}: the preflight did not run: {message}")
            continue
        for check in result["checks"]:
            line = f"{host}: {one_line(check)}"
            deferred = defer_trust and check["step"] == STEP["trusted_connection"]
            if check["status"] == FAILED and deferred:
                line += " (checked again once hosts.equiv is written)"
            summary.append(line)
            if check["status"] == FAILED and deferred:
                warnings.append(line)
            elif check["status"] == FAILED:
                problems.append(line)
            elif check["status"] == WARNING:
                warnings.append(line)
        if result.get("clock_offset_seconds") is not None:
            offsets[host] = float(result["clock_offset_seconds"])
    if reference is not None and reference in results and reference not in offsets and \
            isinstance((results[reference] or {}).get("checks"), list):
        offsets[reference] = 0.0
    spread = round(max(offsets.values()) - min(offsets.values()), 4) if len(offsets) > 1 else (0.0 if offsets else None)
    if spread is not None:
        line = (f"all: §7.1 clock spread across {', '.join(sorted(offsets))} (from {reference or 'the reference'}): "
                f"{spread:.4f} s")
        if spread > failure_seconds:
            line += f": failed - above {failure_seconds:g} s (replication fails above two seconds, §7.1, §8.1)"
            problems.append(line)
        elif spread > warning_seconds:
            line += f": warning - above {warning_seconds:g} s (replication fails above two seconds, §7.1, §8.1)"
            warnings.append(line)
        else:
            line += ": ok"
        summary.append(line)
    return {"failed": bool(problems), "problems": problems, "warnings": warnings, "summary": summary,
            "clock_spread_seconds": spread, "clock_offsets": offsets, "trust_deferred": bool(defer_trust),
            "checks": {h: (results[h] or {}).get("checks") for h in sorted(results)}}


# ---------------------------------------------------------------- the estate (the role)
GROUPS = {"main": "oscc_main", "backup": "oscc_backup", "report": "oscc_central_report"}
SCOPES = ("central_reporting", "high_availability", "all")


def _identity(host: str, hostvars) -> dict:
    """A server as its partners see it: short name (the inventory name's first label), fully-qualified name
    (oscc_fqdn, else the short name and oscc_dns_domain, else an inventory name with dots), address (ansible_host,
    else the inventory name) and Informix server."""
    values = hostvars[host]
    short = str(host).split(".", maxsplit=1)[0]
    fqdn = values.get("oscc_fqdn")
    domain = values.get("oscc_dns_domain")
    if not fqdn:
        fqdn = f"{short}.{str(domain).strip('.')}" if domain else (host if "." in host else None)
    if not fqdn:
        raise PreflightError(f"{host} has no fully-qualified name: set oscc_fqdn or oscc_dns_domain in the inventory")
    return {"name": short, "fqdn": str(fqdn), "address": str(values.get("ansible_host") or host),
            "informixserver": values.get("oscc_informixserver")}


def topology(groups: dict, hostvars, scope: str, reference: str | None = None) -> dict:
    """Who takes part in the replication of `scope` and each one's partners (manual §7.3 step 5, §8.1): with
    central reporting, the central report server's partners are the main and backup servers and theirs the
    central report server; with high availability, the main and backup servers are each other's; `all` is both.
    The time reference defaults to the first participating central report server, else the first main server."""
    if scope not in SCOPES:
        raise PreflightError(f"replication_preflight_scope must be one of: {', '.join(SCOPES)}; got {scope!r}")
    main, backup, report = (list(groups.get(GROUPS[k]) or []) for k in ("main", "backup", "report"))
    partners: dict = {}

    def pair(a, b):
        if a != b:
            partners.setdefault(a, [])
            partners.setdefault(b, [])
            partners[a] += [] if b in partners[a] else [b]
            partners[b] += [] if a in partners[b] else [a]

    for server in main + backup + report:
        for others in replication.partners(server, scope, groups).values():
            for other in others:
                pair(server, other)
    participants = [h for h in main + backup + report if h in partners]
    participants = list(dict.fromkeys(participants))
    if not participants:
        raise PreflightError(f"no servers take part in {scope} replication: the inventory needs "
                             + ("oscc_central_report and oscc_main hosts" if scope != "high_availability"
                                else "oscc_main and oscc_backup hosts"))
    reference = reference or next(iter([h for h in report + main if h in participants] + participants))
    if reference not in participants:
        raise PreflightError(f"replication_preflight_time_reference {reference!r} is not one of the participating "
                             f"servers: {', '.join(participants)}")
    identities = {h: _identity(h, hostvars) for h in participants}
    hosts = {h: dict(identities[h], partners=list(partners[h]), partner_args=[identities[p] for p in partners[h]])
             for h in participants}
    return {"scope": scope, "participants": participants, "hosts": hosts, "time_reference": reference,
            "time_reference_fqdn": identities[reference]["fqdn"]}


def defer_trust_needed(results: dict) -> bool:
    """Whether a hosts.equiv of a participant is about to change: failed trusted connections then wait for it."""
    return any(((r or {}).get("hosts_equiv") or {}).get("changed") for r in results.values())
