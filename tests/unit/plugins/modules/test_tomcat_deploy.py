"""The Tomcat manager's answers as tomcat_deploy reads them, and wadm listings as sunjava_deploy reads them."""
import pytest

from ansible_collections.oscc.admin.plugins.modules import sunjava_deploy, tomcat_deploy

# As Tomcat 10.1 answered in the lab (tests/lab/tomcat.py).
LISTED = ("OK - Listed applications for virtual host [localhost]\n"
          "/manager:running:0:/usr/share/tomcat10-admin/manager\n"
          "/HPPC:stopped:0:HPPC\n/a/b:running:3:a#b\n")


def test_list_is_read_per_context():
    apps = tomcat_deploy.parse_list(LISTED)
    assert apps["/HPPC"] == {"path": "/HPPC", "state": "stopped", "sessions": 0, "docbase": "HPPC"}
    assert apps["/a/b"]["sessions"] == 3 and set(apps) == {"/manager", "/HPPC", "/a/b"}


def test_a_failed_list_is_an_error():
    with pytest.raises(ValueError, match="FAIL - no"):
        tomcat_deploy.parse_list("FAIL - no\n")


@pytest.mark.parametrize("path, name", [("/HPPC", "HPPC"), ("/", "ROOT"), ("/a/b", "a#b")])
def test_deployed_war_names(path, name):
    assert tomcat_deploy.base_name(path) == name


def test_wadm_listings_leave_out_messages():
    assert sunjava_deploy.names("HPPC\n\nother\nCLI201 Command 'x' ran successfully\n") == ["HPPC", "other"]
