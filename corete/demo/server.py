"""A small static feed server with ETag and Last-Modified, as a member's web server has."""
from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, documents: dict[str, tuple[bytes, str]], host: str = "127.0.0.1", port: int = 0):
        self.documents = {}
        self.set_documents(documents)
        super().__init__((host, port), _Handler)

    def set_documents(self, documents: dict[str, tuple[bytes, str]]) -> None:
        stamp = formatdate(usegmt=True)
        self.documents = {
            path: (body, ctype, '"' + hashlib.sha1(body).hexdigest()[:16] + '"', stamp)
            for path, (body, ctype) in documents.items()
        }

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FeedServer":
        threading.Thread(target=self.serve_forever, daemon=True, name="feed-server").start()
        return self


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        doc = self.server.documents.get(self.path.split("?")[0])
        if doc is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, ctype, etag, modified = doc
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # quiet
        pass
