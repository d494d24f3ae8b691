"""Screenshots of the hub's main pages for the docs, at laptop and phone width, in
Italian, as a citizen, an operator and a coordinator: `make screenshots` writes them to
docs/screenshots/ (JPEG) with an index, so they can be made again after any change.

It runs the hub as `make run` does, on a throwaway SQLite database and the demo network
served on localhost (no street map: nothing leaves localhost), logs in through the pages,
and drives Debian's chromium with Playwright."""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CORETE = str(Path(sys.executable).with_name("corete"))
PASSWORD = "una-password-lunga"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# (file name, path, who is logged in, what the page is, for the index)
PAGES = [
    ("home", "/", None, "The network: member spaces, what comes next"),
    ("calendar", "/calendar", None, "The calendar (list of the next 30 days)"),
    ("calendar-month", "/calendar?view=month", None, "The month: a grid on a laptop, an agenda on a phone"),
    ("calendar-week", "/calendar?when=week", None, "Quick dates: the next 7 days"),
    ("event", "event:Barcamp", None, "An event's page, with the poster its feed names"),
    ("map", "/map", None, "The map with its legend"),
    ("space", "/spaces/lab121", None, "A space's page"),
    ("purchasing", "/purchasing/rounds/1", None, "A pooled purchasing round"),
    ("skills", "/skills", None, "The community of skills"),
    ("editor", "/spaces/lab121/edit", "op@lab121.example", "An operator's editor"),
    ("event-form", "/spaces/lab121/edit/event/new", "op@lab121.example",
     "An operator's event form: a poster, and a map to point at the venue"),
    ("registry", "/console/spaces/lab121", "coord@corete.example", "A member space in the coordinators' registry"),
    ("console", "/console", "coord@corete.example", "The coordinators' feeds console"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urlopen(url, timeout=2).close()
            return
        except HTTPError:  # it answers
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _hub(work: Path):
    """Start the demo network and the hub; returns (hub URL, processes to stop)."""
    feeds, web = _free_port(), _free_port()
    env = {**os.environ, "CORETE_SECRET_KEY": "screenshots",
           "CORETE_SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'hub.sqlite3'}",
           "CORETE_FETCH_ALLOW_NETWORKS": '["127.0.0.1/32"]', "CORETE_VALIDATE_ALLOW_NETWORKS": '["127.0.0.1/32"]',
           "CORETE_PUBLIC_URL": f"http://127.0.0.1:{web}", "CORETE_MAP_TILES_URL": ""}

    def run(*args):
        subprocess.run([CORETE, *args], env=env, check=True, stdout=subprocess.DEVNULL)

    log = open(work / "hub.log", "w")
    processes = [subprocess.Popen([CORETE, "demo", "serve", "--port", str(feeds)], env=env, stdout=log, stderr=log)]
    run("db", "upgrade")
    _wait(f"http://127.0.0.1:{feeds}/")
    run("demo", "load", "--base-url", f"http://127.0.0.1:{feeds}")
    run("poll", "--all")
    run("events", "pictures")
    secret = work / "password"
    secret.write_text(PASSWORD)
    run("users", "create", "--email", "coord@corete.example", "--role", "coordinator", "--password-file", str(secret))
    run("users", "create", "--email", "op@lab121.example", "--role", "operator", "--space", "lab121",
        "--password-file", str(secret))
    processes.append(subprocess.Popen([CORETE, "run", "--port", str(web)], env=env, stdout=log, stderr=log))
    _wait(f"http://127.0.0.1:{web}/login")
    return f"http://127.0.0.1:{web}", processes


def _resolve(hub: str, path: str) -> str:
    """"event:Words": the page of the next event whose title has these words (ids differ
    between runs)."""
    if not path.startswith("event:"):
        return path
    import json
    from urllib.parse import quote
    from urllib.request import urlopen

    with urlopen(f"{hub}/api/v1/events?q={quote(path[6:])}", timeout=10) as answer:
        return f"/events/{json.load(answer)['items'][0]['id']}"


def shoot(hub: str, out: Path, language: str, kind: str = "jpeg") -> list[tuple[str, str, str]]:
    from playwright.sync_api import sync_playwright

    made = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for width_name, viewport in WIDTHS.items():
            for who in (None, "op@lab121.example", "coord@corete.example"):
                context = browser.new_context(locale=language, viewport=viewport, is_mobile=width_name == "phone",
                                              has_touch=width_name == "phone")
                page = context.new_page()
                if who:
                    page.goto(f"{hub}/login")
                    page.fill("input[name=email]", who)
                    page.fill("input[name=password]", PASSWORD)
                    page.locator("form button[type=submit]").last.click()
                    page.wait_for_load_state("load")
                for name, path, viewer, what in PAGES:
                    if viewer != who:
                        continue
                    page.goto(hub + _resolve(hub, path))
                    if page.locator(".folium-map").count():
                        page.wait_for_selector("html[data-map-ready]")
                    file = out / f"{name}-{width_name}.{'jpg' if kind == 'jpeg' else 'png'}"
                    page.screenshot(path=str(file), type=kind, quality=70 if kind == "jpeg" else None)
                    made.append((file.name, path, what))
                context.close()
        browser.close()
    return made


def index(out: Path, made: list[tuple[str, str, str]]) -> None:
    lines = ["# Screenshots", "",
             "The hub's main pages on the demo network, in Italian, at laptop width (1280 × 900) and phone "
             "width (390 × 844). Made by `make screenshots` (scripts/screenshots.py): run it again after a "
             "change to the pages.", ""]
    for name, path, _viewer, what in PAGES:
        lines += [f"## {what}", "", f"`{path}`", "",
                  f'<img src="{name}-desktop.jpg" alt="{what}, laptop" width="640"> '
                  f'<img src="{name}-phone.jpg" alt="{what}, phone" width="195">', ""]
    (out / "README.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--language", default="it-IT")
    parser.add_argument("--png", action="store_true", help="PNG instead of JPEG (to look at them, not for the docs)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        hub, processes = _hub(Path(work))
        try:
            made = shoot(hub, args.out, args.language, "png" if args.png else "jpeg")
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
    if not args.png:
        index(args.out, made)
    print(f"{len(made)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
