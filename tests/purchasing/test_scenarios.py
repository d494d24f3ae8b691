"""Every scenario in scenarios/ through the simulator, and the command itself."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
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


def test_the_command_reads_standard_input_and_ignores_other_keys():
    scenario = json.loads(SCENARIOS[0].read_text(encoding="utf-8"))
    scenario["whatever"] = {"is": "ignored"}
    result = CliRunner().invoke(main, ["purchasing", "simulate", "-"], input=json.dumps(scenario))
    assert result.exit_code == 0 and json.loads(result.output) == scenario["expected"]


@pytest.mark.parametrize("text, message", [
    ("not json", "is not JSON"),
    ("[]", "a scenario is a JSON object"),
    ('{"inputs": {}}', "inputs.order_cycle is missing"),
    ('{"inputs": {"order_cycle": {"close_at": "2026-12-01", "delivery_date": "2026-12-10"}, "supplier": {}}}',
     "has no UTC offset"),
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
    ({"requests__0__quantity": "tre"}, "requests[0]: 'tre' is not a number"),
    ({"items__0__pack_price": "NaN"}, "is not a number"),
    ({"supplier__shipping__split": "by mood"}, "supplier.shipping.split"),
    ({"order_cycle__allocation": "lottery"}, "order_cycle.allocation"),
    ({"requests__0__submitted_at": "yesterday"}, "requests[0].submitted_at"),
])
def test_bad_fields_name_the_field(changes, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        simulate(_scenario(**changes))
