"""Role wallboard against emulated Lantronix units (manual chapter 2)."""
import os
import random

import lantronix
import pytest
import yaml
from playbook_lab import ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "wallboard.yml")


@pytest.fixture
def fleet():
    # The inventory's units, moved to addresses of their own: parallel workers run fleets at the same time.
    base = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}"
    units = [lantronix.Unit(f"{base}.81", "00:20:4a:00:00:81", local_port=10001),  # already as the inventory says
             lantronix.Unit(f"{base}.82", "00:20:4a:00:00:82", local_port=10001, style="uds100")]  # port to change
    started = lantronix.Fleet(units).start()
    started.at = lambda last: f"{base}.{last}"
    yield started
    started.stop()


def play(tmp_path, fleet, *args, check=False):
    lab = Lab(tmp_path / "lab", "lab-wallboard-1")
    overlay = tmp_path / "addresses.yml"
    overlay.write_text(yaml.safe_dump({"all": {"children": {"oscc_wallboards": {"hosts": {
        "lab-wallboard-1": {"ansible_host": fleet.at(81)}, "lab-wallboard-2": {"ansible_host": fleet.at(82)}}}}}}))
    return lab.playbook(PLAYBOOK, "-i", str(overlay), *args, limit="oscc_wallboards", check=check,
                        extra={"oscc_lab_lantronix_query_port": fleet.query_port,
                               "oscc_lab_lantronix_setup_port": fleet.setup_port})


def test_only_the_unit_that_differs_is_saved_and_a_second_run_saves_none(tmp_path, fleet):
    first = play(tmp_path, fleet)
    assert first.rc == 0, first.stdout[-3000:]
    assert fleet.units[fleet.at(81)].saves == 0 and fleet.units[fleet.at(82)].saves == 1
    assert fleet.units[fleet.at(82)].values()["local_port"] == 10002
    assert first.result("Configure the Lantronix converter", "lab-wallboard-1")["changed"] is False
    second = play(tmp_path, fleet)
    assert second.rc == 0 and all(u.saves == s for u, s in zip(fleet.units.values(), (0, 1)))
    assert second.stats("lab-wallboard-1")["changed"] == 0 and second.stats("lab-wallboard-2")["changed"] == 0


def test_check_mode_saves_nothing(tmp_path, fleet):
    planned = play(tmp_path, fleet, check=True)
    assert planned.rc == 0, planned.stdout[-3000:]
    assert planned.result("Configure the Lantronix converter", "lab-wallboard-2")["changed"]
    assert all(u.saves == 0 for u in fleet.units.values())


def test_a_reserved_port_is_refused_before_anything(tmp_path, fleet):
    failed = play(tmp_path, fleet, "-e", "wallboard_port=9999")
    assert failed.rc != 0
    message = failed.result("Check the wallboard's inventory entry (§2.1)", "lab-wallboard-1")["msg"]
    assert "wallboard_port must be between 1 and 65535 and not 9999 or 30718" in message
    assert all(u.saves == 0 for u in fleet.units.values())
