"""gmail_settings (manual §3.3, §3.8) against the lab's Google token endpoint and Gmail API."""
import json

import googleapi
import pytest

ACCOUNT = "oscc@lab.invalid"


@pytest.fixture
def google():
    api = googleapi.GoogleApi().start()
    yield api
    api.stop()


def arguments(google, tmp_path, **change):
    return {"account": ACCOUNT, "service_account_file": google.write_key(tmp_path / "key.json"), "api_url": google.url,
            "report_sender": "reports@lab.invalid", **change}


def test_imap_and_the_report_sender_are_set_once_and_the_key_never_shows(linux_lab, google, tmp_path):
    args = arguments(google, tmp_path)
    _, planned = linux_lab.task("oscc.admin.gmail_settings", args, tmp_path, check=True, diff=True)
    assert planned["changed"] and json.loads(planned["diff"]["after"]) == {"imap": {"enabled": True},
                                                                             "send_as": "reports@lab.invalid"}
    assert not google.users[ACCOUNT]["imap"]["enabled"] and len(google.users[ACCOUNT]["sendAs"]) == 1
    run, first = linux_lab.task("oscc.admin.gmail_settings", args, tmp_path)
    assert first["changed"] and first["imap"]["enabled"] and google.users[ACCOUNT]["imap"]["enabled"]
    assert first["imap"]["expungeBehavior"] == "archive"  # the other IMAP settings are kept
    assert first["send_as"] == {"sendAsEmail": "reports@lab.invalid", "treatAsAlias": True,
                                "verificationStatus": "accepted"}
    assert "PRIVATE KEY" not in run.stdout + run.stderr
    _, second = linux_lab.task("oscc.admin.gmail_settings", args, tmp_path)
    assert not second["changed"] and [m for m, _p in google.calls].count("PUT") == 1
    assert [m for m, p in google.calls if p.endswith("/sendAs")].count("POST") == 1


def test_an_address_of_another_domain_waits_for_its_owner_and_says_so(linux_lab, google, tmp_path):
    run, result = linux_lab.task("oscc.admin.gmail_settings",
                                 arguments(google, tmp_path, report_sender="boss@example.org"), tmp_path)
    assert result["changed"] and result["send_as"]["verificationStatus"] == "pending"
    assert "Gmail sent a confirmation message to boss@example.org" in " ".join(result.get("warnings", []))


@pytest.mark.parametrize("fault, words", [
    ("no_sharing_delegation", "needs domain-wide delegation for https://www.googleapis.com/auth/gmail.settings.basic "
                              "https://www.googleapis.com/auth/gmail.settings.sharing to act for oscc@lab.invalid"),
    ("unknown_account", "Invalid email or User ID"),
    ("other_key", "Invalid JWT Signature"),
    ("not_a_key", "is not a service account key (missing private_key)"),
    ("closed", "cannot reach"),
])
def test_each_fault_is_named(linux_lab, google, tmp_path, fault, words):
    args = arguments(google, tmp_path)
    if fault == "no_sharing_delegation":
        google.delegated = {googleapi.SCOPE_IMAP}
    elif fault == "unknown_account":
        args["account"] = "nobody@lab.invalid"
    elif fault == "other_key":
        stranger = googleapi.GoogleApi()
        key = dict(google.key(), private_key=stranger.key()["private_key"])
        (tmp_path / "key.json").write_text(json.dumps(key))
        stranger.server.server_close()
    elif fault == "not_a_key":
        (tmp_path / "key.json").write_text(json.dumps({"client_email": "x", "token_uri": "y"}))
    else:
        google.stop()
    _, result = linux_lab.task("oscc.admin.gmail_settings", args, tmp_path)
    assert result["failed"] and words in result["msg"], result
    assert not google.users[ACCOUNT]["imap"]["enabled"]


def test_an_unauthorised_client_gets_googles_reason_on_one_line(linux_lab, google, tmp_path):
    google.delegated = set()  # the client ID has no delegation in the Admin console
    _, result = linux_lab.task("oscc.admin.gmail_settings", arguments(google, tmp_path), tmp_path)
    assert result["failed"] and "\n" not in result["msg"], result
    assert f"{google.url}/token refused the token: unauthorized_client: Client is unauthorized" in result["msg"]
    assert google.calls == [("POST", "/token")]  # no Gmail API call without a token
