"""Pictures: the only module of the hub that uses Pillow.

Whatever a member site or an operator sends is untrusted bytes. ``prepare`` keeps a
picture only when Pillow reads it as one of a few common formats, of sensible
dimensions (a decompression bomb is refused before its pixels are decoded), and makes
new JPEG files of it: turned upright as its EXIF says, then written without any of its
metadata (camera, place, author fields are not copied), at two sizes.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
LARGE = 1200  # the longest side of the copy event pages show
SMALL = 480  # the longest side of the copy cards, popups and mail show
QUALITY = 82


class NotAnImage(ValueError):
    """What the hub refuses to keep as a picture; the message says why, in English (the
    callers translate their own)."""


@dataclass(frozen=True)
class Prepared:
    id: str  # the SHA-256 of ``large``: the same picture is stored once
    large: bytes
    small: bytes
    width: int
    height: int


def _jpeg(picture: Image.Image, longest: int) -> tuple[bytes, int, int]:
    copy = picture.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue(), copy.width, copy.height


def prepare(body: bytes, *, max_pixels: int) -> Prepared:
    """The picture in ``body`` as two clean JPEG copies; NotAnImage when it is not one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(body))
            if probe.format not in FORMATS:
                raise NotAnImage(f"a {probe.format} file: the hub keeps JPEG, PNG, GIF and WebP pictures")
            if probe.width * probe.height > max_pixels:
                raise NotAnImage(f"{probe.width}×{probe.height} pixels is larger than the hub accepts")
            probe.verify()  # the whole file is read: a truncated or corrupt one fails here
            picture = Image.open(io.BytesIO(body))
            picture.load()
    except NotAnImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise NotAnImage(f"not a picture the hub can read ({e.__class__.__name__})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:  # Pillow's ways of saying "broken"
        raise NotAnImage(f"a broken picture ({str(e)[:120]})") from None
    picture = ImageOps.exif_transpose(picture)
    if picture.mode in ("RGBA", "LA", "P", "PA") or "transparency" in picture.info:
        picture = picture.convert("RGBA")
        background = Image.new("RGB", picture.size, (255, 255, 255))
        background.paste(picture, mask=picture.getchannel("A"))
        picture = background
    elif picture.mode != "RGB":
        picture = picture.convert("RGB")
    large, width, height = _jpeg(picture, LARGE)
    small, _, _ = _jpeg(picture, SMALL)
    return Prepared(hashlib.sha256(large).hexdigest(), large, small, width, height)


def placeholder_poster(title: str, colour: tuple[int, int, int], size=(800, 1000)) -> bytes:
    """A plain poster of one colour with its title, as PNG: the demo network's feeds publish
    a few, so `make run` shows pictures without reaching the internet."""
    from PIL import ImageDraw, ImageFont

    picture = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=64)
    words, lines, line = title.split(), [], ""
    for word in words:  # as many words a line as fit
        if line and draw.textlength(f"{line} {word}", font=font) > size[0] - 120:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    y = size[1] // 2 - 40 * len(lines)
    for text in lines:
        draw.text((60, y), text, fill=(255, 255, 255), font=font)
        y += 80
    draw.rectangle((60, size[1] - 120, size[0] - 60, size[1] - 110), fill=(255, 255, 255))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
