"""Fixtures: a private lab per test, on a simulated Windows server and on a Linux host."""
import socket
import threading

import mailpeers
import pytest
from playbook_lab import HOSTS, Lab, replication_estate


@pytest.fixture(params=sorted(HOSTS))
def lab(tmp_path, request):
    """The same test on a simulated Windows server and on a Linux Informix host."""
    return Lab(tmp_path / "lab", request.param)


@pytest.fixture
def windows_lab(tmp_path):
    return Lab(tmp_path / "lab", "lab-main")


@pytest.fixture
def estate(tmp_path):
    """lab-main, lab-backup and lab-report sharing one simulated Enterprise Replication domain."""
    return replication_estate(tmp_path / "lab")


@pytest.fixture
def linux_lab(tmp_path):
    return Lab(tmp_path / "lab", "lab-linux")


@pytest.fixture(scope="module")
def peers():
    """A real Dovecot and Postfix on loopback for the mail tests of one module."""
    if not mailpeers.available():
        pytest.skip("Dovecot and Postfix are installed by scripts/setup")
    pair = mailpeers.MailPeers().start()
    yield pair
    pair.stop()


def listening():
    """A listener where the Web Interaction server would be (the smoke test only connects): yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                listener.accept()[0].close()
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture
def web_interaction():
    yield from listening()


@pytest.fixture(scope="module")
def module_web_interaction():
    """The listener for a module's shared deployment (a module-scoped fixture cannot use the per-test one)."""
    yield from listening()
