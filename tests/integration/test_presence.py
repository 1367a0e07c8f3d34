"""Role presence against a real OpenLDAP slapd on loopback (manual §5.2)."""
import os

import ldappeer
import pytest
from playbook_lab import ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "presence.yml")
HOST = "lab-ldap"
pytestmark = pytest.mark.skipif(not ldappeer.available(), reason="slapd is installed by scripts/setup")
USERS = [{"dn": f"uid=anna.berger,ou=people,{ldappeer.SUFFIX}", "presence_id": "anna.berger@uc.lab.invalid",
          "user_name": "aberger", "line_state": "+4989700701"},
         {"dn": f"uid=jonas.keller,ou=people,{ldappeer.SUFFIX}", "user_name": "jkeller"}]


@pytest.fixture
def run(tmp_path):
    directory = ldappeer.Slapd().start()
    lab = Lab(tmp_path / "lab", HOST)

    def play(check=False, args=(), **extra):
        values = {"presence_server_uri": directory.uri, "presence_ca_file": directory.ca_file, "presence_users": USERS,
                  **extra}
        return lab.playbook(PLAYBOOK, *args, limit=HOST, check=check, extra=values)

    play.directory = directory
    yield play
    directory.stop()


def test_fields_set_once_then_nothing_changes(run):
    first = run()
    assert first.rc == 0, first.stdout[-3000:]
    anna = run.directory.entry("anna.berger")
    assert anna["osccPresenceId"] == ["anna.berger@uc.lab.invalid"] and anna["osccUserName"] == ["aberger"]
    assert anna["osccLineState"] == ["+4989700701"] and "osccPresence" in anna["objectClass"]
    jonas = run.directory.entry("jonas.keller")
    assert jonas["osccUserName"] == ["jkeller"] and "osccPresenceId" not in jonas
    assert "osccUserName" not in run.directory.entry("lea.wolf")
    second = run()
    assert second.rc == 0 and second.stats(HOST)["changed"] == 0


def test_check_mode_plans_and_changes_nothing(run):
    planned = run(check=True, args=("--diff",))
    assert planned.rc == 0, planned.stdout[-3000:]
    result = planned.result("Set the presence fields of the users", HOST)
    user_name_added = {"osccUserName": {"before": None, "after": "jkeller"}}
    assert result["changed"] and result["changes"][USERS[1]["dn"]] == user_name_added
    assert "osccUserName" not in run.directory.entry("jonas.keller")
    assert ldappeer.ADMIN_PASSWORD not in planned.stdout


def test_an_untrusted_certificate_is_refused(run, tmp_path):
    import mailpeers

    other_ca = mailpeers.make_ca(str(tmp_path / "other"))[0]
    failed = run(presence_ca_file=other_ca)
    assert failed.rc != 0
    assert "cannot bind to" in failed.result("Set the presence fields of the users", HOST)["msg"]


def test_a_field_without_an_attribute_is_named(run):
    failed = run(presence_attributes={"user_name": "osccUserName"})
    assert failed.rc != 0
    assert "users[0] sets presence_id, line_state, which attributes does not map" in \
        failed.result("Set the presence fields of the users", HOST)["msg"]
