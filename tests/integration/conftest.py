"""Fixtures: a private lab per test, on a simulated Windows server and on a Linux host."""
import pytest
from playbook_lab import HOSTS, Lab


@pytest.fixture(params=sorted(HOSTS))
def lab(tmp_path, request):
    """The same test on a simulated Windows server and on a Linux Informix host."""
    return Lab(tmp_path / "lab", request.param)


@pytest.fixture
def windows_lab(tmp_path):
    return Lab(tmp_path / "lab", "lab-main")


@pytest.fixture
def linux_lab(tmp_path):
    return Lab(tmp_path / "lab", "lab-linux")
