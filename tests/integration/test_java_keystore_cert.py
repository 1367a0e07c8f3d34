"""java_keystore_cert with the JDK's own keytool (manual §3.6), on a POSIX host and a simulated Windows one."""
import os
import shutil
import subprocess

import mailpeers
import pytest
from playbook_lab import Lab

pytestmark = pytest.mark.skipif(not shutil.which("keytool"), reason="a JDK is installed by scripts/setup")
PASSWORD = "lab-keystore-secret"


def keystore(path):
    subprocess.run(["keytool", "-genkeypair", "-alias", "agent-portal", "-keyalg", "RSA", "-keysize", "2048",
                    "-dname", "CN=agent-portal", "-validity", "2", "-keystore", str(path), "-storetype", "JKS",
                    "-storepass", PASSWORD, "-keypass", PASSWORD], check=True, capture_output=True)


def aliases(path):
    out = subprocess.run(["keytool", "-list", "-keystore", str(path), "-storepass", PASSWORD], capture_output=True,
                         text=True, check=True).stdout
    return out


def test_imported_once_replaced_when_the_certificate_changes_and_the_password_never_shows(linux_lab, tmp_path):
    store = tmp_path / "cacerts"
    keystore(store)
    ca = mailpeers.make_ca(str(tmp_path / "ca1"))[0]
    args = {"keystore": str(store), "keystore_password": PASSWORD, "alias": "mail.lab.invalid", "certificate": ca}
    linux_lab.env["OSCC_LAB_CALL_LOG"] = str(tmp_path)  # every command the host ran, recorded
    other = mailpeers.make_ca(str(tmp_path / "ca2"))[0]
    # The import, the second run, the plan and the replacement back to back in one playbook.
    run, (first, second, planned, replaced) = linux_lab.tasks([
        ("oscc.admin.java_keystore_cert", args),
        ("oscc.admin.java_keystore_cert", args),
        ("oscc.admin.java_keystore_cert", {**args, "certificate": other}, {"check": True}),
        ("oscc.admin.java_keystore_cert", {**args, "certificate": other})], tmp_path)
    assert first["changed"] and first["previous_fingerprint"] is None
    assert PASSWORD not in run.stdout + run.stderr + open(tmp_path / "lab-linux.log").read()
    assert not second["changed"] and second["fingerprint"] == first["fingerprint"]
    assert planned["changed"] and planned["previous_fingerprint"] == first["fingerprint"]
    assert replaced["changed"] and replaced["fingerprint"] != first["fingerprint"]
    assert aliases(store).count("mail.lab.invalid") == 1  # imported, then replaced under the same alias


FAULTS = {
    "wrong password": ({"keystore_password": "wrong-password"}, "keystore_password is not the password of"),
    "not a certificate": ({"certificate": "not-a-cert"}, "is not a certificate keytool can read"),
    "missing keystore": ({"keystore": "missing"}, "does not exist"),
}


@pytest.fixture(scope="module")
def fault_results(tmp_path_factory):
    """Every row of FAULTS on one keystore, back to back in one playbook (each is refused, so the keystore stays as
    the next row finds it): name -> (run, result)."""
    tmp_path = tmp_path_factory.mktemp("keystore-faults")
    store = tmp_path / "cacerts"
    keystore(store)
    ca = mailpeers.make_ca(str(tmp_path / "ca"))[0]
    junk = tmp_path / "junk.pem"
    junk.write_text("no certificate here\n")
    values = {"not-a-cert": str(junk), "missing": str(tmp_path / "missing")}
    steps = [("oscc.admin.java_keystore_cert", {"keystore": str(store), "keystore_password": PASSWORD, "alias": "mail",
                                                "certificate": ca, **{k: values.get(v, v) for k, v in change.items()}})
             for change, _words in FAULTS.values()]
    run, results = Lab(tmp_path / "lab", "lab-linux").tasks(steps, tmp_path)
    return {name: (run, result) for name, result in zip(FAULTS, results)}


@pytest.mark.xdist_group("test_java_keystore_cert_faults")  # one worker runs the shared playbook (--dist loadgroup)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_named(fault_results, fault):
    run, result = fault_results[fault]
    assert result["failed"] and FAULTS[fault][1] in result["msg"]
    assert "wrong-password" not in run.stdout


def test_on_a_simulated_windows_host_the_password_goes_as_a_secure_parameter(windows_lab, tmp_path):
    base = windows_lab.paths["base"]
    os.makedirs(os.path.join(base, "drives", "C", "Java"), exist_ok=True)
    keystore(os.path.join(base, "drives", "C", "Java", "cacerts"))
    ca = mailpeers.make_ca(os.path.join(base, "drives", "C", "Java", "ca"))[0]
    args = {"keystore": "C:\\Java\\cacerts", "keystore_password": PASSWORD, "alias": "exch01",
            "certificate": "C:\\Java\\ca\\ca.pem", "keytool": shutil.which("keytool")}
    assert os.path.exists(ca)
    _, result = windows_lab.task("oscc.admin.java_keystore_cert", args, tmp_path)
    assert result["changed"], result
    calls = open(os.path.join(base, "windows.json")).read()
    assert PASSWORD not in calls and '"-storepass:env"' in calls  # keytool ran through the executor


def test_the_email_server_playbook_imports_on_the_main_server(windows_lab, tmp_path):
    from playbook_lab import ROOT

    base = windows_lab.paths["base"]
    os.makedirs(os.path.join(base, "drives", "C", "Java"), exist_ok=True)
    keystore(os.path.join(base, "drives", "C", "Java", "cacerts"))
    mailpeers.make_ca(os.path.join(base, "drives", "C", "Java", "ca"))
    extra = {"email_server_certificates": [{"alias": "exch01", "file": "C:\\Java\\ca\\ca.pem"}],
             "email_server_keystore": "C:\\Java\\cacerts", "email_server_keystore_password": PASSWORD,
             "email_server_keytool": shutil.which("keytool")}
    playbook = os.path.join(ROOT, "playbooks", "email_server.yml")
    first = windows_lab.playbook(playbook, limit="lab-main", extra=extra)
    assert first.rc == 0, first.stdout[-3000:]
    assert first.result("Trust the mail servers' certificates for the Agent Portal", "lab-main")["changed"]
    assert PASSWORD not in first.stdout
    second = windows_lab.playbook(playbook, limit="lab-main", extra=extra)
    assert second.stats("lab-main")["changed"] == 0


def test_a_certificate_from_the_controller_is_copied_to_the_main_server_first(windows_lab, tmp_path):
    from playbook_lab import ROOT

    base = windows_lab.paths["base"]
    os.makedirs(os.path.join(base, "drives", "C", "Java"), exist_ok=True)
    keystore(os.path.join(base, "drives", "C", "Java", "cacerts"))
    ca = mailpeers.make_ca(str(tmp_path / "controller-ca"))[0]
    extra = {"email_server_certificates": [{"alias": "exch01", "src": ca}],
             "email_server_certificate_dir": "C:\\OSCC\\certificates", "email_server_keystore": "C:\\Java\\cacerts",
             "email_server_keystore_password": PASSWORD, "email_server_keytool": shutil.which("keytool")}
    playbook = os.path.join(ROOT, "playbooks", "email_server.yml")
    first = windows_lab.playbook(playbook, limit="lab-main", extra=extra)
    assert first.rc == 0, first.stdout[-3000:]
    copied = os.path.join(base, "drives", "C", "OSCC", "certificates", "exch01.cer")
    assert open(copied).read() == open(ca).read()
    assert first.result("Trust the mail servers' certificates for the Agent Portal", "lab-main")["changed"]
    assert windows_lab.playbook(playbook, limit="lab-main", extra=extra).stats("lab-main")["changed"] == 0
    both = dict(extra, email_server_certificates=[{"alias": "exch01", "src": ca, "file": "C:\\x.cer"}])
    refused = windows_lab.playbook(playbook, limit="lab-main", extra=both)
    messages = [r.get("msg", "") for _n, r in refused.results("lab-main") if r.get("failed")]
    assert refused.rc != 0
    assert "certificate exch01: give file (on the main server) or src (on the controller), not both" in messages[0]
