"""The files of deploy/ say what the hub really reads and does."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corete import config as defaults

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = ("corete-web.service", "corete-scheduler.service")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", UNITS)
def test_systemd_units_verify(unit, tmp_path):
    corete = Path(sys.executable).with_name("corete")
    text = (DEPLOY / unit).read_text().replace("/opt/corete/venv/bin/corete", str(corete))
    (tmp_path / unit).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_example_environment_sets_only_keys_the_hub_has():
    keys = re.findall(r"^#?\s*CORETE_([A-Z_]+)=", (DEPLOY / "corete.env.example").read_text(), re.M)
    assert keys and all(hasattr(defaults, key) for key in keys), [k for k in keys if not hasattr(defaults, k)]


def test_timeouts_nest_a_slow_request_is_cut_by_the_hub_first(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "unused")  # the file sets it when it is not set
    from corete import gunicorn_conf

    nginx = int(re.search(r"proxy_read_timeout (\d+)s;", (DEPLOY / "nginx.conf").read_text()).group(1))
    assert defaults.VALIDATE_FETCH_DEADLINE < nginx < gunicorn_conf.timeout
    assert defaults.FETCH_TOTAL_DEADLINE < gunicorn_conf.timeout
    assert gunicorn_conf.worker_class == "gthread" and gunicorn_conf.preload_app


def test_commands_the_units_run_exist():
    from corete.cli import COMMANDS

    for unit in UNITS:
        command = re.search(r"^ExecStart=\S+/corete (\w+)", (DEPLOY / unit).read_text(), re.M).group(1)
        assert command in COMMANDS
