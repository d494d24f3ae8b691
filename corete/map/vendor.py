"""The map's third-party scripts and styles (Leaflet, supercluster): where they are and how
they get there. The hub serves them itself, never from a CDN; npm installs them, at the
versions corete/map/assets/package-lock.json pins (`make` does it for a checkout,
`corete assets install` for an installed hub)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

PACKAGE_DIR = os.path.join(os.path.dirname(__file__), "assets")  # package.json, package-lock.json

# Public name: path inside node_modules.
FILES = {
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "supercluster.js": "supercluster/dist/supercluster.min.js",
}
IMAGES = "leaflet/dist/images"


class AssetsError(RuntimeError):
    """npm is missing or failed, or the files are not where the hub looks."""


def folder(config) -> str:
    """The node_modules folder the hub serves the files from."""
    return config["MAP_ASSETS_DIR"] or os.path.join(PACKAGE_DIR, "node_modules")


def missing(config) -> list[str]:
    """The files the map needs that are not there (empty when it is ready)."""
    root = folder(config)
    return [path for path in (*FILES.values(), os.path.join(IMAGES, "marker-icon.png"))
            if not os.path.isfile(os.path.join(root, path))]


def install(config, npm: str = "npm") -> str:
    """Install the pinned files into folder(config) with `npm ci`; returns that folder."""
    executable = shutil.which(npm)
    if executable is None:
        raise AssetsError(f"{npm} was not found: install Node.js and npm (Debian: apt-get install npm), "
                          "or copy a node_modules folder made elsewhere and set MAP_ASSETS_DIR to it")
    target = folder(config)
    with tempfile.TemporaryDirectory() as work:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(PACKAGE_DIR, name), work)
        done = subprocess.run([executable, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=work,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise AssetsError(f"npm ci failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        shutil.copytree(os.path.join(work, "node_modules"), target, dirs_exist_ok=True)
    return target
