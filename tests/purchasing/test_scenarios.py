"""Every scenario in scenarios/ through the simulator, and the command itself."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from corete.cli import main
from corete.purchasing.simulate import ScenarioError, simulate

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.json"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path):
    scenario = json.loads(path.read_text(encoding="utf-8"))
    assert simulate(scenario) == scenario["expected"]


def test_there_are_the_examples_and_many_of_our_own():
    names = {p.stem for p in SCENARIOS}
    assert {"example-S01", "example-S04", "example-S22"} <= names
    assert len(names) >= 20


def test_the_command_prints_the_expected_shape_without_any_configuration(monkeypatch, tmp_path):
    monkeypatch.delenv("CORETE_SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no instance/config.py here: the command must not need the app
    path = SCENARIOS[0]
    result = CliRunner().invoke(main, ["purchasing", "simulate", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(path.read_text(encoding="utf-8"))["expected"]


def test_the_command_reads_standard_input_and_refuses_keys_it_does_not_know():
    scenario = json.loads(SCENARIOS[0].read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, ["purchasing", "simulate", "-"], input=json.dumps(scenario))
    assert result.exit_code == 0 and json.loads(result.output) == scenario["expected"]
    scenario["inputs"]["items"][0]["price_tiers"] = [{"min_packs": 2, "pack_price": "1.00"}]
    scenario["notse"] = "a typo"
    result = CliRunner().invoke(main, ["purchasing", "simulate", "-"], input=json.dumps(scenario))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "inputs.items[0].price_tiers: unknown key; did you mean tiers?" in result.output
    assert "notse: unknown key; did you mean notes?" in result.output


@pytest.mark.parametrize("text, message", [
    ("not json", "is not JSON"),
    ("[]", "a scenario is a JSON object"),
    ('{"inputs": {}}', "inputs: order_cycle is missing"),
    ('{"inputs": {"order_cycle": {"close_at": "2026-12-01", "delivery_date": "2026-12-10"}, "supplier": {}}}',
     "inputs.order_cycle.close_at: '2026-12-01' is not an iso 8601 date and time with its utc offset"),
    ('{"inputs": {"order_cycle": {"close_at": "2026-12-01T18:00:00+01:00", "delivery_date": "2026-12-10"}, '
     '"supplier": {}, "items": {"caffe": {"sku": "caffe"}}}}', "inputs.items: expected a list, found an object"),
])
def test_a_bad_scenario_is_a_clear_error(text, message):
    result = CliRunner().invoke(main, ["purchasing", "simulate", "-"], input=text)
    assert result.exit_code == 1 and message in result.output


def _scenario(**changes):
    scenario = json.loads(SCENARIOS[0].read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *path, key = dotted.split("__")
        target = scenario["inputs"]
        for part in path:
            target = target[int(part)] if part.isdigit() else target[part]
        target[key] = value
    return scenario


@pytest.mark.parametrize("changes, message", [
    ({"requests__0__quantity": "tre"}, "requests[0].quantity: 'tre' is not a number"),
    ({"items__0__pack_price": "NaN"}, "is not a number"),
    ({"supplier__shipping__split": "by mood"}, "supplier.shipping.split"),
    ({"order_cycle__allocation": "lottery"}, "order_cycle.allocation"),
    ({"requests__0__submitted_at": "yesterday"}, "requests[0].submitted_at"),
])
def test_bad_fields_name_the_field(changes, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        simulate(_scenario(**changes))


@pytest.mark.parametrize("changes, message", [
    ({"supplier__shipping__free_above": "100"}, "inputs.supplier.shipping.free_above: unknown key; did you mean free_over?"),
    ({"order_cycle__allocaton": "fcfs"}, "inputs.order_cycle.allocaton: unknown key; did you mean allocation?"),
    ({"requests__0__tollerance": 1}, "inputs.requests[0].tollerance: unknown key; did you mean tolerance?"),
    ({"items__0__tiers": [{"min_packs": 2, "price": "1.00"}]}, "inputs.items[0].tiers[0].price: unknown key"),
    ({"events": [{"sku": "x", "type": "delivered", "unts": 1}]}, "inputs.events[0].unts: unknown key; did you mean units?"),
    ({"events": "delivered"}, "inputs.events: expected a list, found a string"),
    ({"requests": [["pigneto", 2]]}, "inputs.requests[0]: expected an object, found a list"),
])
def test_an_unknown_key_or_a_wrong_shape_is_named_with_its_path(changes, message):
    with pytest.raises(ScenarioError) as refused:
        simulate(_scenario(**changes))
    assert message in str(refused.value)


def test_events_keyed_by_product_code_as_the_pooling_rules_word_them():
    """RULES.md gives events "per sku": an object keyed by product code is the same as the list."""
    listed = json.loads(next(p for p in SCENARIOS if "events" in p.read_text(encoding="utf-8")).read_text(encoding="utf-8"))
    events = listed.get("events") or listed["inputs"]["events"]
    keyed: dict = {}
    for event in events:
        keyed.setdefault(event["sku"], []).append({k: v for k, v in event.items() if k != "sku"})
    by_sku = json.loads(json.dumps(listed))
    by_sku.pop("events", None)
    by_sku["inputs"]["events"] = keyed
    assert simulate(by_sku) == simulate(listed) == listed["expected"]


def test_the_published_schema_is_the_one_the_simulator_checks():
    from importlib import resources

    shipped = resources.files("corete.purchasing").joinpath("data/scenario.schema.json").read_text("utf-8")
    published = (Path(__file__).parents[2] / "docs" / "purchasing-scenario.schema.json").read_text(encoding="utf-8")
    assert json.loads(shipped) == json.loads(published)
    for path in SCENARIOS:  # every scenario of ours follows it
        simulate(json.loads(path.read_text(encoding="utf-8")))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_whatever_json_a_coordinator_feeds_it_the_answer_is_a_result_or_a_named_error(data):
    """No input is a traceback: any value at any place of a real scenario gives a result
    or a ScenarioError."""
    scenario = json.loads(SCENARIOS[0].read_text(encoding="utf-8"))
    places = [(scenario, "inputs")]
    for section in ("order_cycle", "supplier"):
        places += [(scenario["inputs"][section], key) for key in scenario["inputs"][section]]
    places += [(scenario["inputs"]["items"][0], key) for key in scenario["inputs"]["items"][0]]
    places += [(scenario["inputs"]["requests"][0], key) for key in scenario["inputs"]["requests"][0]]
    places += [(scenario["inputs"], "events"), (scenario, "events")]
    target, key = data.draw(st.sampled_from(places))
    target[key] = data.draw(JSON)
    try:
        simulate(scenario)
    except ScenarioError:
        pass
