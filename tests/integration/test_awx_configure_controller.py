"""playbooks/awx/configure_controller.yml against the fake AWX API (tests/lab/fakeawx.py): the objects it makes,
the surveys equal to the filter's output for each role, the §6.3.1 schedules, a second run and --check."""
import datetime as dt
import glob
import json
import os
import re
import subprocess

import pytest
import yaml
from dateutil.rrule import rrulestr
from fakeawx import FakeAWX, rrule_problems, survey_problems

from ansible_collections.oscc.admin.plugins.filter.survey_spec import survey_spec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(ROOT, "playbooks", "awx", "configure_controller.yml")
SECRETS = {"awx_machine_password": "Winrm-Secret-4711", "awx_vault_password": "Vault-Secret-0815"}
SCM_URL = "https://git.example.invalid/oscc/oscc.admin.git"
BACKUP_SERVERS = ("oscc_main", "oscc_backup", "oscc_central_report")
pytestmark = pytest.mark.xdist_group("test_awx_configure_controller")  # one fake AWX, runs in order


def play_vars():
    with open(PLAYBOOK) as handle:
        return yaml.safe_load(handle)[0]["vars"]


def run(fake, tmp_path, *extra, scm_url=SCM_URL):
    """ansible-playbook with the secrets in a vaulted vars file, as docs/awx.md says to keep them; the project's
    repository URL (required) as scm_url, none when it is None. Returns (changed, writes, output)."""
    done, before = start(fake, tmp_path, *extra, scm_url=scm_url)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    recap = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)", done.stdout)
    writes = fake.changes(since=before)
    return int(recap.group(2)), writes, done.stdout


def start(fake, tmp_path, *extra, scm_url=SCM_URL):
    """The finished ansible-playbook run and how many requests the fake had before it."""
    secrets = tmp_path / "secrets.yml"
    password_file = tmp_path / "vault-pass"
    if not secrets.exists():
        password_file.write_text("lab-vault\n")
        secrets.write_text(yaml.safe_dump(dict(SECRETS, awx_machine_username="oscc\\ansible",
                                               awx_controller_username="admin", awx_controller_password="pw")))
        subprocess.run(["ansible-vault", "encrypt", "--vault-password-file", str(password_file), str(secrets)],
                       check=True, capture_output=True)
    command = ["ansible-playbook", "-i", "localhost,", PLAYBOOK, "--vault-password-file", str(password_file),
               "-e", f"@{secrets}", "-e", f"awx_controller_host={fake.url}", *extra]
    command += ["-e", f"awx_project_scm_url={scm_url}"] if scm_url is not None else []
    before = len(fake.requests)
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path), before


@pytest.fixture(scope="module")
def configured(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("awx")
    with FakeAWX() as fake:
        first = run(fake, tmp_path)
        second = run(fake, tmp_path)
        # A plan with a different daytime start: reported, never sent.
        planned = run(fake, tmp_path, "--check", "-e", "awx_backup_incremental_time=140000")
        rotated = run(fake, tmp_path, "-e", "awx_machine_password=Rotated-Secret-1", "-e", "awx_update_secrets=true")
        yield fake, first, second, planned, rotated


def test_the_organization_project_inventory_and_credentials(configured):
    fake, (changed, writes, output), *_ = configured
    assert changed > 0 and writes
    organization = fake.named("organizations", "OSCC")
    project = fake.named("projects", "oscc.admin")
    assert project["scm_type"] == "git" and project["organization"] == organization["id"]
    assert fake.named("inventories", "OSCC estate")["organization"] == organization["id"]
    machine, vault = fake.named("credentials", "OSCC WinRM"), fake.named("credentials", "OSCC vault")
    assert machine["credential_type"] == fake.named("credential_types", "Machine")["id"]
    assert vault["credential_type"] == fake.named("credential_types", "Vault")["id"]
    assert machine["inputs"] == {"username": "oscc\\ansible", "password": "$encrypted$"}
    sent = {r[3]["name"]: r[3]["inputs"] for r in writes if r[1] == "/api/v2/credentials/"}
    assert sent["OSCC WinRM"]["password"] == SECRETS["awx_machine_password"]
    assert sent["OSCC vault"]["vault_password"] == SECRETS["awx_vault_password"]
    for secret in SECRETS.values():
        assert secret not in output


def test_one_job_template_per_playbook_each_with_the_filters_survey(configured):
    fake = configured[0]
    table = play_vars()["awx_job_templates"]
    playbooks = {os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "playbooks", "*.yml"))}
    assert sorted(entry["playbook"] for entry in table) == sorted(playbooks)
    credentials = {fake.named("credentials", "OSCC WinRM")["id"], fake.named("credentials", "OSCC vault")["id"]}
    for entry in table:
        template = fake.named("job_templates", entry["name"])
        assert template["playbook"] == "playbooks/" + entry["playbook"]
        assert set(fake.jt_credentials[template["id"]]) == credentials
        with open(os.path.join(ROOT, "roles", entry["role"], "meta", "argument_specs.yml")) as handle:
            expected = survey_spec(yaml.safe_load(handle), entry_point=entry["entry_point"],
                                   include=entry["include"], name=entry["name"])
        assert fake.surveys[template["id"]] == expected
        assert survey_problems(fake.surveys[template["id"]]) == []
    restore = fake.named("job_templates", "OSCC restore")
    confirm = {q["variable"]: q for q in fake.surveys[restore["id"]]["spec"]}["informix_restore_confirm"]
    assert (confirm["type"], confirm["choices"], confirm["default"]) == ("multiplechoice", ["true", "false"], "false")
    passwords = fake.named("job_templates", "OSCC change passwords")
    questions = {q["variable"]: q for q in fake.surveys[passwords["id"]]["spec"]}
    for secret in ("credentials_hppc_password", "credentials_informix_password"):
        assert questions[secret]["type"] == "password" and not questions[secret].get("default"), questions[secret]


def first_start(rule):
    return rrulestr(rule, forceset=True)[0]


def test_backup_schedules_follow_the_manual(configured):
    fake = configured[0]
    backup = fake.named("job_templates", "OSCC backup")
    assert backup["ask_limit_on_launch"] is True and backup["allow_simultaneous"] is True
    schedules = [s for s in fake.objects["schedules"].values() if s["unified_job_template"] == backup["id"]]
    assert len(schedules) == 2 * len(BACKUP_SERVERS)
    starts = {}
    for schedule in schedules:
        assert rrule_problems(schedule["rrule"]) == []
        assert schedule["rrule"].startswith("DTSTART;TZID=Europe/Berlin:")
        level = schedule["extra_data"]["informix_backup_level"]
        starts.setdefault(level, {})[schedule["limit"]] = first_start(schedule["rrule"])
    # §6.3.1: main, backup and central report server back up at the same time, full at night, incremental by day.
    for level in (0, 1):
        assert set(starts[level]) == set(BACKUP_SERVERS)
        assert len(set(starts[level].values())) == 1
    nightly, daytime = starts[0]["oscc_main"], starts[1]["oscc_main"]
    assert nightly.hour < 6 and 7 <= daytime.hour <= 18
    assert nightly.utcoffset() == dt.timedelta(hours=1)  # Berlin in January
    assert nightly < dt.datetime.now(nightly.tzinfo)  # the default start lies behind: the backups run from tonight
    assert first_start(next(s["rrule"] for s in schedules if s["extra_data"]["informix_backup_level"] == 1)
                       ).weekday() < 5


def test_the_health_report_runs_daily_after_the_nightly_backup(configured):
    fake = configured[0]
    report = next(t for t in fake.objects["job_templates"].values() if t["name"] == "OSCC health report")
    schedules = [s for s in fake.objects["schedules"].values() if s["unified_job_template"] == report["id"]]
    assert [s["name"] for s in schedules] == ["OSCC health report daily"]
    assert rrule_problems(schedules[0]["rrule"]) == []
    rule = rrulestr(schedules[0]["rrule"], forceset=True)
    first, second = rule[0], rule[1]
    assert second - first == dt.timedelta(days=1)
    backup = next(t for t in fake.objects["job_templates"].values() if t["name"] == "OSCC backup")
    nightly = next(s for s in fake.objects["schedules"].values()
                   if s["unified_job_template"] == backup["id"] and s["extra_data"]["informix_backup_level"] == 0)
    assert first_start(nightly["rrule"]).time() < first.time() < dt.time(8)


def test_a_second_run_changes_nothing(configured):
    _, _, (changed, writes, _), *_ = configured
    assert (changed, writes) == (0, [])


def test_check_mode_reports_a_change_and_sends_nothing(configured):
    fake, _, _, (changed, writes, output), _ = configured
    assert (changed, writes) == (1, [])  # the schedules task, for the three daytime schedules only
    assert output.count("changed: [localhost] => (item=level 1 ") == len(BACKUP_SERVERS)
    assert "changed: [localhost] => (item=level 0 " not in output
    assert all("T130000" in s["rrule"] for s in fake.objects["schedules"].values() if "daytime" in s["name"])


def test_a_rotated_password_is_sent_when_asked(configured):
    _, _, _, _, (changed, writes, output) = configured
    sent = [r for r in writes if r[1].startswith("/api/v2/credentials/")]
    vault = {"vault_password": SECRETS["awx_vault_password"], "vault_id": ""}
    machine = {"username": "oscc\\ansible", "password": "Rotated-Secret-1"}
    assert [r[3]["inputs"] for r in sent] == [vault, machine]
    assert changed == 2
    assert "Rotated-Secret-1" not in output


def test_check_mode_on_a_new_controller_stops_after_the_organization(tmp_path):
    with FakeAWX() as fake:
        changed, writes, output = run(fake, tmp_path, "--check")
    assert (changed, writes) == (1, [])
    assert "organization OSCC would be created first" in output


def test_without_the_project_url_nothing_is_sent_and_one_line_says_why(tmp_path):
    with FakeAWX() as fake:
        done, before = start(fake, tmp_path, scm_url=None)
        assert done.returncode != 0 and len(fake.requests) == before == 0
    failed = re.search(r"^fatal: \[localhost\]: FAILED! => (\{.*\})$", done.stdout, re.MULTILINE)
    assert failed, done.stdout[-3000:]
    message = json.loads(failed[1])["msg"]
    assert message == "awx_project_scm_url is required - the Git URL of the repository holding this collection"


def test_a_start_day_that_is_no_day_is_refused_before_anything_is_sent(tmp_path):
    with FakeAWX() as fake:
        done, before = start(fake, tmp_path, "-e", "awx_schedule_start_date=2027-01-01")
        assert done.returncode != 0 and len(fake.requests) == before == 0
    failed = re.search(r"^fatal: \[localhost\]: FAILED! => (\{.*\})$", done.stdout, re.MULTILINE)
    assert failed, done.stdout[-3000:]
    assert json.loads(failed[1])["msg"] == 'awx_schedule_start_date must be a day as YYYYMMDD, got "2027-01-01"'


@pytest.mark.parametrize("rule,words", [
    ("DTSTART:20270101T010000 RRULE:FREQ=DAILY;INTERVAL=1", "must start with DTSTART"),
    ("DTSTART;TZID=Europe/Berlin:20270101T010000 RRULE:FREQ=DAILY", "INTERVAL missing"),
    ("DTSTART;TZID=Europe/Berlin:20270101T010000 RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=1MO", "numeric prefix"),
    ("DTSTART;TZID=Europe/Berlin:20270101T010000 RRULE:FREQ=DAILY;INTERVAL=1;COUNT=2;UNTIL=20270301T000000Z",
     "COUNT with UNTIL")])
def test_the_fake_refuses_rules_awx_refuses(rule, words):
    assert any(words in problem for problem in rrule_problems(rule))
