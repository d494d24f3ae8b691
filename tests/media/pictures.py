"""Pictures made by Pillow for the tests: real files, with the metadata the hub must drop."""
from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def jpeg(width=1600, height=900, *, colour=(200, 60, 40), orientation=None, gps=True) -> bytes:
    """A JPEG with a camera make, a GPS position and (if given) an EXIF orientation."""
    picture = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    exif[MAKE] = "FotoCamera Segreta"
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (41.0, 51.0, 45.0), 3: "E", 4: (12.0, 29.0, 2.0)}
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(width=300, height=200, *, transparent=True) -> bytes:
    picture = Image.new("RGBA" if transparent else "RGB", (width, height), (0, 0, 0, 0) if transparent else (0, 0, 0))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def of(body: bytes) -> Image.Image:
    return Image.open(io.BytesIO(body))
