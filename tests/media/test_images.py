"""media.images: only real pictures are kept, upright, without their metadata, at two sizes."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from corete.media.images import LARGE, SMALL, NotAnImage, prepare
from tests.media.pictures import GPS_IFD, MAKE, jpeg, of, png

MAX = 40_000_000


def test_a_photo_loses_its_metadata_and_is_resized():
    photo = jpeg(3000, 2000)
    assert of(photo).getexif()[MAKE] == "FotoCamera Segreta" and GPS_IFD in of(photo).getexif()
    prepared = prepare(photo, max_pixels=MAX)
    large, small = of(prepared.large), of(prepared.small)
    assert large.format == small.format == "JPEG"
    assert large.size == (LARGE, 800) == (prepared.width, prepared.height)
    assert max(small.size) == SMALL
    for copy in (large, small):
        exif = copy.getexif()
        assert MAKE not in exif and GPS_IFD not in exif
        assert b"FotoCamera" not in prepared.large and b"FotoCamera" not in prepared.small


def test_a_rotated_photo_is_turned_upright():
    # EXIF orientation 6: the camera was held sideways; the stored picture is 1600x900.
    prepared = prepare(jpeg(1600, 900, orientation=6), max_pixels=MAX)
    assert (prepared.width, prepared.height) == (675, LARGE)


def test_a_small_picture_is_not_enlarged_and_the_same_content_has_one_id():
    first, second = prepare(jpeg(400, 300), max_pixels=MAX), prepare(jpeg(400, 300), max_pixels=MAX)
    assert (first.width, first.height) == (400, 300)
    assert first.id == second.id and len(first.id) == 64


def test_transparency_becomes_white():
    prepared = prepare(png(), max_pixels=MAX)
    assert of(prepared.large).getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=2)


def _bmp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")
    return out.getvalue()


@pytest.mark.parametrize("body, reason", [
    (b"<!doctype html><title>Not found</title>", "not a picture"),
    (b"", "not a picture"),
    (jpeg(800, 600)[:2000], "broken"),  # cut off in the middle
    (_bmp(), "BMP"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not a picture"),
])
def test_what_is_not_a_usable_picture_is_refused_with_the_reason(body, reason):
    with pytest.raises(NotAnImage, match=reason):
        prepare(body, max_pixels=MAX)


def test_too_many_pixels_are_refused_before_decoding():
    with pytest.raises(NotAnImage, match="larger than the hub accepts"):
        prepare(jpeg(400, 300), max_pixels=400 * 300 - 1)
