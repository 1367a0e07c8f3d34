"""Role web_components on Sun Java System Web Server through the lab's simulated wadm (manual §4.2.3)."""
import json
import os
import socket
import urllib.error
import urllib.request

import labctl
import ports
import pytest
import webkit
from playbook_lab import ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "web_components.yml")
HOST = "lab-web-sunjava"


def player(tmp_path, web_interaction):
    """Runs the role against a lab of its own: its wadm, its instance's HTTP port."""
    lab = Lab(tmp_path / "lab", HOST)
    kit = webkit.war(str(tmp_path / "HPPCEnterpriseWeb.war"))
    http_port = ports.free_port()

    def play(check=False, **extra):
        values = {"web_components_kit": kit, "web_components_port": web_interaction,
                  "web_components_sunjava_http_port": http_port, **extra}
        return lab.playbook(PLAYBOOK, limit=HOST, check=check, extra=values)

    play.lab, play.port, play.http_port = lab, web_interaction, http_port
    return play


@pytest.fixture
def run(tmp_path, web_interaction):
    play = player(tmp_path, web_interaction)
    yield play
    labctl.stop_web_host(play.lab.root, play.lab.host)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, module_web_interaction):
    """One first deployment the module's tests go on from (each deployment is a long role run): the tests that read
    it and run it again come before the one that moves its port, in file order on one worker (xdist_group)."""
    play = player(tmp_path_factory.mktemp("deployed"), module_web_interaction)
    play.first = play()
    yield play
    labctl.stop_web_host(play.lab.root, play.lab.host)


def wadm_state(run):
    with open(os.path.join(run.lab.paths["base"], "sunjava", "state.json")) as handle:
        return json.load(handle)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_instance_https_hppc_serves_the_configured_war_then_nothing_changes(deployed):
    run, first = deployed, deployed.first
    assert first.rc == 0, first.stdout[-3000:]
    deploy = first.result("Deploy the configured WAR with wadm", HOST)
    assert deploy["operations"] == ["create-config", "create-instance", "add-webapp", "deploy-config", "start-instance"]
    state = wadm_state(run)
    assert list(state["configs"]) == ["HPPC"] and list(state["configs"]["HPPC"]["vs"]["HPPC"]["webapps"]) == ["/HPPC"]
    deployed = os.path.join(run.lab.paths["base"], "sunjava", "https-HPPC", "docroot", "HPPC", "hpwcapp",
                            "config.properties")
    config = open(deployed).read()
    assert f"socket.server.port={run.port}\n" in config and "servlet.name=/HPPC/hppcwebchat\n" in config
    assert get(f"http://127.0.0.1:{run.http_port}/HPPC/html/WCMain.htm") == 200
    second = run()
    assert second.rc == 0 and second.stats(HOST)["changed"] == 0, \
        [n for n, r in second.results(HOST) if r.get("changed")]


def test_the_admin_password_stays_out_of_results_and_files(deployed):
    run, done = deployed, deployed.first
    assert done.rc == 0
    assert "lab-wadm-secret" not in done.stdout
    used = wadm_state(run)["password_files"]
    assert used and not any(os.path.exists(path) for path in used)


def test_a_new_port_replaces_the_application_once(deployed):
    run = deployed
    assert run.first.rc == 0
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(4)
    try:
        moved = run(web_components_port=other.getsockname()[1])
        assert moved.rc == 0, moved.stdout[-3000:]
        assert moved.result("Deploy the configured WAR with wadm", HOST)["operations"] == \
            ["remove-webapp", "add-webapp", "deploy-config"]
        assert run(web_components_port=other.getsockname()[1]).stats(HOST)["changed"] == 0
    finally:
        other.close()


def test_check_mode_creates_nothing(run):
    planned = run(check=True)
    assert planned.rc == 0, planned.stdout[-3000:]
    assert wadm_state(run)["configs"] == {}
