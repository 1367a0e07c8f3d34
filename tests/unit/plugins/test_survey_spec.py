"""AWX surveys from the roles' argument specs: every survey the filter makes passes AWX's server-side rules
(tests/lab/fakeawx.py, survey_problems) and asks each option the way the role reads it back."""
import glob
import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from fakeawx import survey_problems

from ansible_collections.oscc.admin.plugins.filter.survey_spec import survey_spec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SPEC_FILES = sorted(glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml")))
ENTRY_POINTS = [(path, entry) for path in SPEC_FILES
                for entry, body in yaml.safe_load(open(path))["argument_specs"].items() if (body or {}).get("options")]


def by_variable(survey):
    return {item["variable"]: item for item in survey["spec"]}


@pytest.mark.parametrize("path,entry", ENTRY_POINTS,
                         ids=[f"{p.split(os.sep)[-3]}:{e}" for p, e in ENTRY_POINTS])
def test_every_entry_point_of_every_role_makes_a_survey_awx_accepts(path, entry):
    with open(path) as handle:
        specs = yaml.safe_load(handle)
    options = specs["argument_specs"][entry]["options"]
    survey = survey_spec(specs, entry)
    assert survey_problems(survey) == []
    assert [q["variable"] for q in survey["spec"]] == list(options)
    for question in survey["spec"]:
        option = options[question["variable"]]
        assert question["required"] is bool(option.get("required", False))
        assert len(question["question_name"]) <= 80
        if option.get("no_log"):
            assert question["type"] == "password" and "default" not in question


def test_the_restore_survey_asks_confirm_as_a_choice_that_defaults_to_false():
    with open(os.path.join(ROOT, "roles", "informix_restore", "meta", "argument_specs.yml")) as handle:
        specs = yaml.safe_load(handle)
    survey = survey_spec(specs, include=["informix_restore_confirm", "informix_restore_manifest"])
    confirm, manifest = survey["spec"]
    assert confirm == {"question_name": "Must be true to restore", "question_description": "Must be true to restore.",
                       "variable": "informix_restore_confirm", "required": False, "type": "multiplechoice",
                       "choices": ["true", "false"], "default": "false"}
    assert manifest["type"] == "text" and manifest["default"] == "latest"


HAND_MADE = {"argument_specs": {"main": {"options": {
    "site": {"type": "str", "choices": ["berlin", "munich"], "default": "berlin", "required": True,
             "description": ["The site. Long explanation that is not asked."]},
    "level": {"type": "int", "choices": [0, 1, 2], "default": 1, "description": "C(0) full, C(1) incremental."},
    "age": {"type": "int", "default": "7", "description": "Max age."},
    "ratio": {"type": "float", "default": 2, "description": "A ratio."},
    "flag": {"type": "bool", "default": True, "description": "Flag O(site=berlin) only."},
    "token": {"type": "str", "no_log": True, "default": "s3cret", "required": True},
    "targets": {"type": "list", "elements": "str", "choices": ["a", "b", "c"], "default": ["a", "b"]},
    "bad_targets": {"type": "list", "elements": "str", "choices": ["a", "b"], "default": ["z"]},
    "odd_choice": {"type": "str", "choices": ["x", "y"], "default": "z"},
    "where": {"type": "path", "default": "C:\\Temp"},
    "hosts": {"type": "list", "elements": "int", "default": [1, 2]},
    "settings": {"type": "dict", "default": {"b": 1, "a": "x"}},
    "anything": {"type": "raw", "default": ["not", "text"]},
    "count_text": {"type": "str", "default": 5},
    "long": {"type": "str", "description": "x" * 200},
}}}}


def test_hand_made_spec_maps_each_type():
    survey = survey_spec(HAND_MADE, name="Hand", description="made", bool_style="yes_no")
    assert survey_problems(survey) == []
    assert (survey["name"], survey["description"]) == ("Hand", "made")
    q = by_variable(survey)
    assert q["site"] == {"question_name": "The site", "required": True, "type": "multiplechoice", "variable": "site",
                         "question_description": "The site. Long explanation that is not asked.",
                         "choices": ["berlin", "munich"], "default": "berlin"}
    assert (q["level"]["type"], q["level"]["min"], q["level"]["max"], q["level"]["default"]) == ("integer", 0, 2, 1)
    assert q["level"]["question_name"] == "0 full, 1 incremental"
    assert q["age"]["type"] == "integer" and "default" not in q["age"]  # "7" is no integer default
    assert (q["ratio"]["type"], q["ratio"]["default"]) == ("float", 2)
    assert (q["flag"]["choices"], q["flag"]["default"]) == (["yes", "no"], "yes")
    assert q["flag"]["question_name"] == "Flag site=berlin only"
    assert q["token"] == {"question_name": "token", "question_description": "", "variable": "token",
                          "required": True, "type": "password"}
    targets = q["targets"]
    assert (targets["type"], targets["choices"], targets["default"]) == ("multiselect", ["a", "b", "c"], "a\nb")
    assert "default" not in q["bad_targets"] and "default" not in q["odd_choice"]
    assert (q["where"]["type"], q["where"]["default"]) == ("text", "C:\\Temp")
    assert (q["hosts"]["type"], q["hosts"]["default"]) == ("textarea", "1\n2")
    assert (q["settings"]["type"], q["settings"]["default"]) == ("textarea", '{"a": "x", "b": 1}')
    assert q["anything"]["type"] == "text" and "default" not in q["anything"]
    assert q["count_text"]["default"] == "5"
    assert q["long"]["question_name"] == "x" * 79 + "…"


def test_bools_read_back_through_the_bool_filter():
    from ansible.plugins.filter.core import to_bool
    for style in ("true_false", "yes_no"):
        flag = by_variable(survey_spec(HAND_MADE, include=["flag"], bool_style=style))["flag"]
        yes, no = flag["choices"]
        assert (to_bool(yes), to_bool(no), to_bool(flag["default"])) == (True, False, True)


def test_include_keeps_its_order_and_exclude_drops():
    survey = survey_spec(HAND_MADE, include=["level", "site", "level", "flag"], exclude=["flag"])
    assert [q["variable"] for q in survey["spec"]] == ["level", "site"]
    options = HAND_MADE["argument_specs"]["main"]["options"]
    assert len(survey_spec(HAND_MADE, exclude=["token"])["spec"]) == len(options) - 1


@pytest.mark.parametrize("kwargs,words", [
    ({"include": ["nope"]}, "include names options"), ({"exclude": ["nope"]}, "exclude names options"),
    ({"entry_point": "other"}, "no entry point 'other'"), ({"include": ["site"], "exclude": ["site"]}, "empty survey"),
    ({"bool_style": "on_off"}, "bool_style"), ({"question_length": 3}, "question_length")])
def test_refusals(kwargs, words):
    with pytest.raises(AnsibleFilterError, match=words):
        survey_spec(HAND_MADE, **kwargs)


def test_unknown_type_and_wrong_input_are_refused():
    with pytest.raises(AnsibleFilterError, match="type 'bits'"):
        survey_spec({"main": {"options": {"x": {"type": "bits"}}}})
    with pytest.raises(AnsibleFilterError, match="argument_specs mapping"):
        survey_spec(["main"])


@pytest.mark.parametrize("broken,words", [
    ({"name": "", "description": "", "spec": []}, "non-empty"),
    ({"description": "", "spec": [{"type": "text", "question_name": "q", "variable": "v", "required": True}]}, "name"),
    ({"name": "", "description": "", "spec": [{"type": "text", "question_name": "q", "variable": "v",
                                               "required": "yes"}]}, "bool"),
    ({"name": "", "description": "", "spec": [{"type": "text", "question_name": "q", "variable": "v",
                                               "required": True}] * 2}, "unique"),
    ({"name": "", "description": "", "spec": [{"type": "integer", "question_name": "q", "variable": "v",
                                               "required": True, "default": "1"}]}, "integer"),
    ({"name": "", "description": "", "spec": [{"type": "multiplechoice", "question_name": "q", "variable": "v",
                                               "required": True, "choices": "a\nb", "default": "c"}]}, "among"),
    ({"name": "", "description": "", "spec": [{"type": "text", "question_name": "q", "variable": "v",
                                               "required": True, "min": 1.5}]}, "min"),
    ({"name": "", "description": "", "spec": [{"type": "bool", "question_name": "q", "variable": "v",
                                               "required": True}]}, "unknown")])
def test_the_rules_checker_itself_catches_each_broken_rule(broken, words):
    assert any(words in problem for problem in survey_problems(broken))
