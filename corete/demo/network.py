"""The demo network: eight member spaces modelled on the real network, with events
relative to today so the demo always looks alive."""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from corete.federation import writers as feeds

ROME = ZoneInfo("Europe/Rome")

SPACES = [
    {"slug": "millepiani", "name": "Millepiani Coworking", "kind": "coworking", "address": "Via Nicolò Odero 13",
     "city": "Roma", "postal_code": "00154", "lat": 41.8656, "lon": 12.4862, "email": "info@millepiani.example",
     "website": "https://millepiani.example", "opening_hours": "Mo-Fr 09:00-20:00",
     "description": "Coworking e spazio di comunità nel cuore della Garbatella.", "tags": ["garbatella", "comunità"],
     "formats": ["json"]},
    {"slug": "lab121", "name": "Lab121", "kind": "coworking", "address": "Via Trotti 38", "city": "Alessandria",
     "postal_code": "15121", "lat": 44.9128, "lon": 8.6146, "email": "ciao@lab121.example",
     "website": "https://lab121.example", "opening_hours": "Mo-Fr 08:30-19:30",
     "description": "Coworking con oltre 160 soci e 60 professioni.", "tags": ["professioni", "eventi"],
     "formats": ["json", "ics"]},
    {"slug": "cowo-isola", "name": "Cowo Isola", "kind": "coworking", "address": "Via Pastrengo 14", "city": "Milano",
     "postal_code": "20159", "lat": 45.4875, "lon": 9.1895, "email": "isola@cowo.example",
     "website": "https://isola.cowo.example", "description": "Spazio accreditato dal Comune di Milano.",
     "tags": ["accreditato"], "formats": ["json"], "accredited": True},
    {"slug": "fablab-aurora", "name": "FabLab Aurora", "kind": "fablab", "address": "Corso Giulio Cesare 12",
     "city": "Torino", "postal_code": "10152", "lat": 45.0836, "lon": 7.6883, "email": "lab@aurora.example",
     "website": "https://fablab-aurora.example", "description": "Stampa 3D, laser, elettronica.",
     "tags": ["maker", "stampa3d"], "formats": ["ics"]},
    {"slug": "casa-bolognina", "name": "Casa Bolognina", "kind": "coliving", "address": "Via Fioravanti 24",
     "city": "Bologna", "postal_code": "40129", "lat": 44.5100, "lon": 11.3460, "email": "casa@bolognina.example",
     "website": "https://casabolognina.example", "description": "Coliving per nomadi digitali e residenti.",
     "tags": ["coliving"], "formats": ["json"]},
    {"slug": "spazio-comune-firenze", "name": "Spazio Comune Firenze", "kind": "coworking",
     "address": "Via Pisana 77", "city": "Firenze", "postal_code": "50143", "lat": 43.7713, "lon": 11.2350,
     "email": "ciao@spaziocomune.example", "website": "https://spaziocomune.example",
     "description": "Coworking di quartiere.", "tags": ["quartiere"], "formats": ["rss"]},
    {"slug": "incubatore-napoli-est", "name": "Incubatore Napoli Est", "kind": "incubator",
     "address": "Via Galileo Ferraris 101", "city": "Napoli", "postal_code": "80142", "lat": 40.8560,
     "lon": 14.2830, "email": "start@napoliest.example", "website": "https://napoliest.example",
     "description": "Incubatore per startup a impatto sociale.", "tags": ["startup"], "formats": ["json"]},
    {"slug": "officina-bari", "name": "Officina Bari", "kind": "fablab", "address": "Via Napoli 340", "city": "Bari",
     "postal_code": "70123", "lat": 41.1300, "lon": 16.8500, "email": "officina@bari.example",
     "website": "https://officinabari.example", "description": "Fab lab e falegnameria condivisa.",
     "tags": ["legno", "maker"], "formats": ["json"]},
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ROME)


def _next(today: dt.date, weekday: int, weeks: int = 0) -> dt.date:
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def json_items(slug: str, today: dt.date) -> list[dict]:
    e, s, n, r, c, o = (functools.partial(feeds.item, name)
                        for name in ("event", "skill", "need", "resource", "call", "offer"))
    month_end = today + dt.timedelta(days=30)
    items = {
        "millepiani": [
            e("mp-barcamp", "Barcamp della Garbatella", _at(_next(today, 5, 1), 10), _at(_next(today, 5, 1), 18),
              text="Una giornata di talk proposti dai partecipanti.", tags=["barcamp", "comunità"], price="free"),
            e("mp-colazione", "Colazione dei coworker", _at(_next(today, 2), 9), _at(_next(today, 2), 10),
              rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=12", tags=["networking"], price="free"),
            e("mp-codesign", "Codesign jam: la piazza che vogliamo", _at(_next(today, 3, 2), 17, 30),
              _at(_next(today, 3, 2), 20), tags=["codesign", "quartiere"],
              location={"name": "Piazza Damiano Sauli", "address": "Piazza Damiano Sauli", "city": "Roma",
                        "lat": 41.8614, "lon": 12.4872}),
            s("mp-grafica", "Grafica editoriale", "Giulia Ferri", category="design"),
            s("mp-video", "Videomaker", "Marco De Santis", category="media", languages=("it", "en")),
            s("mp-fundraising", "Esperta di fundraising", "Sara Lombardi", category="consulenza"),
            n("mp-caffe", "Caffè in grani", quantity=6, unit="kg", category="caffè", tolerance=1, need_by=month_end),
            n("mp-carta", "Carta A4 80 g", quantity=10, unit="ream", category="cancelleria", need_by=month_end),
            n("mp-videomaker", "Un videomaker per il barcamp", kind="service", quantity=8, unit="hour",
              category="media", text="Riprese e montaggio di un video di 3 minuti."),
            r("mp-sala-eventi", "Sala eventi", "event_room", capacity=80, price={"per": "day", "member": 80, "public": 200},
              bookable_by="anyone", opening_hours="Mo-Sa 09:00-23:00", text="Palco, impianto audio e 80 sedie.",
              busy=[(_at(_next(today, 5, 1), 8), _at(_next(today, 5, 1), 20))]),
            o("mp-streaming", "Streaming e video per i vostri eventi", "service", benefit="a prezzo di costo",
              text="Le stesse riprese e dirette che offriamo al Municipio VIII, per gli eventi degli altri spazi."),
            c("mp-partner", "Cerchiamo partner per un progetto di quartiere", "co_projecting", deadline=today + dt.timedelta(days=21),
              skills_sought=["videomaker", "fundraising", "sviluppatore web"], regions=["Lazio"],
              text="Per un bando di rigenerazione urbana: ci mancano riprese, raccolta fondi e un sito."),
        ],
        "lab121": [
            e("l121-hackathon", "Hackathon Alessandria Smart City", _at(_next(today, 5, 2), 9),
              _at(_next(today, 5, 2) + dt.timedelta(days=1), 18), tags=["hackathon", "civic tech"],
              price={"amount": 10, "currency": "EUR"},
              location={"name": "Palazzo Cuttica", "address": "Via Parma 1", "city": "Alessandria",
                        "lat": 44.9135, "lon": 8.6105}),
            e("l121-business", "Business clinic per freelance", _at(_next(today, 1, 1), 18), _at(_next(today, 1, 1), 20),
              tags=["business"], price="free"),
            s("l121-acustica", "Ingegnere acustico", "Paolo Rinaldi", category="ingegneria"),
            s("l121-traduzioni", "Traduttrice tecnica EN-IT", "Anna Costa", category="lingue", languages=("it", "en", "de")),
            s("l121-commercialista", "Commercialista per startup", "Luca Bruno", category="contabilità"),
            n("l121-toner", "Toner HP 59A", quantity=3, unit="piece", category="cancelleria", need_by=month_end),
            n("l121-caffe", "Caffè in grani", quantity=4000, unit="g", category="caffè", tolerance=500, need_by=month_end),
            r("l121-sala", "Sala riunioni", "meeting_room", capacity=12, price={"per": "hour", "member": 10, "public": 25},
              opening_hours="Mo-Fr 09:00-19:00", text="Dodici posti, proiettore e lavagna: ad Alessandria, a un'ora "
              "da Milano, Torino e Genova.", rules="Lasciare la sala in ordine.",
              busy=[(_at(_next(today, 1), 9), _at(_next(today, 1), 12)), (_at(_next(today, 3), 14), _at(_next(today, 3), 18))]),
            r("l121-scrivanie", "Scrivanie in open space (15)", "desk", capacity=15,
              price={"per": "day", "member": 0, "public": 15}, bookable_by="anyone", opening_hours="Mo-Fr 09:00-19:00"),
            o("l121-pillole", "Pillole di Business: prima consulenza gratuita", "consultation", benefit="1 ora gratis",
              offered_by="Luca Bruno, commercialista", conditions="Su appuntamento, per chi lavora in uno spazio della rete.",
              valid_until=today + dt.timedelta(days=120)),
            o("l121-sconto", "Sconto sulle traduzioni tecniche", "discount", benefit="-15%", offered_by="Anna Costa",
              audience="anyone"),
            c("l121-giovani", "Bando giovani: arredi e attrezzature per i centri", "funding", issuer="Regione Piemonte",
              opens=today - dt.timedelta(days=10), deadline=today + dt.timedelta(days=45), amount=30000,
              benefit="fino a 30.000 € per arredare un centro giovani", regions=["Piemonte"],
              audiences=["young_people", "spaces"], text="Lo stesso bando con cui abbiamo arredato il nostro centro: "
              "vi aiutiamo a preparare la domanda."),
        ],
        "cowo-isola": [
            e("ci-open", "Open day coworking accreditati", _next(today, 4, 1), _next(today, 4, 1) + dt.timedelta(days=1),
              tags=["open day"], price="free"),
            e("ci-foto", "Corso di fotografia (4 incontri)", _at(_next(today, 0, 1), 19), _at(_next(today, 0, 1), 21),
              rrule="FREQ=WEEKLY;COUNT=4", tags=["corso", "fotografia"], price={"amount": 120, "currency": "EUR"}),
            s("ci-ux", "UX designer", "Chiara Gallo", category="design", languages=("it", "en")),
            s("ci-sviluppo", "Sviluppatore web", "Davide Marino", category="software"),
            s("ci-montaggio", "Montaggio video", "Irene Villa", category="media"),
            s("ci-fotografa", "Fotografa di eventi", "Laura Conti", category="media"),
            n("ci-carta", "Carta A4 80 g", quantity=20, unit="ream", category="cancelleria", need_by=month_end),
            n("ci-pulizie", "Detersivo multiuso", quantity=5, unit="l", category="pulizie", need_by=month_end),
            c("ci-voucher", "Voucher coworking del Comune di Milano", "voucher", issuer="Comune di Milano",
              deadline=today + dt.timedelta(days=60), amount=1500, benefit="per abbonamenti negli spazi accreditati",
              accredited_spaces_only=True, audiences=["coworkers", "freelancers"], regions=["Lombardia"],
              eligibility="Lavoratori autonomi e dipendenti in smart working residenti a Milano.",
              url="https://www.comune.milano.it/", attachments=[("https://www.comune.milano.it/bando-voucher.pdf", "Bando")]),
            c("ci-chiuso", "Voucher coworking 2025", "voucher", issuer="Comune di Milano",
              deadline=today - dt.timedelta(days=30), accredited_spaces_only=True, regions=["Lombardia"]),
        ],
        "casa-bolognina": [
            e("cb-cena", "Cena comunitaria", _at(_next(today, 4), 20), _at(_next(today, 4), 23), tags=["comunità"]),
            s("cb-yoga", "Insegnante di yoga", "Elena Riva", category="benessere"),
            s("cb-tuttofare", "Tuttofare di quartiere", "Piero Neri", category="varie"),
            n("cb-caffe", "Caffè macinato", quantity=2, unit="kg", category="caffè", need_by=month_end),
        ],
        "incubatore-napoli-est": [
            e("ne-pitch", "Pitch night: startup a impatto sociale", _at(_next(today, 3, 1), 18, 30),
              _at(_next(today, 3, 1), 21), tags=["startup", "pitch"], price="free"),
            s("ne-legale", "Avvocata esperta di startup", "Francesca Esposito", category="legale"),
            s("ne-mentor", "Mentor per business plan", "Gennaro Russo", category="consulenza"),
            n("ne-contabilita", "Contabilità per una start-up", kind="service", category="contabilità"),
        ],
        "officina-bari": [
            e("ob-legno", "Laboratorio di falegnameria", _at(_next(today, 5), 10), _at(_next(today, 5), 13),
              tags=["legno", "corso"], price={"amount": 35, "currency": "EUR"}),
            s("ob-cnc", "Operatore CNC", "Vito Lorusso", category="artigianato"),
            n("ob-compensato", "Pannelli di compensato 18 mm", quantity=10, unit="piece", category="materiali"),
            r("ob-laser", "Taglio laser 100 W", "equipment", price={"per": "hour", "member": 20, "public": 40},
              opening_hours="Tu,Th 14:00-19:00; Sa 10:00-13:00", rules="Solo dopo il corso di sicurezza."),
            r("ob-furgone", "Furgone per i traslochi del laboratorio", "vehicle", capacity=3,
              price={"per": "day", "member": 50}),
        ],
    }
    return items.get(slug, [])


def ics_events(slug: str, today: dt.date) -> list[dict]:
    events = {
        "lab121": [
            {"uid": "lab121-aperitivo@lab121.example", "title": "Aperitivo dei soci",
             "start": _at(_next(today, 3), 19), "end": _at(_next(today, 3), 21),
             "rrule": {"freq": "monthly", "byday": "1TH", "count": 6}, "location": "Lab121, Via Trotti 38"},
        ],
        "fablab-aurora": [
            {"uid": "aurora-stampa3d@fablab-aurora.example", "title": "Introduzione alla stampa 3D",
             "start": _at(_next(today, 1, 1), 18), "end": _at(_next(today, 1, 1), 20), "location": "FabLab Aurora"},
            {"uid": "aurora-openlab@fablab-aurora.example", "title": "Open lab del sabato",
             "start": _at(_next(today, 5), 14), "end": _at(_next(today, 5), 18),
             "rrule": {"freq": "weekly", "count": 8}, "location": "FabLab Aurora"},
            {"uid": "aurora-fiera@fablab-aurora.example", "title": "Maker Faire (trasferta)",
             "start": _next(today, 4, 3), "end": _next(today, 4, 3) + dt.timedelta(days=3)},
        ],
    }
    return events.get(slug, [])


def rss_events(slug: str, today: dt.date) -> list[dict]:
    if slug != "spazio-comune-firenze":
        return []
    return [
        {"uid": "scf-mercato", "title": "Mercatino del riuso", "start": _at(_next(today, 6), 10),
         "end": _at(_next(today, 6), 17), "location": "Cortile di Spazio Comune", "point": (43.7713, 11.2350),
         "description": "Scambio e vendita di oggetti usati."},
        {"uid": "scf-talk", "title": "Talk: lavorare da remoto senza isolarsi", "start": _at(_next(today, 2, 1), 18),
         "end": _at(_next(today, 2, 1), 19, 30), "description": "Con tre coworker del quartiere."},
    ]


# Events of the demo whose feed names a poster (drawn here, served by the demo server).
POSTERS = {"mp-barcamp": (181, 70, 43), "mp-codesign": (31, 78, 95), "l121-hackathon": (11, 93, 75),
           "ne-pitch": (90, 50, 120)}


@functools.lru_cache(maxsize=None)
def _poster(title: str, colour: tuple[int, int, int]) -> bytes:
    from corete.media.images import placeholder_poster

    return placeholder_poster(title, colour)


def documents(base_url: str, today: dt.date | None = None) -> dict[str, tuple[bytes, str]]:
    """Every demo document by path: {"/millepiani/feed.json": (body, content type)}."""
    today = today or dt.date.today()
    out: dict[str, tuple[bytes, str]] = {}
    for space in SPACES:
        slug = space["slug"]
        profile = {k: v for k, v in space.items() if k not in ("slug", "formats", "accredited")}
        profile["country"] = "IT"
        if "json" in space["formats"]:
            path = f"/{slug}/feed.json"
            items = json_items(slug, today)
            for item in items:
                if item["id"] in POSTERS:
                    item["image"] = f"{base_url}/{slug}/posters/{item['id']}.png"
                    out[f"/{slug}/posters/{item['id']}.png"] = (_poster(item["title"], POSTERS[item["id"]]), "image/png")
            out[path] = (feeds.jsonfeed(profile, items, feed_url=base_url + path), "application/feed+json")
        if "ics" in space["formats"]:
            out[f"/{slug}/calendar.ics"] = (feeds.icalendar(space["name"], ics_events(slug, today)),
                                            "text/calendar; charset=utf-8")
        if "rss" in space["formats"]:
            out[f"/{slug}/events.rss"] = (feeds.rss(space["name"], space["website"], rss_events(slug, today)),
                                          "application/rss+xml; charset=utf-8")
    return out


def feed_paths(slug: str) -> list[str]:
    space = next(s for s in SPACES if s["slug"] == slug)
    names = {"json": "feed.json", "ics": "calendar.ics", "rss": "events.rss"}
    return [f"/{slug}/{names[f]}" for f in space["formats"]]
