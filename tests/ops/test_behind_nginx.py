"""deploy/nginx.conf as shipped (only ports, certificate and temp paths changed for a
test), in front of `corete serve` with PROXY_HOPS=1: it passes `nginx -t` on Debian 12's
nginx, sends http to https, passes a request id and the public scheme and host, stops
large bodies, and a forged X-Forwarded-For buys no new rate-limit bucket."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
import trustme

from tests.ops.test_serve import REDIS_URL, _free_port, redis_prefix, served  # noqa: F401  (fixtures)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


@pytest.fixture
def nginx(tmp_path):
    """Start nginx with deploy/nginx.conf in front of a hub at ``upstream`` port."""
    if not Path(NGINX).exists():
        if os.environ.get("CORETE_REQUIRE_NGINX") == "1":
            pytest.fail(f"{NGINX} is missing and CORETE_REQUIRE_NGINX=1")
        pytest.skip("nginx is not installed (apt-get install nginx-light; .ci/run does)")
    started = []

    def start(upstream: int) -> tuple[str, str, trustme.CA]:
        ca = trustme.CA()
        cert = ca.issue_cert("hub.corete.example", "127.0.0.1")
        cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "hub.pem"))
        http, https = _free_port(), _free_port()
        server = CONF.read_text()
        server = (server.replace("listen 80;", f"listen 127.0.0.1:{http};").replace("listen [::]:80;", "")
                  .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
                  .replace("listen [::]:443 ssl http2;", "")
                  .replace("/etc/letsencrypt/live/hub.corete.example/fullchain.pem", str(tmp_path / "hub.pem"))
                  .replace("/etc/letsencrypt/live/hub.corete.example/privkey.pem", str(tmp_path / "hub.pem"))
                  .replace("127.0.0.1:8000", f"127.0.0.1:{upstream}"))
        temp = " ".join(f"{name}_temp_path {tmp_path}/{name};" for name in
                        ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (tmp_path / "nginx.conf").write_text(
            f"error_log {tmp_path}/error.log;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
            f"http {{ access_log off; {temp}\n{server}\n}}\n")
        check = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                    "-g", "daemon off;"])
        started.append(process)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", http), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        return f"http://127.0.0.1:{http}", f"https://127.0.0.1:{https}", ca

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_the_shipped_nginx_configuration_in_front_of_corete_serve(served, nginx, redis_prefix, tmp_path):  # noqa: F811
    base, _log = served(PROXY_HOPS="1", REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=redis_prefix,
                        WTF_CSRF_ENABLED="false")
    http, https, ca = nginx(int(base.rsplit(":", 1)[1]))
    with ca.cert_pem.tempfile() as bundle:
        visitor = requests.Session()
        visitor.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would win over verify
        visitor.verify = bundle
        redirect = requests.get(http + "/calendar", allow_redirects=False, timeout=10)
        assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://")
        page = visitor.get(https + "/calendar", headers={"Host": "hub.corete.example"}, timeout=10)
        assert page.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", page.headers["X-Request-ID"])
        atom = visitor.get(https + "/calendar/upcoming.atom", headers={"Host": "hub.corete.example"}, timeout=10)
        assert "https://hub.corete.example/" in atom.text and "http://hub.corete.example" not in atom.text
        # Every visitor reaches the hub from nginx's address; with PROXY_HOPS=1 each still
        # has a bucket of its own (X-Forwarded-For names the visitor).
        statuses = [visitor.post(https + "/login", data={"email": "x@corete.example", "password": "no"},
                                 timeout=10).status_code for _ in range(11)]
        assert statuses == [401] * 10 + [429]
        forged = visitor.post(https + "/login", data={"email": "x@corete.example", "password": "no"},
                              headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10)
        assert forged.status_code == 429  # nginx appends the real address, the hub trusts only that one
        assert visitor.get(https + "/metrics", timeout=10).status_code == 200  # from 127.0.0.1: allowed
        big = visitor.post(https + "/login", data={"x": "y" * (4 * 1024 * 1024)}, timeout=10)
        assert big.status_code == 413  # nginx stops it before a worker reads it
