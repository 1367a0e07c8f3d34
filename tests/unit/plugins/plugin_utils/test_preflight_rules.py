"""The replication preflight's pure parts (manual §7.1, §7.3, §8.1): w32tm output, dbaccess errors, the hosts.equiv
plan, the input rules and the judgement across participants."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._replication import preflight as pf

EN = """Tracking lab-report [127.0.1.3:123].
Collecting 3 samples.
The current time is 12/2/2026 3:10:04 AM.
03:10:04, +00.0012345s
03:10:06, +00.0011210s
03:10:08, +00.0012901s
"""
# A German-locale server: the decimal comma; the header in German (its exact words do not matter to the parser).
DE = """Verfolgung von lab-report [127.0.1.3:123].
3 Proben werden gesammelt.
Die aktuelle Zeit ist 02.12.2026 03:10:04.
03:10:04, -01,5012345s
03:10:06, -01,4998000s
"""
UNREACHABLE = """Tracking lab-backup [127.0.1.2:123].
Collecting 2 samples.
The current time is 12/2/2026 3:10:04 AM.
03:10:04, error: 0x800705B4
03:10:06, error: 0x800705B4
"""


def test_stripchart_samples_with_a_decimal_point_or_comma():
    assert pf.parse_stripchart(EN) == {"samples": [0.0012345, 0.001121, 0.0012901], "errors": []}
    assert pf.parse_stripchart(DE) == {"samples": [-1.5012345, -1.4998], "errors": []}
    assert pf.parse_stripchart("12:00:00, +125.0000000s\r\n")["samples"] == [125.0]


def test_stripchart_error_lines_and_unknown_names_give_no_sample():
    assert pf.parse_stripchart(UNREACHABLE) == {"samples": [], "errors": ["error: 0x800705B4"] * 2}
    unknown = pf.parse_stripchart("The following error occurred: No such host is known. (0x80072AF9)\n")
    assert unknown["samples"] == [] and "0x80072AF9" in unknown["errors"][0]
    assert pf.parse_stripchart("") == {"samples": [], "errors": []}


def test_the_clock_is_judged_by_the_median_and_signed_as_this_host_against_the_reference():
    args = dict(ARGS, time_reference="lab-report.lab.invalid")
    judged = pf.judge(args, {"clock": {"ok": True, "rc": 0, "output": DE, "timed_out": False}}, None)
    assert judged["clock_offset_seconds"] == 1.5005  # the reference is 1.5 s behind: this host is ahead
    assert judged["checks"][0]["status"] == "warning" and judged["checks"][0]["step"] == "7.1"
    late = EN.replace("+00.00", "+02.50")
    judged = pf.judge(args, {"clock": {"ok": True, "rc": 0, "output": late, "timed_out": False}}, None)
    assert judged["checks"][0]["status"] == "failed" and judged["clock_offset_seconds"] < -2.5
    judged = pf.judge(args, {"clock": {"ok": True, "rc": 0, "output": UNREACHABLE, "timed_out": False}}, None)
    assert judged["clock_offset_seconds"] is None and judged["checks"][0]["status"] == "failed"
    assert "did not answer w32tm" in judged["checks"][0]["detail"] and "0x800705B4" in judged["checks"][0]["detail"]


def test_the_reference_itself_measures_nothing():
    args = dict(ARGS, time_reference="LAB-MAIN")
    assert "clock" not in pf.read_ops(args, lambda server: {}).cleanup_names
    assert pf.judge(args, {}, None)["clock_offset_seconds"] == 0.0


def test_informix_errors_are_read_from_dbaccess_output():
    out = "\n  956: Client host or user informix@lab-main is not trusted by the server.\n"
    assert pf.informix_error(out) == (956, "956: Client host or user informix@lab-main is not trusted by the server.")
    assert pf.informix_error("-908: Attempt to connect to database server (ol_x) failed.") == \
        (908, "-908: Attempt to connect to database server (ol_x) failed.")
    assert pf.informix_error("Database selected.") == (None, None)


NAMES = ["lab-report", "lab-report.lab.invalid", "lab-main", "lab-main.lab.invalid"]


def test_a_new_hosts_equiv_gets_the_names_in_the_manuals_order_with_crlf():
    plan = pf.plan_hosts_equiv(None, NAMES)
    assert plan["content"] == "lab-report\r\nlab-report.lab.invalid\r\nlab-main\r\nlab-main.lab.invalid\r\n"
    assert plan["added"] == NAMES and plan["changed"] and plan["removed"] == []


def test_foreign_lines_stay_and_missing_names_are_added_in_the_files_line_ends():
    text = "# trusted hosts\nbuildhost\nlab-report\n"
    plan = pf.plan_hosts_equiv(text, NAMES)
    assert plan["content"] == ("# trusted hosts\nbuildhost\nlab-report\nlab-report.lab.invalid\n"
                               "lab-main\nlab-main.lab.invalid\n")
    assert plan["added"] == NAMES[1:]
    crlf = pf.plan_hosts_equiv("buildhost\r\nlab-main", NAMES)  # no line end after the last line
    assert crlf["content"] == ("buildhost\r\nlab-main\r\nlab-report\r\n"
                               "lab-report.lab.invalid\r\nlab-main.lab.invalid\r\n")


def test_a_complete_file_is_left_byte_for_byte_whatever_case_duplicates_or_user_fields():
    text = ("LAB-REPORT\r\nlab-report.LAB.invalid informix\r\nlab-main\r\nlab-main\r\n"
            "lab-main.lab.invalid\r\nother +\r\n")
    plan = pf.plan_hosts_equiv(text, NAMES)
    assert not plan["changed"] and plan["content"] == text and plan["added"] == [] and plan["removed"] == []


def test_a_line_for_another_user_does_not_count_and_a_distrusting_line_goes():
    text = "lab-main guest\n-lab-report\nlab-report.lab.invalid\n"
    plan = pf.plan_hosts_equiv(text, NAMES)
    assert plan["removed"] == ["-lab-report"]
    assert plan["lines"] == ["lab-main guest", "lab-report.lab.invalid", "lab-report", "lab-main",
                             "lab-main.lab.invalid"]


def test_exclusive_leaves_exactly_the_names_once_each_in_order():
    text = "# comment\nlab-main\nbuildhost\n\nlab-report\nLAB-MAIN\n"
    plan = pf.plan_hosts_equiv(text, NAMES, exclusive=True)
    assert plan["lines"] == ["lab-report", "lab-report.lab.invalid", "lab-main", "lab-main.lab.invalid"]
    assert plan["removed"] == ["# comment", "buildhost", "LAB-MAIN"]
    again = pf.plan_hosts_equiv(plan["content"], NAMES, exclusive=True)
    assert not again["changed"]


@pytest.mark.parametrize("bad", ["lab main", "lab-main\nevil", "lab_main", "läb-main", "-lab", "lab-main.", '"x"',
                                 "a&b", "%COMPUTERNAME%", ""])
def test_names_with_odd_characters_are_refused_in_one_line(bad):
    with pytest.raises(pf.PreflightError) as raised:
        pf.plan_hosts_equiv("", ["lab-main", bad])
    assert "\n" not in str(raised.value) and "hosts.equiv cannot hold" in str(raised.value)
    problem = pf.name_problem("partners[0].name", bad, False)
    assert problem.startswith("partners[0].name ") and "\n" not in problem
    if "ä" in bad:
        assert "ASCII (IDNA)" in problem


ARGS = {"local_name": "lab-main", "local_fqdn": "lab-main.lab.invalid", "time_reference": None,
        "partners": [{"name": "lab-report", "fqdn": "lab-report.lab.invalid", "address": "127.0.1.3",
                      "informixserver": "ol_report"}],
        "clock_samples": 3, "clock_warning_seconds": 1.0, "clock_failure_seconds": 2.0, "hosts_equiv": "check",
        "hosts_equiv_path": pf.HOSTS_EQUIV, "exclusive": False, "backup": True, "checks": list(pf.CHECKS),
        "timeout": 60}


@pytest.mark.parametrize("change, message", [
    ({"local_name": "lab-main.lab.invalid"}, "local_name must be a short host name"),
    ({"local_fqdn": "lab-main"}, "local_fqdn must be a fully-qualified host name"),
    ({"partners": []}, "partners must name at least one partner server"),
    ({"partners": [dict(ARGS["partners"][0], address="lab-report")]}, "partners[0].address must be an IP address"),
    ({"partners": [dict(ARGS["partners"][0], fqdn="x\ny")]}, "partners[0].fqdn must be"),
    ({"partners": [dict(ARGS["partners"][0], informixserver=None)]}, "partners[0].informixserver is required"),
    ({"partners": [dict(ARGS["partners"][0], informixserver="ol x")]}, "partners[0].informixserver must be"),
    ({"time_reference": "a b"}, "time_reference must be"),
    ({"clock_warning_seconds": 3.0}, "clock_warning_seconds (3.0) must not be above clock_failure_seconds"),
    ({"clock_failure_seconds": 0.0}, "clock_failure_seconds must be a positive number"),
    ({"clock_samples": 0}, "clock_samples must be between 1 and 30"),
])
def test_bad_input_is_one_line_naming_the_option(change, message):
    problem = pf.input_problem(dict(ARGS, **change))
    assert problem.startswith(message) and "\n" not in problem


def test_good_input_passes_and_an_address_may_be_the_reference():
    assert pf.input_problem(ARGS) is None
    assert pf.input_problem(dict(ARGS, time_reference="127.0.1.3")) is None
    partner_without_server = dict(ARGS["partners"][0], informixserver=None)
    assert pf.input_problem(dict(ARGS, checks=["network"], partners=[partner_without_server])) is None


def result(offset, *statuses):
    return {"clock_offset_seconds": offset,
            "checks": [{"step": step, "check": "c", "partner": None, "status": status, "detail": "d"}
                       for step, status in statuses]}


def test_the_spread_counts_the_reference_at_zero_and_judges_by_the_thresholds():
    ok = pf.verdict({"lab-report": result(0.0), "lab-main": result(0.4), "lab-backup": result(-0.3)},
                    reference="lab-report")
    assert not ok["failed"] and ok["clock_spread_seconds"] == 0.7 and ok["warnings"] == []
    warn = pf.verdict({"lab-report": result(None), "lab-main": result(1.5)}, reference="lab-report")
    assert not warn["failed"] and warn["clock_spread_seconds"] == 1.5 and "above 1 s" in warn["warnings"][0]
    bad = pf.verdict({"lab-report": result(0.0), "lab-main": result(1.2), "lab-backup": result(-1.3)})
    assert bad["failed"] and bad["clock_spread_seconds"] == 2.5 and "above 2 s" in bad["problems"][0]


def test_failed_checks_stop_unless_trust_is_deferred_and_a_missing_result_stops():
    results = {"lab-main": result(0.0, ("7.3 step 6", "failed")), "lab-report": result(0.0, ("7.3 step 1", "ok"))}
    assert pf.verdict(results)["failed"]
    assert not pf.verdict(results, defer_trust=True)["failed"]
    broken = pf.verdict({"lab-main": {"failed": True, "msg": "partners[0].address must be\nan IP address"}})
    assert broken["failed"]
    assert broken["problems"] == ["lab-main: the preflight did not run: partners[0].address must be an IP address"]


GROUPS = {"oscc_main": ["oscc1.contact.example.com"], "oscc_backup": ["oscc2.contact.example.com"],
          "oscc_central_report": ["osccrep.contact.example.com"]}
HOSTVARS = {"oscc1.contact.example.com": {"ansible_host": "10.0.0.1", "oscc_informixserver": "ol_oscc1"},
            "oscc2.contact.example.com": {"ansible_host": "10.0.0.2", "oscc_informixserver": "ol_oscc2"},
            "osccrep.contact.example.com": {"oscc_fqdn": "rep.reports.example.com", "oscc_informixserver": "ol_rep"}}


def test_central_reporting_pairs_the_report_server_with_every_main_and_backup_server():
    found = pf.topology(GROUPS, HOSTVARS, "central_reporting")
    hosts = found["hosts"]
    assert found["participants"] == ["oscc1.contact.example.com", "oscc2.contact.example.com",
                                     "osccrep.contact.example.com"]
    assert hosts["osccrep.contact.example.com"]["partners"] == ["oscc1.contact.example.com",
                                                                "oscc2.contact.example.com"]
    assert hosts["oscc1.contact.example.com"]["partners"] == ["osccrep.contact.example.com"]
    assert hosts["oscc1.contact.example.com"]["partner_args"] == [
        {"name": "osccrep", "fqdn": "rep.reports.example.com", "address": "osccrep.contact.example.com",
         "informixserver": "ol_rep"}]
    assert found["time_reference"] == "osccrep.contact.example.com"
    assert found["time_reference_fqdn"] == "rep.reports.example.com"


def test_high_availability_pairs_main_and_backup_and_all_is_both():
    ha = pf.topology(GROUPS, HOSTVARS, "high_availability")
    assert ha["participants"] == ["oscc1.contact.example.com", "oscc2.contact.example.com"]
    assert ha["hosts"]["oscc2.contact.example.com"]["partners"] == ["oscc1.contact.example.com"]
    assert ha["time_reference"] == "oscc1.contact.example.com"  # no report server takes part
    both = pf.topology(GROUPS, HOSTVARS, "all")
    partners = both["hosts"]["oscc1.contact.example.com"]["partners"]
    assert partners == ["osccrep.contact.example.com", "oscc2.contact.example.com"]


def test_short_names_get_the_domain_and_bad_estates_are_one_line():
    groups = {"oscc_main": ["lab-main"], "oscc_central_report": ["lab-report"]}
    hostvars = {h: {"oscc_dns_domain": "lab.invalid", "ansible_host": a} for h, a in
                (("lab-main", "127.0.1.1"), ("lab-report", "127.0.1.3"))}
    assert pf.topology(groups, hostvars, "all")["hosts"]["lab-main"]["fqdn"] == "lab-main.lab.invalid"
    cases = [(groups, {h: {} for h in hostvars}, "all", None, "lab-main has no fully-qualified name"),
             (groups, hostvars, "both", None, "replication_preflight_scope must be one of"),
             (groups, hostvars, "high_availability", None, "no servers take part in high_availability"),
             (groups, hostvars, "all", "lab-web", "replication_preflight_time_reference 'lab-web' is not one of")]
    for given_groups, given_vars, scope, reference, message in cases:
        with pytest.raises(pf.PreflightError) as raised:
            pf.topology(given_groups, given_vars, scope, reference)
        assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


@pytest.mark.parametrize("extra, warned", [("+", True), ("+@admins informix", True), ("-lab-other", False),
                                           ("", False)])
def test_a_kept_plus_line_that_trusts_every_host_is_a_warning(extra, warned):
    names = pf.wanted_names(ARGS)
    content = "\r\n".join(names + ([extra] if extra else [])) + "\r\n"
    args = dict(ARGS, checks=["hosts_equiv"])
    plan = pf.plan_hosts_equiv(content, names)
    found = {"ok": True, "exists": True, "content": content}
    _file, lines, _equiv = pf._judge_hosts_equiv(args, found, plan, written=False, blocked=False)
    assert lines["status"] == (pf.WARNING if warned else pf.OK), lines
    assert ("trusts more than the servers" in lines["detail"]) == warned
    # with exclusive the line goes, and nothing is left to warn of
    exclusive = pf.plan_hosts_equiv(content, names, exclusive=True)
    assert not [ln for ln in exclusive["lines"] if ln.startswith("+")]
