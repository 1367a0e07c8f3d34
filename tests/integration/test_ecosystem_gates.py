"""The two ecosystem gates of scripts/test fail on a broken collection: antsibull-docs' plugin docs
lint and galaxy-importer (through scripts/galaxy-import) on the built tarball. A small fixture
collection stands in for ours so that each run takes seconds."""
import os
import subprocess
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MODULE = '''#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: probe
short_description: A module of the fixture collection
description:
  - Says hello; see M(fixture.gates.probe) for itself and M(fixture.gates.{other}) for another.
author:
  - fixture (@fixture)
"""

EXAMPLES = r"""
- name: Say hello
  fixture.gates.probe:
"""

RETURN = r"""
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    AnsibleModule(argument_spec={}, supports_check_mode=True).exit_json(changed=False)


if __name__ == "__main__":
    main()
'''


def fixture_collection(path, other="probe", playbook=None):
    """fixture.gates: one module whose description names `other` as a module, optionally a playbook."""
    files = {
        "galaxy.yml": """\
            namespace: fixture
            name: gates
            version: 1.0.0
            readme: README.md
            authors: [fixture]
            description: The gates' fixture.
            license: [GPL-3.0-or-later]
            tags: [tools]
            repository: https://example.com/fixture/gates
            build_ignore: []
            """,
        "README.md": "# fixture.gates\n",
        "meta/runtime.yml": """\
            ---
            requires_ansible: ">=2.17.0"
            """,
        "changelogs/changelog.yaml": """\
            ancestor: null
            releases: {}
            """,
        "plugins/modules/probe.py": MODULE.replace("{other}", other),
    }
    if playbook:
        files["playbooks/site.yml"] = playbook
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text) if not name.endswith(".py") else text)
    return path


def run(*args, **env):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env={**os.environ, **env}, timeout=600)


def test_antsibull_docs_lint_fails_on_a_module_reference_that_names_no_module(tmp_path):
    collection = fixture_collection(tmp_path / "gates", other="no_such_module")
    linted = run("antsibull-docs", "lint-collection-docs", "--plugin-docs", str(collection))
    assert linted.returncode != 0
    findings = [line for line in linted.stdout.splitlines() if line.strip()]
    # the reference to the module itself is fine; only the missing one is reported
    assert len(findings) == 1, linted.stdout + linted.stderr
    assert findings[0].startswith(f"{collection}/plugins/modules/probe.py:")
    assert "M(fixture.gates.no_such_module): there is no module fixture.gates.no_such_module" in findings[0]


def test_galaxy_import_fails_on_an_ansible_lint_finding_and_says_so_in_one_line(tmp_path):
    """With its own lint pass on (GALAXY_IMPORT_LINT, as Galaxy imports); scripts/test lints once, before it."""
    playbook = """\
        ---
        - name: Site
          hosts: all
          tasks:
            - name: List
              command: ls
              changed_when: false
        """
    collection = fixture_collection(tmp_path / "gates", playbook=textwrap.dedent(playbook))
    imported = run(os.path.join(ROOT, "scripts", "galaxy-import"), str(collection),
                   GALAXY_IMPORT_WORK=str(tmp_path / "work"), GALAXY_IMPORT_LINT="True")
    assert imported.returncode == 1, imported.stdout + imported.stderr
    summary, *findings = imported.stdout.splitlines()
    assert summary == "galaxy-importer: fixture-gates-1.0.0.tar.gz: 1 finding(s), import completed"
    assert len(findings) == 1 and "playbooks/site.yml" in findings[0] and "fqcn[action-core]" in findings[0]
