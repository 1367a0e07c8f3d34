"""The job-template playbooks run as AWX runs them (tests/integration/awx_job.py): ansible-runner with a private
data directory, the survey answers that configure_controller.yml's surveys accept as extra variables, the vault
password answered at its prompt, the collection from an execution environment's collections directory. The backup,
the restore with `confirm` as a survey answer and a replication pause succeed against the lab; a refused input ends
the job `failed` with its one-line reason in the events."""
import json
import os

import pytest
from awx_job import SurveyRefused, build_ee_collections, launch, survey, survey_answers
from playbook_lab import ROOT, Lab, replication_estate

# A secret the inventory keeps vaulted: the backups' manifests are signed with it, so a job that could not answer
# the vault prompt would fail at the first backup.
SECRETS = {"oscc_manifest_key": "awx lab manifest key"}
NO_PARTNERS = {"oscc_restore_replication_preflight": False}  # a lab of one server: no replication to check first


@pytest.fixture(scope="module")
def ee_collections(tmp_path_factory):
    return build_ee_collections(tmp_path_factory.mktemp("ee"))


def test_backup_then_restore_with_confirm_as_a_survey_answer(ee_collections, tmp_path):
    lab = Lab(tmp_path / "lab", "lab-main")
    backup = launch(lab.root, ee_collections, tmp_path, "OSCC backup", limit="lab-main", job_id=1, secrets=SECRETS)
    assert (backup.status, backup.rc) == ("successful", 0), backup.stdout()[-3000:]
    assert backup.stats["failures"] == {} and backup.stats["ok"]["lab-main"] > 0
    # The survey's defaults arrived as AWX sends them: the level as an integer, the boolean as the choice's text.
    assert backup.extravars["informix_backup_level"] == 0 and backup.extravars["informix_backup_verify"] == "true"
    assert backup.extravars["awx_job_id"] == 1
    assert "Take the backup at level 0" in backup.ok_tasks("lab-main")
    before_restore = lab.data()
    lab.sql("insert into agents values ('1099', 'After Backup', 'ready');")

    restore = launch(lab.root, ee_collections, tmp_path, "OSCC restore", limit="lab-main", job_id=2,
                     answers={"informix_restore_confirm": "true"},
                     secrets=SECRETS, inventory_vars=NO_PARTNERS)
    assert (restore.status, restore.rc) == ("successful", 0), restore.stdout()[-3000:]
    assert restore.extravars["informix_restore_confirm"] == "true"
    assert lab.data() == before_restore and lab.mode_rc() == 5


def test_a_refused_input_fails_the_job_with_its_one_line_reason(ee_collections, tmp_path):
    lab = Lab(tmp_path / "lab", "lab-main")
    before = lab.data()
    refused = launch(lab.root, ee_collections, tmp_path, "OSCC restore", limit="lab-main", job_id=3,
                     secrets=SECRETS, inventory_vars=NO_PARTNERS)
    assert refused.status == "failed" and refused.rc != 0
    (reason,) = refused.failure_reasons()
    assert reason.startswith("informix_restore_confirm must be true") and len(reason.splitlines()) == 1
    assert refused.stats["failures"] == {"lab-main": 1}
    assert lab.data() == before


def test_replication_pause_with_the_surveys_default_scope(ee_collections, tmp_path):
    estate = replication_estate(tmp_path / "lab")
    paused = launch(estate.root, ee_collections, tmp_path, "OSCC replication pause",
                    limit="lab-main,lab-backup,lab-report", job_id=4, secrets=SECRETS)
    assert (paused.status, paused.rc) == ("successful", 0), paused.stdout()[-3000:]
    assert paused.extravars["replication_scope"] == "central_reporting"
    estate.sql_on("lab-main", "insert into stats_calls values ('c1', '2026-12-02', '120')")
    assert estate.rows("lab-report") == []  # paused: the row waits in the buffer


def test_a_wrong_vault_credential_fails_the_job_before_any_backup(ee_collections, tmp_path):
    lab = Lab(tmp_path / "lab", "lab-main")
    denied = launch(lab.root, ee_collections, tmp_path, "OSCC backup", limit="lab-main", job_id=5, secrets=SECRETS,
                    vault_password="not the vault password")
    assert denied.status == "failed" and denied.rc != 0
    assert "Decryption failed" in denied.stdout(), denied.stdout()[-3000:]
    assert os.listdir(lab.backups()) == []


def published_stats(job):
    """What AWX keeps as the job's artifacts: set_stats's data in the playbook_on_stats event, read from the
    runner's artifacts directory (<pdd>/artifacts/<job id>/job_events/) as AWX's callback receiver reads it."""
    events_dir = os.path.join(job.private_data_dir, "artifacts", str(job.extravars["awx_job_id"]), "job_events")
    for name in sorted(os.listdir(events_dir)):
        with open(os.path.join(events_dir, name), encoding="utf-8") as handle:
            event = json.load(handle)
        if event.get("event") == "playbook_on_stats":
            return event["event_data"]["artifact_data"]
    raise AssertionError(f"no playbook_on_stats event in {events_dir}")


def files_named_like_the_report(top):
    return sorted(os.path.join(folder, name) for folder, _dirs, names in os.walk(top) for name in names
                  if name.startswith("oscc-health-report"))


# The health report's job, as the daily schedule launches it: read-only on every server, its two files written to
# the share the inventory names (oscc_health_report_dir), its verdict kept with the job. Every server lacks its
# nightly backup: with the survey's answer health_report_fail_on never the job still ends successful.
def test_health_report_job(ee_collections, tmp_path):
    estate = replication_estate(tmp_path / "lab")
    share = tmp_path / "share"
    report = launch(estate.root, ee_collections, tmp_path, "OSCC health report",
                    limit="lab-main,lab-backup,lab-report", job_id=6, secrets=SECRETS,
                    answers={"health_report_fail_on": "never"}, inventory_vars={"oscc_health_report_dir": str(share)})
    assert (report.status, report.rc) == ("successful", 0), report.stdout()[-3000:]
    document = json.loads((share / "oscc-health-report.json").read_text())
    assert sorted(server["host"] for server in document["servers"]) == ["lab-backup", "lab-main", "lab-report"]
    assert "<svg" in (share / "oscc-health-report.html").read_text()
    # Nowhere else: not in the job's project (lost with an execution environment), not where pytest was started.
    assert files_named_like_the_report(report.private_data_dir) == []
    assert files_named_like_the_report(os.getcwd()) == [] and files_named_like_the_report(ROOT) == []
    # AWX keeps the verdict with the job: set_stats in the runner's artifacts.
    kept = published_stats(report)["oscc_health_report"]
    assert kept["verdict"] == document["verdict"] == "fail" and kept["counts"] == {"ok": 0, "warn": 0, "fail": 3}
    assert kept["servers"] == {"lab-main": "fail", "lab-backup": "fail", "lab-report": "fail"}
    assert kept["generated"] == document["generated"]
    assert kept["json_path"] == str(share / "oscc-health-report.json")
    assert kept["html_path"] == str(share / "oscc-health-report.html")
    assert "lab-main Level 0 archive: FAIL no verified level 0 archive" in kept["problems"]


# health_report_fail_on's default: a failed estate ends the job failed (red in AWX) with one line saying why, after
# the page is written and the verdict published.
def test_a_failed_estate_fails_the_health_report_job_after_its_page(ee_collections, tmp_path):
    estate = replication_estate(tmp_path / "lab")
    share = tmp_path / "share"
    report = launch(estate.root, ee_collections, tmp_path, "OSCC health report", limit="lab-main", job_id=7,
                    secrets=SECRETS, inventory_vars={"oscc_health_report_dir": str(share)})
    assert report.status == "failed" and report.rc != 0, report.stdout()[-3000:]
    (reason,) = report.failure_reasons()
    assert len(reason.splitlines()) == 1, reason
    assert reason.startswith(f"estate health fail (0 ok, 0 warn, 1 fail); page {share}/oscc-health-report.html: "
                             "lab-main Level 0 archive: FAIL no verified level 0 archive"), reason
    assert json.loads((share / "oscc-health-report.json").read_text())["verdict"] == "fail"
    assert published_stats(report)["oscc_health_report"]["verdict"] == "fail"


def test_answers_the_survey_does_not_ask_or_accept_refuse_the_launch():
    backup = survey("OSCC backup")
    with pytest.raises(SurveyRefused, match="not in the survey"):
        survey_answers(backup, {"informix_backup_method": "stdio"})
    with pytest.raises(SurveyRefused, match="outside 0..2"):
        survey_answers(backup, {"informix_backup_level": 3})
    with pytest.raises(SurveyRefused, match="expected to be one of"):
        survey_answers(survey("OSCC restore"), {"informix_restore_confirm": True})
    assert survey_answers(backup, {"informix_backup_level": 1})["informix_backup_level"] == 1
