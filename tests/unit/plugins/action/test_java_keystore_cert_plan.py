"""java_keystore_cert decides from keytool's recorded output; the password reaches keytool only as a secret."""
import json

from ansible_collections.oscc.admin.plugins.action.java_keystore_cert import ActionModule

PASSWORD = "s3cret 'pw' & %PATH%"
OLD = ":".join(["AA"] * 32)
NEW = ":".join(["BB"] * 32)
NOISE = "Picked up JAVA_TOOL_OPTIONS: -Dfile.encoding=UTF-8\n"
ALIAS = "mail's \"CA\" & %USERNAME%"
ARGS = {"keystore": "/opt/ap/cacerts", "keystore_password": PASSWORD, "alias": ALIAS, "certificate": "/tmp/ca.pem"}


def printed(fingerprint, rc=0):
    return {"rc": rc, "output": f"{NOISE}Owner: CN=ca\nCertificate fingerprints:\n\t SHA256: {fingerprint}\n",
            "timed_out": False}


def listed(fingerprint=None, text=None):
    if fingerprint:
        return {"rc": 0, "output": f"{NOISE}Alias name: x\n SHA256: {fingerprint}\n", "timed_out": False}
    return {"rc": 1,
            "output": NOISE + (text or f"keytool error: java.lang.Exception: Alias <{ALIAS}> does not exist\n"),
            "timed_out": False}


def store():
    return {"exists": True, "dir": False, "link": False, "size": 100}


def ran(rc=0, text=""):
    return {"rc": rc, "output": NOISE + text, "timed_out": False}


def assert_password_only_a_secret(host):
    for batch in host.batches:
        assert PASSWORD not in json.dumps(batch["ops"]) and batch["secrets"] == {"storepass": PASSWORD}
    for op in host.ops("run"):
        if "-keystore" in op["argv"]:
            assert op["argv"][-2:] == ["-storepass:env", "OSCC_STOREPASS"]
            assert op["secret_env"] == {"OSCC_STOREPASS": "storepass"}


def test_a_new_alias_is_imported_and_the_password_is_never_in_a_request(host):
    host.recorded = [[store(), printed(NEW), listed()], [ran()]]
    done = host.run(ActionModule, ARGS)
    assert done["changed"] and done["fingerprint"] == NEW and done["previous_fingerprint"] is None, done
    importing = host.batches[1]["ops"]
    assert [op["argv"][1] for op in importing] == ["-importcert"] and ALIAS in importing[0]["argv"]
    assert_password_only_a_secret(host)


def test_the_same_fingerprint_changes_nothing_in_one_read_only_batch(host):
    host.recorded = [[store(), printed(OLD), listed(OLD)]]
    done = host.run(ActionModule, ARGS)
    assert not done["changed"] and done["remote_operations"] == 1 and host.batches[0]["read_only"]


def test_check_mode_plans_the_replacement_and_runs_no_import(host):
    host.recorded = [[store(), printed(NEW), listed(OLD)]]
    done = host.run(ActionModule, ARGS, check=True, diff=True)
    assert done["changed"] and done["previous_fingerprint"] == OLD and len(host.batches) == 1
    assert done["diff"]["after"] == f"{ALIAS}: {NEW}\n"


def test_a_replacement_deletes_then_imports_and_a_failed_delete_is_named(host):
    host.recorded = [[store(), printed(NEW), listed(OLD)], [ran(), ran()]]
    done = host.run(ActionModule, ARGS)
    assert done["changed"] and [op["argv"][1] for op in host.batches[1]["ops"]] == ["-delete", "-importcert"]
    host.recorded = [[store(), printed(NEW), listed(OLD)],
                     [ran(1, "keytool error: java.io.IOException: Keystore is locked\n"),
                      ran(1, "keytool error: java.lang.Exception: Certificate not imported, alias already exists\n")]]
    failed = host.run(ActionModule, ARGS)
    assert failed["failed"] and failed["msg"] == (f"keytool could not remove the old certificate {ALIAS} from "
                                                  "/opt/ap/cacerts: keytool error: "
                                                  "java.io.IOException: Keystore is locked")
    assert PASSWORD not in json.dumps(failed)


def test_a_failed_import_is_named(host):
    host.recorded = [[store(), printed(NEW), listed()], [ran(1, "keytool error: java.lang.Exception: Input not an "
                                                                "X.509 certificate\nWarning: something\n")]]
    done = host.run(ActionModule, ARGS)
    assert done["failed"] and done["msg"] == (f"keytool could not import /tmp/ca.pem as {ALIAS}: keytool error: "
                                              "java.lang.Exception: Input not an X.509 certificate")


def test_each_fault_reading_is_one_line(host):
    cases = [
        ([{"exists": False, "dir": False, "link": False}, printed(NEW), listed()],
         "keystore /opt/ap/cacerts does not exist"),
        ([store(), ran(1, "keytool error: java.lang.Exception: Input not an X.509 certificate\n"), listed()],
         "certificate /tmp/ca.pem is not a certificate keytool can read: keytool error: java.lang.Exception: Input not "
         "an X.509 certificate"),
        ([store(), printed(NEW), listed(text="keytool error: java.io.IOException: Keystore was tampered with, or "
                                             "password was incorrect\n")],
         "keystore_password is not the password of /opt/ap/cacerts"),
        ([store(), printed(NEW), listed(text="keytool error: java.io.IOException: Invalid keystore format\n")],
         "keytool could not read /opt/ap/cacerts: keytool error: java.io.IOException: Invalid keystore format"),
    ]
    for recorded, words in cases:
        host.recorded = [recorded]
        done = host.run(ActionModule, ARGS)
        assert done["failed"] and done["msg"] == words, done
    assert [op for op in host.ops("run") if "-importcert" in op["argv"]] == []


def test_a_keytool_that_cannot_start_says_which_to_give(host):
    host.recorded = [[store(), {"ok": False, "error": "keytool could not be started: No such file or directory"}]]
    done = host.run(ActionModule, ARGS)
    assert done["failed"] and done["msg"] == ("keytool could not be started: No such file or directory; give the "
                                              "keytool of the Java the Agent Portal uses")
