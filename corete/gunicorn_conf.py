"""gunicorn's settings for the hub: `corete serve` uses this file, and so can
`gunicorn -c python:corete.gunicorn_conf corete.wsgi:app`. Options given on the command
line (or in GUNICORN_CMD_ARGS) win over these."""
import os
import tempfile

bind = "127.0.0.1:8000"
workers = 2
# Threads, not processes alone: a page waiting on the database or the validator waiting on
# a member's server holds one thread, not a whole worker.
worker_class = "gthread"
threads = 4
# A request may wait on a feed for VALIDATE_FETCH_DEADLINE (10 s) and a slow map document
# for its build: a worker silent for this long is stuck, and gunicorn replaces it.
timeout = 60
graceful_timeout = 30
keepalive = 5
# The app is built once in the master, so a configuration error stops `corete serve` at
# once with its message instead of every worker failing in a loop.
preload_app = True
# The hub logs one line per request itself (with a request id); gunicorn's own access log
# would repeat it.
accesslog = None
errorlog = "-"
# gunicorn 27's control socket (in the user's home) is not used by the hub.
control_socket_disable = True

# Prometheus counters of all workers are summed from files in this folder (prometheus_client's
# multi-process mode): it must be set before the app imports prometheus_client.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="corete-metrics-")


def child_exit(server, worker):
    """A worker's metrics that only it kept (its gauges) go with it."""
    from corete.ops import metrics

    metrics.worker_exited(worker.pid)
