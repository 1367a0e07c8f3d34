"""The keyed progress record of restore_estate.yml (§8.6.3) and replace_cluster_node.yml (§8.8): signed when
written, verified and judged against the request when read; each unusable file gets a one-line reason."""
import hashlib
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.filter.progress_record import progress_record_sign, progress_record_verdict

KEY = "the estate's manifest key"
ESTATE = {"format": 1, "servers": ["lab-main", "lab-backup"], "restored": ["lab-main"], "finished": False,
          "manifest": "latest", "started": "2026-12-07T10:00:00",
          "steps": [{"step": "§8.6.3 step 3: restore", "host": "lab-main", "seconds": 12.5}]}
REQUEST = {"servers": ["lab-main", "lab-backup"], "manifest": "latest"}


def written(record, key=KEY):
    """The file's text as the playbooks write it (to_nice_json) and the file lookup reads it (stripped)."""
    return json.dumps(progress_record_sign(record, key), indent=4, sort_keys=True, separators=(",", ": ")).strip()


def test_a_signed_record_verifies_and_is_handed_back_without_its_checksum():
    verdict = progress_record_verdict(written(ESTATE), KEY, REQUEST)
    assert verdict == {"found": True, "record": ESTATE, "finished": False, "problem": ""}


def test_the_checksum_is_the_one_the_playbooks_wrote_before_so_their_records_still_verify():
    # the playbooks' former expression: (body | to_json(sort_keys=true) ~ key) | hash('sha256')
    before = hashlib.sha256((json.dumps(ESTATE, sort_keys=True) + KEY).encode("utf-8")).hexdigest()
    assert progress_record_sign(ESTATE, KEY)["checksum"] == before
    assert progress_record_verdict(json.dumps(dict(ESTATE, checksum=before)), KEY, REQUEST)["problem"] == ""


def test_signing_again_replaces_the_old_checksum():
    signed = progress_record_sign(dict(ESTATE, checksum="0" * 64), KEY)
    assert signed == progress_record_sign(ESTATE, KEY) and signed["checksum"] != "0" * 64


def test_no_file_is_no_record_and_no_problem():
    nothing = {"found": False, "record": {}, "finished": False, "problem": ""}
    for text in (None, "", "  \n"):
        assert progress_record_verdict(text, KEY, REQUEST) == nothing


def test_a_record_changed_by_hand_is_refused_in_one_line():
    record = json.loads(written(ESTATE))
    record["restored"] = ["lab-main", "lab-backup"]
    verdict = progress_record_verdict(json.dumps(record), KEY, REQUEST)
    assert verdict["problem"] == "its checksum does not verify (changed by hand, or another key)"
    assert verdict["record"] == {} and verdict["found"]


def test_a_record_signed_with_another_key_or_without_a_checksum_does_not_verify():
    assert "does not verify" in progress_record_verdict(written(ESTATE, "another key"), KEY, REQUEST)["problem"]
    assert "does not verify" in progress_record_verdict(written(ESTATE), "", REQUEST)["problem"]
    assert "does not verify" in progress_record_verdict(json.dumps(ESTATE), KEY, REQUEST)["problem"]
    assert "does not verify" in progress_record_verdict(json.dumps(dict(ESTATE, checksum=7)), KEY)["problem"]


def test_the_record_of_another_request_is_foreign_and_names_both():
    verdict = progress_record_verdict(written(ESTATE), KEY, {"servers": ["lab-main"], "manifest": "latest"})
    assert verdict["problem"] == ("it is the record of servers lab-main, lab-backup; manifest latest, not of this "
                                  "request (servers lab-main)")
    assert verdict["record"] == {}
    node = {"format": 1, "node": "lab-main", "restored": True, "finished": False}
    foreign = progress_record_verdict(written(node), KEY, {"node": "lab-backup"})["problem"]
    assert foreign == "it is the record of node lab-main, not of this request (node lab-backup)"
    assert "node ?" in progress_record_verdict(written({"format": 1}), KEY, {"node": "lab-backup"})["problem"]


def test_a_truncated_file_is_named_truncated():
    text = written(ESTATE)
    for cut in (len(text) // 2, len(text) - 1, text.index('"started"') + 5, 1):
        problem = progress_record_verdict(text[:cut], KEY, REQUEST)["problem"]
        assert problem.startswith("it is truncated"), (cut, problem)
        assert "\n" not in problem


@pytest.mark.parametrize("text,word", [("restored: lab-main", "it is not JSON"), ("{'format': 1}", "it is not JSON"),
                                       ('{"format": 1} trailing', "it is not JSON"),
                                       ('["lab-main"]', "not a progress record (a JSON object), but a JSON list"),
                                       ("12", "but a JSON int")])
def test_a_file_that_is_no_json_object_gets_a_one_line_reason(text, word):
    verdict = progress_record_verdict(text, KEY, REQUEST)
    assert word in verdict["problem"] and "\n" not in verdict["problem"]
    assert verdict["found"] and verdict["record"] == {} and not verdict["finished"]


def test_finished_is_read_even_from_a_record_that_does_not_verify():
    record = dict(json.loads(written(ESTATE)), finished=True)
    verdict = progress_record_verdict(json.dumps(record), KEY, REQUEST)
    assert verdict["finished"] and "does not verify" in verdict["problem"]
    assert progress_record_verdict(written(dict(ESTATE, finished=True)), KEY, REQUEST)["finished"]


def test_bad_inputs_are_refused_in_one_line():
    with pytest.raises(AnsibleFilterError, match="mapping"):
        progress_record_sign(["not", "a", "record"], KEY)
    with pytest.raises(AnsibleFilterError, match="key must be a string"):
        progress_record_sign(ESTATE, 12)
    with pytest.raises(AnsibleFilterError, match="record file's text"):
        progress_record_verdict(12, KEY)
    with pytest.raises(AnsibleFilterError, match="request must be a mapping"):
        progress_record_verdict(written(ESTATE), KEY, ["lab-main"])
    assert progress_record_sign(ESTATE, None) == progress_record_sign(ESTATE, "")


def test_the_parsed_text_an_older_ansible_core_hands_on_is_judged_like_the_text():
    # ansible-core before 2.19: set_fact keeps JSON text as the value it parses to
    assert progress_record_verdict(json.loads(written(ESTATE)), KEY, REQUEST) == progress_record_verdict(
        written(ESTATE), KEY, REQUEST)
    changed = dict(json.loads(written(ESTATE)), restored=["lab-main", "lab-backup"])
    assert "does not verify" in progress_record_verdict(changed, KEY, REQUEST)["problem"]
    assert "not a progress record" in progress_record_verdict(["a", "list"], KEY, REQUEST)["problem"]
