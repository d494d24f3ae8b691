"""The hub's log: one line per request and per poll, as text or as JSON (LOG_FORMAT)."""
from __future__ import annotations

import datetime as dt
import json
import logging

REQUEST_LOG = logging.getLogger("corete.request")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "pid": record.process,
                "message": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(config) -> None:
    """Once per process: the root logger writes to standard error in LOG_FORMAT at LOG_LEVEL."""
    root = logging.getLogger()
    if getattr(root, "_corete_configured", False):
        return
    handler = logging.StreamHandler()
    if config["LOG_FORMAT"] == "json":
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(config["LOG_LEVEL"])
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per tick
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /readyz reads the migrations (`db upgrade` logs its own)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # `corete run`: the hub logs requests itself
    root._corete_configured = True
