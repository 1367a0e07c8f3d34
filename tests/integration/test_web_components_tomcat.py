"""Role web_components against a real Tomcat 10 with its manager, started on loopback (manual §4.2.2)."""
import os
import socket
import zipfile

import pytest
import tomcat
import webkit
from playbook_lab import ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "web_components.yml")
HOST = "lab-web-tomcat"
pytestmark = pytest.mark.skipif(not tomcat.available(), reason="Tomcat 10 is installed by scripts/setup")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    peer = tomcat.Tomcat(tmp_path_factory.mktemp("tomcat")).start()
    yield peer
    peer.stop()


def player(tmp_path, server, web_interaction):
    """Runs the role against a lab of its own, on one context of the module's Tomcat."""
    lab = Lab(tmp_path / "lab", HOST)
    kit = webkit.war(str(tmp_path / "HPPCEnterpriseWeb.war"))
    context = f"HPPC{abs(hash(str(tmp_path))) % 10000}"  # one Tomcat serves the module's tests

    def play(check=False, **extra):
        values = {"oscc_lab_tomcat_url": server.url, "oscc_lab_tomcat_base": server.base, "web_components_kit": kit,
                  "web_components_port": web_interaction, "web_components_context": context, **extra}
        return lab.playbook(PLAYBOOK, limit=HOST, check=check, extra=values)

    play.lab, play.context, play.server, play.kit, play.port = lab, context, server, kit, web_interaction
    return play


@pytest.fixture
def run(tmp_path, server, web_interaction):
    return player(tmp_path, server, web_interaction)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, server, module_web_interaction):
    """One first deployment the module's tests go on from (each deployment is a long role run): the test that reads
    it and runs it again comes before the one that moves its port, in file order on one worker (xdist_group)."""
    play = player(tmp_path_factory.mktemp("deployed"), server, module_web_interaction)
    play.first = play()
    return play


def deployed_config(server, context):
    with zipfile.ZipFile(os.path.join(server.app_base, f"{context}.war")) as war:
        return dict(line.split("=", 1) for line in war.read("hpwcapp/config.properties").decode().splitlines()
                    if "=" in line and not line.startswith("#"))


def changed(run):
    return [name for name, result in run.results(HOST) if result.get("changed")]


def test_configured_deployed_and_served_then_nothing_changes(deployed):
    run, first = deployed, deployed.first
    assert first.rc == 0, first.stdout[-3000:]
    assert first.result("through the Tomcat manager", HOST)["operation"] == "deployed"
    config = deployed_config(run.server, run.context)
    assert config["servlet.name"] == f"/{run.context}/hppcwebchat"
    assert config["socket.server.name"] == "localhost"  # the lab estate's cluster address
    assert config["socket.server.port"] == str(run.port)
    assert config["socket.webchat.ssl"] == "false"
    for page in ("html/WCMain.htm", "html/WCCallbackMain.htm", "VXML/Initialize.vxml"):
        status, _body = run.server.get(f"/{run.context}/{page}")
        assert status == 200, page
    second = run()
    assert second.rc == 0 and second.stats(HOST)["changed"] == 0, changed(second)


def test_changed_port_redeploys_once(deployed):
    run = deployed
    assert run.first.rc == 0
    listed_before = run.server.manager("list")
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(4)
    try:
        port = other.getsockname()[1]
        moved = run(web_components_port=port)
        assert moved.rc == 0, moved.stdout[-3000:]
        deploy = moved.result("through the Tomcat manager", HOST)
        assert deploy["changed"] and deploy["operation"] == "redeployed"
        assert deployed_config(run.server, run.context)["socket.server.port"] == str(port)
        again = run(web_components_port=port)
        assert again.stats(HOST)["changed"] == 0
    finally:
        other.close()
    assert f"/{run.context}:running" in listed_before


def test_check_mode_deploys_nothing(run):
    planned = run(check=True)
    assert planned.rc == 0, planned.stdout[-3000:]
    assert f"/{run.context}:" not in run.server.manager("list")
    assert not os.path.exists(os.path.join(run.server.app_base, f"{run.context}.war"))
