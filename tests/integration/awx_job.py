"""Runs a job-template playbook as AWX / Automation Controller runs a job (docs/awx.md, Tests): ansible-runner with a
private data directory per job, laid out as AWX lays it out for an execution environment:

  inventory/hosts   an executable script printing the inventory as JSON (AWX's inventory from its database)
  env/extravars     the survey answers the job template sends, with AWX's defaults and meta variables
  env/cmdline       --ask-vault-pass (the Vault credential) and -l <limit> (ask_limit_on_launch)
  env/settings      the job timeout; run kwargs: passwords answers the vault prompt, envvars the job's environment
  project/          the project as its sync lays it out: the repository's files, playbooks under playbooks/
The collections come from a collections directory like the execution environment's /usr/share/ansible/collections:
this collection installed from its built tarball, beside the dependency collections the lab uses."""
import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys

import ansible_runner
import yaml
from playbook_lab import INVENTORY, ROOT

from ansible_collections.oscc.admin.plugins.filter.survey_spec import survey_spec

CONFIGURE_CONTROLLER = os.path.join(ROOT, "playbooks", "awx", "configure_controller.yml")
VAULT_PASSWORD = "lab-awx-vault"
# AWX answers ansible-playbook's prompt for a Vault credential without a vault_id (jobs.py, get_password_prompts).
VAULT_PROMPT = r"^Vault password:\s*?$"
# The lab's connection to its simulated hosts stands in for WinRM; an execution environment would not carry it.
LAB_CONNECTION_PLUGINS = os.path.join(ROOT, "tests", "lab", "plugins", "connection")
# Dependency collections as the lab runs them: its stand-ins first, then the ones unpacked by scripts/setup.
DEPENDENCY_COLLECTIONS = (os.path.join(ROOT, "tests", "lab", "collections"), os.path.join(ROOT, ".collections"))
JOB_TIMEOUT = 900


class SurveyRefused(AssertionError):
    """AWX would refuse the launch: the answers do not fit the job template's survey."""


def job_templates():
    """configure_controller.yml's job templates by name."""
    with open(CONFIGURE_CONTROLLER) as handle:
        return {entry["name"]: entry for entry in yaml.safe_load(handle)[0]["vars"]["awx_job_templates"]}


def survey(template_name):
    """The survey configure_controller.yml gives the job template: the filter's output for its role's spec."""
    entry = job_templates()[template_name]
    with open(os.path.join(ROOT, "roles", entry["role"], "meta", "argument_specs.yml")) as handle:
        specs = yaml.safe_load(handle)
    return survey_spec(specs, entry_point=entry["entry_point"], include=entry["include"], name=template_name)


def _choices(question):
    choices = question.get("choices") or []
    return choices.split("\n") if isinstance(choices, str) else list(choices)


def _answer_problem(question, value):
    """AWX's check of one answer (models/mixins.py, _survey_element_validation): None when it accepts it."""
    kind, name = question["type"], question["variable"]
    if kind in ("text", "textarea", "password"):
        if not isinstance(value, str):
            return f"Value {value!r} for '{name}' expected to be a string."
        return None
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return f"Value {value!r} for '{name}' expected to be an integer."
        low, high = question.get("min"), question.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            return f"'{name}' value {value} is outside {low}..{high}."
        return None
    if kind == "float":
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else \
            f"Value {value!r} for '{name}' expected to be a numeric type."
    if kind == "multiplechoice":
        return None if value in _choices(question) else f"Value {value!r} for '{name}' expected to be one of " \
                                                         f"{_choices(question)}."
    if kind == "multiselect":
        return None if isinstance(value, list) and set(value) <= set(_choices(question)) else \
            f"Value {value!r} for '{name}' expected to be a list of {_choices(question)}."
    return f"'{name}' has the unknown type {kind!r}."


def survey_answers(spec, answers=None):
    """The extra variables AWX launches the job with: the given answers, checked against the survey as AWX checks
    them, and every other question's default that passes the same check. An answer to a question the survey does
    not ask, a missing required one or an invalid one refuses the launch (SurveyRefused)."""
    answers = dict(answers or {})
    questions = {question["variable"]: question for question in spec["spec"]}
    unasked = sorted(set(answers) - set(questions))
    if unasked:
        raise SurveyRefused(f"Variables {unasked} are not in the survey of {spec['name']!r}")
    sent = {}
    for name, question in questions.items():
        if name in answers:
            problem = _answer_problem(question, answers[name])
            if problem:
                raise SurveyRefused(problem)
            sent[name] = answers[name]
        elif question.get("default") not in (None, "") and _answer_problem(question, question["default"]) is None:
            sent[name] = question["default"]
        elif question["required"]:
            raise SurveyRefused(f"'{name}' value missing")
    return sent


def build_ee_collections(directory):
    """A collections directory as the execution environment has it (/usr/share/ansible/collections): this collection
    installed from the tarball `ansible-galaxy collection build` makes, and the dependency collections."""
    directory = str(directory)
    dist = os.path.join(directory, "dist")
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", dist, ROOT], check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    collections = os.path.join(directory, "usr", "share", "ansible", "collections")
    (tarball,) = [os.path.join(dist, name) for name in os.listdir(dist)]
    alone = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections)  # the lab's link to this checkout must not count
    subprocess.run(["ansible-galaxy", "collection", "install", "--offline", "--no-deps", "-p", collections, tarball],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL, env=alone)
    for source in DEPENDENCY_COLLECTIONS:
        source = os.path.join(source, "ansible_collections")
        for namespace in sorted(os.listdir(source)):
            if namespace in ("oscc", "awx") or not os.path.isdir(os.path.join(source, namespace)):
                continue
            for name in sorted(os.listdir(os.path.join(source, namespace))):
                target = os.path.join(collections, "ansible_collections", namespace, name)
                if not os.path.exists(target):
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    os.symlink(os.path.join(source, namespace, name), target)
    return collections


def vaulted(value):
    """A value encrypted with the job's vault password, as a JSON inventory carries it."""
    done = subprocess.run(["ansible-vault", "encrypt_string", "--vault-password-file", "/dev/stdin",
                           "--output", "-", value], input=VAULT_PASSWORD, capture_output=True, text=True, check=True)
    text = done.stdout.split("!vault |", 1)[1]
    return {"__ansible_vault": "\n".join(line.strip() for line in text.strip().splitlines()) + "\n"}


def inventory_script(lab_root, secrets):
    """The lab's inventory as AWX hands it to a job: a script printing JSON, the lab's location and the vaulted
    secrets in the variables of `all`."""
    exported = subprocess.run(["ansible-inventory", "-i", INVENTORY, "--list", "--export"], check=True,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout
    inventory = json.loads(exported)
    inventory["all"]["vars"].update(oscc_lab_root=lab_root, ansible_python_interpreter=sys.executable, **secrets)
    return f"#!{sys.executable}\nimport sys\nsys.stdout.write({json.dumps(json.dumps(inventory))})\n"


def _project(directory):
    """The project as AWX's sync lays it out: the repository's files at their paths."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    for path in tracked.decode().split("\0"):
        if path and os.path.isfile(os.path.join(ROOT, path)):
            os.makedirs(os.path.join(directory, os.path.dirname(path)), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, path), os.path.join(directory, path))


@contextlib.contextmanager
def _job_environment_only():
    """Runner starts ansible-playbook with its own environment plus envvars: drop the test shell's ANSIBLE_* settings
    (the lab's ansible.cfg, collections path, connection plugins), which a job in an execution environment lacks."""
    saved = {key: value for key, value in os.environ.items() if key.startswith("ANSIBLE_")}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


class Job:
    """One launch of a job template: its private data directory, the runner's result and events."""

    def __init__(self, runner, private_data_dir, extravars):
        self.runner, self.private_data_dir, self.extravars = runner, private_data_dir, extravars
        self.status, self.rc, self.stats = runner.status, runner.rc, runner.stats
        self.events = list(runner.events)

    def failure_reasons(self):
        """The reason of each failed task, from the runner's runner_on_failed events (not the ignored ones)."""
        return [event["event_data"]["res"].get("msg", "") for event in self.events
                if event["event"] == "runner_on_failed" and not event["event_data"].get("ignore_errors")]

    def ok_tasks(self, host):
        return [event["event_data"]["task"] for event in self.events
                if event["event"] == "runner_on_ok" and event["event_data"].get("host") == host]

    def stdout(self):
        return "\n".join(event.get("stdout", "") for event in self.events)


def launch(lab_root, ee_collections, base_dir, template_name, answers=None, limit=None, job_id=1, secrets=None,
           inventory_vars=None, vault_password=VAULT_PASSWORD):
    """Launches the job template `template_name` on the lab at `lab_root` as AWX would, in a fresh private data
    directory under `base_dir`; returns the Job. The survey answers are checked against the generated survey first.
    secrets go into the inventory vaulted, inventory_vars as they are; vault_password is the Vault credential's."""
    entry = job_templates()[template_name]
    extravars = survey_answers(survey(template_name), answers)
    meta = {"awx_job_id": job_id, "awx_job_template_name": template_name, "awx_job_launch_type": "manual",
            "awx_user_name": "admin", "awx_inventory_name": "OSCC estate", "awx_project_revision": "lab"}
    extravars.update(meta)
    extravars.update({key.replace("awx_", "tower_", 1): value for key, value in meta.items()})
    pdd = os.path.join(str(base_dir), f"job-{job_id}")
    for folder in ("inventory", "env", "project", "requirements_collections"):
        os.makedirs(os.path.join(pdd, folder))
    _project(os.path.join(pdd, "project"))
    script = os.path.join(pdd, "inventory", "hosts")
    with open(script, "w") as handle:
        protected = {key: vaulted(value) for key, value in (secrets or {}).items()}
        handle.write(inventory_script(str(lab_root), dict(inventory_vars or {}, **protected)))
    os.chmod(script, stat.S_IRWXU)
    with open(os.path.join(pdd, "env", "extravars"), "w") as handle:
        json.dump(extravars, handle)
    with open(os.path.join(pdd, "env", "cmdline"), "w") as handle:
        handle.write("--ask-vault-pass" + (f" -l {limit}" if limit else ""))
    with open(os.path.join(pdd, "env", "settings"), "w") as handle:
        json.dump({"job_timeout": JOB_TIMEOUT, "suppress_ansible_output": True, "suppress_output_file": True}, handle)
    envvars = {
        "ANSIBLE_COLLECTIONS_PATH": f"{pdd}/requirements_collections:{ee_collections}",
        "ANSIBLE_CONNECTION_PLUGINS": LAB_CONNECTION_PLUGINS,
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "JOB_ID": str(job_id), "INVENTORY_ID": "1", "AWX_HOST": "https://awx.lab.invalid",
        "PROJECT_REVISION": "lab",
    }
    with _job_environment_only():
        runner = ansible_runner.run(private_data_dir=pdd, playbook=f"playbooks/{entry['playbook']}",
                                    ident=str(job_id), passwords={VAULT_PROMPT: vault_password}, envvars=envvars,
                                    suppress_env_files=True, quiet=True)
    return Job(runner, pdd, extravars)
