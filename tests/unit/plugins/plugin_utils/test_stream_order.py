"""Issue 18 item 6: a run's output merges stdout and stderr in an order that differs by host (executor.ps1: stdout,
then stderr; executor_posix.py: as they arrived). Every parser that looks at a position (a last line, a tail) reads
the streams in a fixed order, so each is fed here a result in both orders and must say the same."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host import streams
from ansible_collections.oscc.admin.plugins.plugin_utils._mail import keystore
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import preflight as pf


def both_orders(rc, out_lines, err_lines):
    """The result of one run as Windows reports it (stdout, then stderr) and as POSIX may (interleaved)."""
    out, err = "".join(out_lines), "".join(err_lines)
    interleaved = []
    for index in range(max(len(out_lines), len(err_lines))):
        interleaved += err_lines[index:index + 1] + out_lines[index:index + 1]  # stderr first, line by line
    common = {"rc": rc, "timed_out": False, "stdout": out, "stderr": err}
    windows = dict(common, output=out + err)
    posix = dict(common, output="".join(interleaved))
    assert windows["output"] != posix["output"]  # the two orders really differ
    return windows, posix


def test_the_fixed_order_is_stdout_then_stderr_and_a_result_without_streams_keeps_its_output():
    windows, posix = both_orders(1, ["a\n", "b\n"], ["E1\n", "E2\n"])
    assert streams.in_fixed_order(windows) == streams.in_fixed_order(posix) == "a\nb\nE1\nE2\n"
    assert streams.last_line(windows) == streams.last_line(posix) == "E2"
    assert streams.in_fixed_order({"output": "as recorded"}) == "as recorded"
    assert streams.in_fixed_order({"output": "err", "stderr": "err"}) == "err"  # stdout went to a file
    assert streams.last_line(None) == "no output" and streams.last_line({"output": " \n"}) == "no output"


KEYTOOL_OUT = ["keytool error: java.lang.Exception: Input not an X.509 certificate\n"]
JVM_ERR = ["Picked up JAVA_TOOL_OPTIONS: -Dfile.encoding=UTF-8\n", "Warning: use -storetype PKCS12\n"]


@pytest.mark.parametrize("order", [0, 1], ids=["stdout-then-stderr", "interleaved"])
def test_keytool_s_own_words_are_the_same_in_either_order(order):
    printed = both_orders(1, KEYTOOL_OUT, JVM_ERR)[order]
    results = {"keystore": {"exists": True, "dir": False, "link": False}, "certificate": printed,
               "alias": both_orders(1, ["Alias <x> does not exist\n"], JVM_ERR)[order]}
    with pytest.raises(keystore.KeystoreError) as raised:
        keystore.fingerprints(results, "/opt/ap/cacerts", "/tmp/ca.pem")
    assert str(raised.value) == ("certificate /tmp/ca.pem is not a certificate keytool can read: keytool error: "
                                 "java.lang.Exception: Input not an X.509 certificate")
    imported = both_orders(1, ["Certificate was not added\n", "Reason: the alias exists\n"],
                           ["Warning: use -storetype PKCS12\n"])[order]
    assert keystore.apply_problem({"import": imported}, "/s", "x", "/c.pem") == \
        "keytool could not import /c.pem as x: Warning: use -storetype PKCS12"


def test_a_keystore_that_is_a_link_to_nothing_is_said():
    results = {"keystore": {"exists": True, "dir": False, "link": True, "dangling": True}, "certificate": {},
               "alias": {}}
    with pytest.raises(keystore.KeystoreError, match="is a link that leads nowhere"):
        keystore.fingerprints(results, "/opt/ap/cacerts", "/tmp/ca.pem")


ARGS = {"local_name": "lab-main", "local_fqdn": "lab-main.lab.invalid", "time_reference": "lab-report",
        "timeout": 60, "clock_warning_seconds": 1.0, "clock_failure_seconds": 2.0}
PARTNER = {"name": "lab-report", "informixserver": "ol_report"}


@pytest.mark.parametrize("order", [0, 1], ids=["stdout-then-stderr", "interleaved"])
def test_w32tm_and_dbaccess_failures_read_the_same_line_in_either_order(order):
    clock = dict(both_orders(0, ["Tracking lab-report.\n", "Collecting 3 samples.\n"],
                             ["RPC server unavailable\n", "giving up\n"])[order], ok=True)
    assert pf._judge_clock(ARGS, clock)[1]["detail"] == \
        "lab-report did not answer w32tm (NTP, UDP 123): giving up"
    trust = dict(both_orders(1, ["Database selected.\n", "Connecting.\n"],
                             ["connect failed\n", "see the log\n"])[order], ok=True)
    assert pf._judge_trust(ARGS, PARTNER, trust)["detail"] == "dbaccess sysmaster@ol_report rc 1: see the log"
    refused = dict(both_orders(1, ["  956: Client host or user informix@lab-main is not trusted.\n"],
                               ["Error in line 1\n", "Near character position 0\n"])[order], ok=True)
    assert "rc 1: 956: Client host or user informix@lab-main is not trusted." in \
        pf._judge_trust(ARGS, PARTNER, refused)["detail"]
