"""Another fediverse server on 127.0.0.1, written with bovine (an independent ActivityPub
library from PyPI) on aiohttp, in a thread with its own event loop: an actor with its own
RSA key; an inbox that checks each request's HTTP signature with bovine's checker (fetching
the signer's key from the hub as any server would) and keeps what came and who signed it;
and a Follow (or anything) sent signed by bovine's client."""
from __future__ import annotations

import asyncio
import json
import threading
import time

import aiohttp
from aiohttp import web
from bovine.clients.signed_http import SignedHttpClient
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier


class RemoteServer:
    def __init__(self):
        self.public_pem, self.private_pem = generate_rsa_public_private_key()
        self.received: list[dict] = []  # {"activity", "signer"} for each POST to the inbox
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()
        self.ready.wait(10)
        self.actor = f"{self.base}/actor"
        self.key_id = self.actor + "#main-key"
        self.inbox = f"{self.base}/inbox"

    def _serve(self):
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/actor", self._actor)
        app.router.add_post("/inbox", self._inbox)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        self.ready.set()
        self.loop.run_forever()
        self.loop.close()

    async def _actor(self, request):
        return web.json_response({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor, "type": "Person", "preferredUsername": "lettrice", "inbox": self.inbox,
            "publicKey": {"id": self.key_id, "owner": self.actor, "publicKeyPem": self.public_pem}},
            content_type="application/activity+json")

    async def _key(self, key_id: str):
        async with aiohttp.ClientSession() as session:
            async with session.get(key_id.split("#")[0], headers={"Accept": "application/activity+json"}) as answer:
                actor = json.loads(await answer.text())
        key = actor["publicKey"]
        return CryptographicIdentifier.from_pem(key["publicKeyPem"], key["owner"]) if key["id"] == key_id else None

    async def _inbox(self, request):
        body = await request.read()

        async def read():
            return body

        signer = await build_validate_http_signature_raw(self._key)(request.method, str(request.url),
                                                                     request.headers, read)
        self.received.append({"activity": json.loads(body), "signer": signer})
        return web.Response(status=202 if signer else 401)

    def post(self, url: str, activity: dict | str, *, private_pem: str | None = None, key_id: str | None = None,
             tamper: bool = False) -> int:
        """POST an activity signed by bovine (with another key, or its body changed after
        signing, to test refusals); the status."""
        async def send():
            async with aiohttp.ClientSession() as session:
                client = SignedHttpClient(session, key_id or self.key_id, private_pem or self.private_pem)
                body = activity if isinstance(activity, str) else json.dumps(activity)
                if tamper:  # sign one body, send another
                    original = session.post

                    async def swapped(target, data=None, **kw):
                        return await original(target, data=data.replace("Follow", "Like"), **kw)

                    session.post = swapped
                answer = await client.post(url, body)
                await answer.read()
                answer.release()
                return answer.status

        return asyncio.run_coroutine_threadsafe(send(), self.loop).result(20)

    def wait(self, kind: str, count: int = 1, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.received if r["activity"].get("type") == kind]
            if len(found) >= count:
                return found
            assert time.monotonic() < deadline, [r["activity"].get("type") for r in self.received]
            time.sleep(0.05)

    def close(self):
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
