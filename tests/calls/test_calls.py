"""Calls: from a member's feed on localhost, from the hosted editor and from the
coordinators' form, to the list, each call's page (with the network's matching skills and
the accredited spaces of a voucher), the API, the iCalendar of deadlines and the Atom feed,
the validator, and the digest."""
from __future__ import annotations

import datetime as dt
import html
import xml.etree.ElementTree as ET

import pytest
from icalendar import Calendar
from sqlalchemy import select

from corete.calls.models import Call
from corete.core.when import local_today
from corete.federation import writers as feeds
from corete.federation.validate import validate_source
from corete.hosting import services as hosting
from tests.conftest import csrf_token, login, make_space, poll

EN = {"Accept-Language": "en"}


def days(n: int) -> dt.date:
    return local_today() + dt.timedelta(days=n)


def milan_feed() -> bytes:
    return feeds.jsonfeed({"name": "Cowo Isola", "kind": "coworking", "city": "Milano"}, [
        feeds.item("call", "voucher", "Voucher coworking 2026", "voucher", deadline=days(30), amount=1500,
                   benefit="Abbonamenti negli spazi accreditati", issuer="Comune di Milano",
                   issuer_url="https://www.comune.milano.it/", accredited_spaces_only=True, audiences=["coworkers"],
                   regions=["Lombardia"], attachments=[("https://www.comune.milano.it/bando.pdf", "Bando")],
                   text="Per chi lavora negli spazi accreditati."),
        feeds.item("call", "giovani", "Giovani in Rete", "funding", opens=days(10), deadline=days(60),
                   regions=["Piemonte"], audiences=["young_people", "spaces"]),
        feeds.item("call", "partner", "Cerchiamo un videomaker", "co_projecting",
                   deadline=dt.datetime.combine(days(20), dt.time(12, 0), dt.timezone(dt.timedelta(hours=1))),
                   skills_sought=["videomaker", "web developer"]),
        feeds.item("call", "vecchio", "Bando chiuso", "tender", opens=days(-90), deadline=days(-2)),
        feeds.item("call", "sempre", "Sportello bandi", "other"),
    ], feed_url="http://x/f.json")


@pytest.fixture
def cowo(app, session, httpserver):
    httpserver.expect_request("/cowo.json").respond_with_data(milan_feed(), content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/cowo.json"), name="Cowo Isola", city="Milano", lat=45.4887, lon=9.1895)
    poll(app, space)
    session.commit()
    return space


def titles(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [c["title"] for c in answer.get_json()["items"]]


def test_calls_from_a_feed_are_listed_by_kind_region_and_deadline(cowo, client):
    # Current calls, the nearest deadline first, those without one last; the closed one is archived
    assert titles(client.get("/api/v1/calls")) == ["Cerchiamo un videomaker", "Voucher coworking 2026",
                                                   "Giovani in Rete", "Sportello bandi"]
    assert titles(client.get("/api/v1/calls?state=closed")) == ["Bando chiuso"]
    assert titles(client.get("/api/v1/calls?state=upcoming")) == ["Giovani in Rete"]
    assert "Giovani in Rete" not in titles(client.get("/api/v1/calls?state=open"))
    assert titles(client.get("/api/v1/calls?kind=voucher")) == ["Voucher coworking 2026"]
    # In Lombardy: its own calls and those for anywhere; Piedmont's is not usable there
    assert titles(client.get("/api/v1/calls?region=lombardia")) == ["Cerchiamo un videomaker", "Voucher coworking 2026",
                                                                    "Sportello bandi"]
    assert titles(client.get("/api/v1/calls?region=Lombardy")) == titles(client.get("/api/v1/calls?region=lombardia"))
    assert titles(client.get(f"/api/v1/calls?until={days(25).isoformat()}")) == ["Cerchiamo un videomaker"]
    assert titles(client.get("/api/v1/calls?audience=young_people")) == ["Giovani in Rete"]
    assert titles(client.get("/api/v1/calls?accredited_only=true")) == ["Voucher coworking 2026"]
    voucher = client.get("/api/v1/calls?kind=voucher").get_json()["items"][0]
    assert voucher["amount"] == "1500.00" and voucher["regions"] == ["Lombardia"] and voucher["state"] == "open"
    assert voucher["deadline"] == days(30).isoformat() and voucher["publisher"] == "cowo-isola"
    assert voucher["issuer"] == "Comune di Milano" and voucher["attachments"] == [
        {"url": "https://www.comune.milano.it/bando.pdf", "title": "Bando"}]
    timed = client.get("/api/v1/calls?kind=co_projecting").get_json()["items"][0]
    assert timed["deadline"] == dt.datetime.combine(days(20), dt.time(11, 0), dt.timezone.utc).isoformat()
    # Wrong filters are refused in words, never a 500
    for query in ("state=maybe", "kind=lottery", "region=Atlantide", "until=domani", "page=0"):
        assert client.get(f"/api/v1/calls?{query}").status_code == 422, query


def test_the_calls_page_in_both_languages_and_its_archive(cowo, client):
    page = html.unescape(client.get("/calls").get_data(as_text=True))
    listed = page.split('<ul class="calls">')[1].split("</ul>")[0]
    assert "Voucher coworking 2026" in listed and "Bando chiuso" not in listed
    assert "Scadenza:" in listed and "1.500,00" in listed and "apre " in listed
    english = html.unescape(client.get("/calls?kind=voucher", headers=EN).get_data(as_text=True))
    assert "Calls and opportunities" in english and "€1,500.00" in english and "Giovani in Rete" not in english
    archive = html.unescape(client.get("/calls?archive=1").get_data(as_text=True))
    assert "Bando chiuso" in archive.split('<ul class="calls">')[1] and "chiuso" in archive
    wrong = client.get("/calls?until=domani&region=Atlantide")
    text = html.unescape(wrong.get_data(as_text=True))
    assert wrong.status_code == 400 and "Non è una data" in text and "Non è una regione italiana" in text
    space = html.unescape(client.get("/spaces/cowo-isola").get_data(as_text=True))
    assert "Voucher coworking 2026" in space.split('id="h-calls"')[1].split("</section>")[0]


def test_a_call_page_names_the_skills_it_seeks_and_where_a_voucher_is_used(app, cowo, client, session, httpserver):
    body = feeds.jsonfeed({"name": "Lab121", "city": "Alessandria"}, [
        feeds.item("skill", "s1", "Videomaker", "Anna", category="Comunicazione"),
        feeds.item("skill", "s2", "Commercialista", "Bruno", category="Amministrazione")],
        feed_url="http://x/f.json")
    httpserver.expect_request("/lab.json").respond_with_data(body, content_type="application/feed+json")
    lab = make_space(session, httpserver.url_for("/lab.json"), name="Lab121", city="Alessandria", lat=44.9125, lon=8.6153)
    poll(app, lab)
    accredited_milan = make_space(session, httpserver.url_for("/c.json"), name="Copernico Centrale", city="Milano")
    accredited_rome = make_space(session, httpserver.url_for("/m.json"), name="Millepiani", city="Roma")
    accredited_milan.accredited = accredited_rome.accredited = True
    cowo.accredited = False
    session.commit()
    partner = session.scalar(select(Call).where(Call.source_id == "partner"))
    page = html.unescape(client.get(f"/calls/{partner.id}", headers=EN).get_data(as_text=True))
    section = page.split('id="h-skills"')[1].split("</section>")[0]
    assert "Anna, " in section and "Lab121" in section and "Commercialista" not in section
    assert "78 km away" in section  # measured from the publishing space, in Milan, to Alessandria
    detail = client.get(f"/api/v1/calls/{partner.id}").get_json()
    assert [(m["skill"], m["space"], m["level"]) for m in detail["matching_skills"]] == [("Videomaker", "lab121", "exact")]
    voucher = session.scalar(select(Call).where(Call.source_id == "voucher"))
    usable = client.get(f"/api/v1/calls/{voucher.id}").get_json()["usable_at"]
    assert usable == [{"slug": "copernico-centrale", "name": "Copernico Centrale", "city": "Milano"}]
    page = html.unescape(client.get(f"/calls/{voucher.id}").get_data(as_text=True))
    assert "Copernico Centrale" in page.split('id="h-usable"')[1] and "Millepiani" not in page
    assert "solo chi lavora negli spazi accreditati dalla rete" in page and "Comune di Milano" in page
    # A call of a space no longer active is gone from every page
    cowo.active = False
    session.commit()
    assert client.get(f"/calls/{voucher.id}").status_code == 404
    assert client.get(f"/api/v1/calls/{voucher.id}").status_code == 404
    assert client.get("/calls/999999").status_code == 404


def test_deadlines_as_an_icalendar_with_a_reminder_and_calls_as_atom(cowo, client):
    answer = client.get("/calls.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    events = {str(e["summary"]): e for e in Calendar.from_ical(answer.data).walk("VEVENT")}
    assert set(events) == {"Scadenza: Voucher coworking 2026", "Scadenza: Giovani in Rete",
                           "Scadenza: Cerchiamo un videomaker"}  # none for the closed one, nor the one without a date
    voucher = events["Scadenza: Voucher coworking 2026"]
    assert voucher.decoded("dtstart") == days(30) and voucher.decoded("dtend") == days(31)
    alarm = voucher.walk("VALARM")[0]
    assert str(alarm["action"]) == "DISPLAY" and alarm.decoded("trigger") == -dt.timedelta(days=7)
    assert "/calls/" in str(voucher["url"])
    soon = Calendar.from_ical(client.get("/calls.ics?remind=1&kind=voucher").data).walk("VEVENT")
    assert len(soon) == 1 and soon[0].walk("VALARM")[0].decoded("trigger") == -dt.timedelta(days=1)
    refused = client.get("/calls.ics?remind=99")
    assert refused.status_code == 400 and "Da 0 a 60 giorni." in refused.get_data(as_text=True)
    voucher_id = int(str(voucher["url"]).rsplit("/", 1)[1])
    alone = Calendar.from_ical(client.get(f"/calls/{voucher_id}.ics").data)
    assert [str(e["summary"]) for e in alone.walk("VEVENT")] == ["Scadenza: Voucher coworking 2026"]
    assert str(alone["x-wr-calname"]) == "Scadenza: Voucher coworking 2026"
    assert client.get("/calls.ics", headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304
    atom = client.get("/calls.atom?region=Piemonte", headers=EN)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(atom.data).findall("a:entry", ns)
    assert sorted(e.find("a:title", ns).text for e in entries) == ["Cerchiamo un videomaker", "Giovani in Rete",
                                                                   "Sportello bandi"]  # Piedmont, or anywhere


def test_the_validator_explains_what_is_wrong_with_a_call_in_both_languages(app, client):
    body = feeds.jsonfeed({"name": "Cowo"}, [
        feeds.item("call", "ok", "Bando", "funding", regions=["Lombardia", "Atlantide"], audiences=["startups", "aliens"],
                   skills_sought=["videomaker", "qwzx vlorp"]),
        feeds.item("call", "bad-kind", "Lotteria", "lottery"),
        feeds.item("call", "backwards", "Al contrario", "tender", opens=days(10), deadline=days(5)),
        {"id": "bad-date", "title": "Data", "_corete": {"type": "call", "kind": "voucher", "deadline": "31/03/2026"}},
        {"id": "no-title", "_corete": {"type": "call", "kind": "voucher"}},
    ], feed_url="http://x/f.json")
    report = validate_source(body=body, config=app.config)
    assert report.counts["call"] == 1
    where = {r.where: r.reason for r in report.rejections}
    assert "/items/1/_corete/kind" in where
    assert where["/items/2/_corete/deadline"] == "the deadline comes before the call opens"
    assert where["/items/4/title"] == "a call needs a title (the item's title)"
    assert "/items/3/_corete/deadline" in where
    warned = {w.where for w in report.warnings}
    assert warned == {"/items/0/_corete/eligibility/regions/1", "/items/0/_corete/eligibility/for/1",
                      "/items/0/_corete/skills_sought/1"}
    token = csrf_token(client.get("/validate").get_data(as_text=True))
    for headers, words in (({}, ["la scadenza viene prima dell'apertura del bando", "Un bando ha bisogno di un titolo",
                                 "non è una regione italiana", 'Il "kind" di un bando è uno tra',
                                 "non è nella tassonomia delle competenze"]),
                           (EN, ["The deadline comes before the call opens", "A call needs a title",
                                 "is not an Italian region", 'A call\'s "kind" is one of'])):
        page = html.unescape(client.post("/validate", data={"document": body.decode(), "csrf_token": token},
                                         headers=headers).get_data(as_text=True))
        for word in words:
            assert word.casefold() in page.casefold(), word


def test_an_operator_publishes_a_call_from_the_hosted_editor(app, session, live_server, tmp_path, client):
    space = hosting.add_hosted_space(session, "Lab121", live_server, city="Alessandria")
    session.commit()
    operator, token = login(app, app.test_cli_runner(), tmp_path, "op@lab121.example", "operator", spaces=["lab121"])
    form = {"csrf_token": token, "title": "Bando Giovani in Rete", "kind": "funding", "issuer": "Regione Piemonte",
            "deadline": days(40).isoformat(), "deadline_time": "12:00", "amount": "20000,50", "regions": "Piemonte",
            "for_young_people": "1", "skills_sought": "falegname, videomaker",
            "attachments": "https://www.regione.piemonte.it/bando.pdf Il bando\nhttps://www.regione.piemonte.it/faq.pdf"}
    wrong = operator.post("/spaces/lab121/edit/call/new", data={**form, "regions": "Piemonte, Narnia",
                                                                "attachments": "bando.pdf"})
    text = html.unescape(wrong.get_data(as_text=True))
    assert wrong.status_code == 400 and "Non è una regione italiana: Narnia" in text and "bando.pdf" in text
    far = operator.post("/spaces/lab121/edit/call/new", data={**form, "deadline": "2099-01-31"})
    text = html.unescape(far.get_data(as_text=True))  # the poller's own reason, in the operator's language
    assert far.status_code == 400 and "L'hub lo rifiuterebbe: L'anno 2099 è fuori" in text
    assert operator.post("/spaces/lab121/edit/call/new", data=form).status_code == 302
    assert "Bando Giovani in Rete" in html.unescape(operator.get("/spaces/lab121/edit").get_data(as_text=True))
    poll(app, space)
    session.commit()
    found = client.get("/api/v1/calls").get_json()["items"]
    assert [(c["title"], c["amount"], c["regions"], c["audiences"], c["publisher"]) for c in found] == \
        [("Bando Giovani in Rete", "20000.50", ["Piemonte"], ["young_people"], "lab121")]
    assert found[0]["deadline"].startswith(days(40).isoformat()) and len(found[0]["attachments"]) == 2


def test_coordinators_publish_a_call_for_the_whole_network(app, session, tmp_path, client):
    coordinator, token = login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")
    assert coordinator.get("/calls/new").status_code == 200
    form = {"csrf_token": token, "title": "Linee guida FSE+", "kind": "funding", "deadline": days(15).isoformat(),
            "skills_sought": "progettazione europea", "description": "Come partecipare ai bandi del Fondo sociale europeo."}
    assert coordinator.post("/calls/new", data={**form, "deadline": "domani"}).status_code == 400
    assert coordinator.post("/calls/new", data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 400
    saved = coordinator.post("/calls/new", data=form)
    assert saved.status_code == 302
    call = session.scalar(select(Call).where(Call.network.is_(True)))
    assert call.space_id is None and call.feed_id is None and call.deadline_day == days(15)
    page = html.unescape(client.get(f"/calls/{call.id}").get_data(as_text=True))
    assert "I coordinatori della rete" in page and "Fondo sociale europeo" in page and "/edit" not in page
    assert client.get("/api/v1/calls").get_json()["items"][0]["publisher"] == "network"
    # Only coordinators: a visitor is sent to log in, an operator refused
    assert client.get("/calls/new").status_code == 302
    operator, op_token = login(app, app.test_cli_runner(), tmp_path, "op@x.example", "operator")
    assert operator.post(f"/calls/{call.id}/edit", data={**form, "csrf_token": op_token}).status_code == 403
    edit = html.unescape(coordinator.get(f"/calls/{call.id}/edit").get_data(as_text=True))
    assert 'value="Linee guida FSE+"' in edit and days(15).isoformat() in edit
    assert coordinator.post(f"/calls/{call.id}/edit", data={**form, "title": "Linee guida FSE+ 2027"}).status_code == 302
    session.expire_all()
    assert session.get(Call, call.id).title == "Linee guida FSE+ 2027"
    assert coordinator.post(f"/calls/{call.id}/delete", data={"csrf_token": token}).status_code == 302
    assert session.scalar(select(Call.id)) is None


def test_the_feed_calls_are_not_edited_from_the_coordinators_form(cowo, app, session, tmp_path):
    coordinator, token = login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")
    voucher = session.scalar(select(Call).where(Call.source_id == "voucher"))
    assert coordinator.get(f"/calls/{voucher.id}/edit").status_code == 404
    assert coordinator.post(f"/calls/{voucher.id}/delete", data={"csrf_token": token}).status_code == 404


def test_the_digest_tells_new_calls_and_those_closing(app, cowo, client, session):
    start, end = local_today(), local_today() + dt.timedelta(days=31)
    for call in session.scalars(select(Call)):  # first seen before this period: only deadlines in it are told
        call.first_seen_at -= dt.timedelta(days=90)
    session.commit()
    page = html.unescape(client.get(f"/digest?from={start}&to={end}").get_data(as_text=True))
    section = page.split("Bandi e opportunità")[1].split("</td>")[0]
    assert "Voucher coworking 2026" in section and "Cerchiamo un videomaker" in section
    assert "Giovani in Rete" not in section and "Bando chiuso" not in section and "Sportello bandi" not in section
    later = html.unescape(client.get(f"/digest?from={end}&to={end + dt.timedelta(days=31)}").get_data(as_text=True))
    assert "Giovani in Rete" in later and "Voucher coworking 2026" not in later


@pytest.mark.parametrize("query", [
    "until=0001-01-01", "until=9999-12-31", "region=%25", "q=%00", "q=" + "x" * 5000, "kind=" + "é" * 300,
    "archive=maybe", "audience=%27%3B--", "space=" + "s" * 500, "remind=-1", "remind=abc",
])
def test_no_value_of_a_filter_breaks_the_calls_and_offers_pages(cowo, client, query):
    for path in ("/calls", "/calls.ics", "/calls.atom", "/offers", "/api/v1/calls", "/api/v1/offers"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code < 500, (path, query, answer.status_code)
    archive = client.get("/calls?archive=maybe")
    assert archive.status_code == 400 and "Non è vero o falso" in html.unescape(archive.get_data(as_text=True))


def test_a_filter_too_long_is_refused_in_the_readers_language(cowo, client):
    for path in ("/calls", "/offers"):
        answer = client.get(f"{path}?space={'s' * 500}&q={'x' * 300}")
        text = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 400 and "Al massimo 80 caratteri." in text and "Longer" not in text, path
