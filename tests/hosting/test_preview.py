"""The event form's preview: the network's own reading of the form (the poller's parser),
shown before anything is saved; a poster sent with it is kept for the save that follows."""
from __future__ import annotations

import html
import io

from sqlalchemy import select

from corete.hosting.models import HostedItem
from corete.media.models import Picture
from tests.conftest import login
from tests.hosting.test_editor import EVENT, hosted_space
from tests.media.pictures import jpeg


def test_a_preview_shows_the_event_as_the_network_will_and_saves_nothing(app, session, live_server, tmp_path):
    hosted_space(session, "Millepiani", live_server, city="Roma")
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    form = {"csrf_token": token, **EVENT, "repeat": "", "description": "Porta la tazza <script>x()</script>",
            "tags": "aperitivo", "preview": "1", "poster": (io.BytesIO(jpeg(600, 800)), "locandina.jpg")}
    answer = client.post("/spaces/millepiani/edit/event/new", data=form, content_type="multipart/form-data",
                         headers={"Accept-Language": "it"})
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 200 and "Anteprima: non ancora salvato" in page
    assert "Colazione dei coworker" in page and "09:00–10:00 (Europe/Rome)" in page and "gratuito" in page
    assert "Comunità e networking" in page  # its category, from the tag
    raw = answer.get_data(as_text=True)
    assert "&lt;script&gt;x()" in raw and "<script>x()" not in raw  # text, shown as text
    picture = session.scalar(select(Picture))
    kept = f"{live_server}/media/{picture.id}.jpg"
    assert f'name="kept_poster" value="{kept}"' in page and f'<img class="poster" src="{kept}"' in page
    assert 'value="Colazione dei coworker"' in page  # the form stays filled
    assert session.scalar(select(HostedItem)) is None  # nothing saved

    # Saved next, without sending the file again: the poster is the one of the preview.
    saved = client.post("/spaces/millepiani/edit/event/new", data={"csrf_token": token, **EVENT, "repeat": "",
                                                                     "kept_poster": kept})
    assert saved.status_code == 302
    assert session.scalar(select(HostedItem)).item["image"] == kept


def test_a_preview_of_a_wrong_form_says_what_to_fix(app, session, live_server, tmp_path):
    hosted_space(session, "Millepiani", live_server)
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    answer = client.post("/spaces/millepiani/edit/event/new", headers={"Accept-Language": "it"},
                         data={"csrf_token": token, **EVENT, "end_time": "08:00", "repeat": "", "preview": "1"})
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 400 and "Anteprima:" not in page and "non può finire prima" in page


def test_a_kept_poster_must_be_the_hubs_own(app, session, live_server, tmp_path):
    hosted_space(session, "Millepiani", live_server)
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    client.post("/spaces/millepiani/edit/event/new", data={"csrf_token": token, **EVENT, "repeat": "",
                                                            "kept_poster": "https://evil.example/media/" + "a" * 64 + ".jpg"})
    assert "image" not in session.scalar(select(HostedItem)).item
