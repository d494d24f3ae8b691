"""An operator's poster: uploaded in the editor with the same checks as a fetched picture,
published in the hosted feed as the hub's own address, linked at the next poll without
any fetch, kept when the event is edited or duplicated, removable."""
from __future__ import annotations

import html
import io
import os

import requests
from sqlalchemy import select

from corete.events.models import Event
from corete.hosting.models import HostedItem
from corete.media.models import Picture
from tests.conftest import csrf_token, login, poll
from tests.hosting.test_editor import EVENT, hosted_space
from tests.media.pictures import GPS_IFD, jpeg, of


def _send(client, token, path, poster=None, **extra):
    data = {"csrf_token": token, **EVENT, "repeat": "", **extra}
    if poster is not None:
        data["poster"] = (io.BytesIO(poster[1]), poster[0])
    return client.post(path, data=data, content_type="multipart/form-data", headers={"Accept-Language": "it"})


def test_an_operator_uploads_a_poster_and_the_network_shows_it(app, session, live_server, tmp_path):
    space = hosted_space(session, "Millepiani", live_server, city="Roma")
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    sent = _send(client, token, "/spaces/millepiani/edit/event/new", poster=("locandina.jpg", jpeg(2000, 3000)))
    assert sent.status_code == 302
    item = session.scalar(select(HostedItem))
    picture = session.scalar(select(Picture))
    assert item.item["image"] == f"{live_server}/media/{picture.id}.jpg"
    assert (picture.width, picture.height) == (800, 1200) and GPS_IFD not in of(picture.large).getexif()

    poll(app, space)  # no fetch of its own picture: linked as the poll stores the event
    session.expire_all()
    event = session.scalar(select(Event))
    assert event.picture_id == picture.id

    # Edited without a new file: the poster stays; duplicated: the copy has it too.
    form = client.get(f"/spaces/millepiani/edit/items/{item.id}").get_data(as_text=True)
    assert f"/media/{picture.id}.jpg" in form and 'name="remove_poster"' in form
    assert _send(client, token, f"/spaces/millepiani/edit/items/{item.id}", title="Nuovo titolo").status_code == 302
    assert _send(client, token, f"/spaces/millepiani/edit/items/{item.id}/copy").status_code == 302
    session.expire_all()
    assert [i.item.get("image") for i in session.scalars(select(HostedItem))] == [item.item["image"]] * 2

    # Removed: the feed no longer names it, and the next poll shows none.
    assert _send(client, token, f"/spaces/millepiani/edit/items/{item.id}", remove_poster="1").status_code == 302
    session.expire_all()
    assert "image" not in session.get(HostedItem, item.id).item
    poll(app, space)
    session.expire_all()
    assert session.scalar(select(Event.picture_id).where(Event.source_id == item.uid)) is None


def test_a_file_that_is_not_a_picture_is_refused_in_the_operators_language(app, session, live_server, tmp_path):
    hosted_space(session, "Millepiani", live_server)
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    page = _send(client, token, "/spaces/millepiani/edit/event/new", poster=("virus.jpg", b"MZ\x90\x00 not a jpeg"))
    assert page.status_code == 400
    assert "non è un'immagine che l'hub può usare" in html.unescape(page.get_data(as_text=True))
    assert session.scalar(select(HostedItem)) is None and session.scalar(select(Picture)) is None


def _noise_jpeg(side: int) -> bytes:
    """A photo-sized JPEG (noise does not compress): larger than the forms' 2 MB limit."""
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG", quality=95)
    return out.getvalue()


def test_a_phone_photo_larger_than_other_forms_is_accepted_and_a_larger_body_gets_a_page(
        app, session, live_server, tmp_path):
    # Over HTTP, as a browser sends it (the test client leaves large bodies' temporary files open).
    hosted_space(session, "Millepiani", live_server)
    login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator", spaces=["millepiani"])
    browser = requests.Session()
    token = csrf_token(browser.get(f"{live_server}/login", timeout=10).text)
    browser.post(f"{live_server}/login", data={"email": "op@millepiani.example", "password": "una-password-lunga",
                                               "csrf_token": token}, timeout=10)
    photo = _noise_jpeg(1400)
    assert app.config["MAX_CONTENT_LENGTH"] < len(photo) < app.config["PICTURE_MAX_BYTES"]
    sent = browser.post(f"{live_server}/spaces/millepiani/edit/event/new", data={"csrf_token": token, **EVENT},
                        files={"poster": ("foto.jpg", photo)}, allow_redirects=False, timeout=20)
    assert sent.status_code == 302, sent.text
    assert session.scalar(select(Picture)) is not None
    # Other forms keep their limit; past the larger one, a page in the visitor's language.
    assert browser.post(f"{live_server}/spaces/millepiani/edit", data={"csrf_token": token},
                        files={"poster": ("foto.jpg", photo)}, timeout=10).status_code == 413
    too_large = b"\xff" * (app.config["MAX_CONTENT_LENGTH"] + app.config["PICTURE_MAX_BYTES"] + 1)
    page = browser.post(f"{live_server}/spaces/millepiani/edit/event/new", files={"poster": ("enorme.jpg", too_large)},
                        headers={"Accept-Language": "it"}, timeout=10)
    assert page.status_code == 413 and '<html lang="it">' in page.text
