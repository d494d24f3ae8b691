"""`corete purchasing simulate FILE.json`: a round computed from a scenario, without the
database, so a coordinator can try "what if" before opening a real round."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup


purchasing_cli = AppGroup("purchasing", help="Pooled group purchasing.")


@purchasing_cli.command("simulate", with_appcontext=False)
@click.argument("scenario", type=click.File("r", encoding="utf-8"))
def simulate_command(scenario):
    """Pool a scenario's needs (its "inputs" and optional "events") and print the supplier
    order, each product's pooling and allocations, and what each space pays, as JSON.
    A scenario whose "kind" is "boxfill" answers which box-fill changes are accepted.
    SCENARIO is a file, or - for standard input. The format: docs/purchasing.md."""
    from corete.purchasing.simulate import ScenarioError, simulate  # pint: only when simulating

    try:
        data = json.load(scenario)
    except json.JSONDecodeError as e:
        raise click.ClickException(f"{scenario.name} is not JSON: {e}") from e
    try:
        answer = simulate(data)
    except ScenarioError as e:
        raise click.ClickException(f"{scenario.name}: {e}") from e
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
