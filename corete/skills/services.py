"""Skills: receiving them from the federation, mapping them onto the taxonomy, searching
them, and matching service needs with the skills of the network (co-projecting)."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import contains_eager

from corete.core.handler import RowHandler
from corete.skills.itemtype import SkillData
from corete.core.models import utcnow
from corete.purchasing.models import Need
from corete.skills.models import Skill, SkillAlias
from corete.skills.taxonomy import Taxonomy, normalise, taxonomy
from corete.spaces.models import Space

MATCH_LEVELS = ("exact", "synonym", "category")
SEARCH_LIMIT = 500  # skills shown by one search; the page says when there are more


def skill_columns(data: SkillData) -> dict:
    mapping = taxonomy().map(data.skill)
    return dict(
        skill=data.skill,
        skill_key=normalise(data.skill)[:200],
        taxon=mapping.taxon if mapping else None,
        taxon_how=mapping.how if mapping else None,
        category=data.category,
        holder_name=data.holder_name,
        holder_url=data.holder_url,
        contact=data.contact,
        languages=data.languages,
        description_html=data.description_html,
        url=data.url,
        tags=data.tags,
    )


class SkillHandler(RowHandler):
    """Skills' rows, mapped by the taxonomy, then by the coordinators' decisions, which win."""

    def written(self, session, feed_id: int, items) -> None:
        keys = {normalise(i.data.skill)[:200] for i in items}
        if not keys:
            return
        for alias in session.scalars(select(SkillAlias).where(SkillAlias.key.in_(keys))):
            session.execute(update(Skill).where(Skill.feed_id == feed_id, Skill.skill_key == alias.key)
                            .values(taxon=alias.taxon, taxon_how="coordinator"),
                            execution_options={"synchronize_session": False})


handler = SkillHandler("skill", Skill, skill_columns)


# --- The coordinators' mappings -----------------------------------------------------------


class SkillError(ValueError):
    """A mapping the hub refuses; the message is for the coordinator."""


def decide(session, key: str, taxon: str | None, user=None) -> int:
    """Map every skill whose text is ``key`` to ``taxon`` (None: no entry, keep it as free
    text), now and in every later poll. Returns how many skills changed."""
    key = normalise(key)[:200]
    if not key:
        raise SkillError(_("Choose a skill to map."))
    if taxon is not None and taxon not in taxonomy().taxa:
        raise SkillError(_("%(taxon)s is not in the taxonomy.", taxon=taxon))
    alias = session.scalar(select(SkillAlias).where(SkillAlias.key == key))
    if alias is None:
        alias = SkillAlias(key=key)
        session.add(alias)
    alias.taxon, alias.decided_at = taxon, utcnow()
    alias.decided_by = getattr(user, "id", None)
    result = session.execute(update(Skill).where(Skill.skill_key == key)
                             .values(taxon=taxon, taxon_how="coordinator"),
                             execution_options={"synchronize_session": False})
    return result.rowcount


def remap_all(session) -> int:
    """Map every skill again (after the taxonomy file changed); coordinators' decisions
    still win. Returns how many skills changed entry."""
    tax = taxonomy()
    aliases = {a.key: a.taxon for a in session.scalars(select(SkillAlias))}
    changed = 0
    for skill in session.scalars(select(Skill)):
        key = normalise(skill.skill)[:200]
        if key in aliases:
            taxon, how = aliases[key], "coordinator"
        else:
            mapping = tax.map(skill.skill)
            taxon, how = (mapping.taxon, mapping.how) if mapping else (None, None)
        if (skill.skill_key, skill.taxon, skill.taxon_how) != (key, taxon, how):
            changed += skill.taxon != taxon
            skill.skill_key, skill.taxon, skill.taxon_how = key, taxon, how
    session.flush()
    return changed


@dataclass
class Unmapped:
    key: str
    text: str
    count: int
    spaces: list[str]
    suggestions: list = field(default_factory=list)


def unmapped(session, limit: int = 200) -> list[Unmapped]:
    """Free texts no entry was found for and no coordinator has decided on, most
    frequent first, with the likeliest entries."""
    rows = session.execute(
        select(Skill.skill_key, func.min(Skill.skill), func.count(Skill.id))
        .join(Space, Skill.space_id == Space.id)
        .where(Skill.taxon.is_(None), or_(Skill.taxon_how.is_(None), Skill.taxon_how != "coordinator"),
               Space.active.is_(True))
        .group_by(Skill.skill_key).order_by(func.count(Skill.id).desc(), Skill.skill_key).limit(limit)).all()
    spaces: dict[str, set[str]] = {}
    if rows:
        for key, name in session.execute(
                select(Skill.skill_key, Space.name).join(Space, Skill.space_id == Space.id)
                .where(Skill.skill_key.in_([r[0] for r in rows]))):
            spaces.setdefault(key, set()).add(name)
    tax = taxonomy()
    return [Unmapped(key, text, count, sorted(spaces.get(key, ())), tax.suggestions(text))
            for key, text, count in rows]


# --- Search -------------------------------------------------------------------------------


def search_skills(*, q=None, space=None, city=None, category=None):
    """A select of skills of active spaces matching the filters, by skill label. ``q``
    finds what the taxonomy says it means (in Italian or English, synonyms and typos
    included) as well as the free text."""
    stmt = (select(Skill).join(Space, Skill.space_id == Space.id).options(contains_eager(Skill.space))
            .where(Space.active.is_(True)))
    if q:
        like = f"%{q}%"
        taxa = taxonomy().search(q)
        conditions = [Skill.skill.ilike(like), Skill.category.ilike(like), Skill.holder_name.ilike(like)]
        if taxa:
            conditions.append(Skill.taxon.in_(sorted(taxa)))
        stmt = stmt.where(or_(*conditions))
    if category:
        stmt = stmt.where(Skill.taxon.in_([category] + [t.id for t in taxonomy().children(category)]))
    if space:
        stmt = stmt.where(Space.slug == space)
    if city:
        stmt = stmt.where(Space.city.ilike(city))
    return stmt.order_by(func.lower(Skill.skill), Skill.id)


@dataclass
class SkillGroup:
    """One skill of the taxonomy (or one free text) and the holders who published it."""

    title: str
    taxon: str | None
    category: str | None
    skills: list[Skill]


def grouped(skills: list[Skill], lang: str) -> list[SkillGroup]:
    tax = taxonomy()
    groups: dict[tuple, SkillGroup] = {}
    for skill in skills:
        taxon = tax.taxa.get(skill.taxon) if skill.taxon else None
        key = ("t", taxon.id) if taxon else ("f", skill.skill_key)
        group = groups.get(key)
        if group is None:
            category = tax.category_of(taxon.id) if taxon else None
            group = groups[key] = SkillGroup(taxon.label(lang) if taxon else skill.skill,
                                             taxon.id if taxon else None,
                                             category.label(lang) if category and category is not taxon else None, [])
        group.skills.append(skill)
    return sorted(groups.values(), key=lambda g: (g.taxon is None, normalise(g.title)))


# --- Co-projecting: service needs matched with skills -------------------------------------


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


@dataclass
class Match:
    skill: Skill
    level: str  # exact, synonym, category
    taxon: str  # the entry of the need it answers
    distance_km: float | None
    explanation: str


def need_taxa(need: Need, tax: Taxonomy | None = None) -> list:
    """What a service need asks for, as taxonomy mappings (its text, else its category)."""
    tax = tax or taxonomy()
    found = tax.find_in(need.item)
    if not found and need.category:
        mapped = tax.map(need.category)
        found = [mapped] if mapped else []
    return found


def open_service_needs(session, space: Space | None = None, today: dt.date | None = None):
    today = today or dt.date.today()
    stmt = (select(Need).join(Space, Need.space_id == Space.id)
            .where(Space.active.is_(True), Need.kind == "service",
                   or_(Need.need_by.is_(None), Need.need_by >= today)))
    if space is not None:
        stmt = stmt.where(Need.space_id == space.id)
    return session.scalars(stmt.options(contains_eager(Need.space))  # match_need reads where it is
                           .order_by(Need.need_by.is_(None), Need.need_by, Need.id)).all()


def match_need(session, need: Need, lang: str = "it", limit: int = 20) -> list[Match]:
    """The network's skills that answer a service need, best first (``match``), measured
    from the space that needs them."""
    return match_needs(session, [need], lang, limit)[0]


def match_needs(session, needs: list[Need], lang: str = "it", limit: int = 20) -> list[list[Match]]:
    """``match_need`` for each of ``needs``, in a few statements for all of them (the digest)."""
    return match_many(session, [Ask(need_taxa(need), need.space_id, need.space.lat, need.space.lon)
                                for need in needs], lang, limit)


def sought_taxa(texts: list[str], tax: Taxonomy | None = None) -> list:
    """What a list of skills sought (a call's) asks for, as taxonomy mappings; texts the
    taxonomy does not know are left out."""
    tax = tax or taxonomy()
    found = {}
    for text in texts:
        mapped = tax.map(text)
        for m in [mapped] if mapped else tax.find_in(text):
            found.setdefault(m.taxon, m)
    return list(found.values())


def match(session, wanted: list, lang: str = "it", limit: int = 20, *, space_id: int | None = None,
          lat: float | None = None, lon: float | None = None) -> list[Match]:
    """The network's skills that answer ``wanted`` (taxonomy mappings), best first: the same
    entry of the taxonomy named exactly, then by a synonym (or a typo, or inside a longer
    text), then another entry of the same category; nearer spaces first within each level,
    measured from ``lat``, ``lon`` (the asking space, ``space_id``); with no place, only
    the level orders them and the explanation names no distance."""
    return match_many(session, [Ask(wanted, space_id, lat, lon)], lang, limit)[0]


@dataclass
class Ask:
    """One list of wanted entries (taxonomy mappings), and who asks: its space and place.
    The rest is derived from them, but ``levels``, which match_many fills."""
    wanted: list
    space_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    by_taxon: dict = field(init=False)  # entry -> its mapping
    categories: dict = field(init=False)  # category -> the first mapping in it
    siblings: set = field(init=False)  # the other entries of those categories
    levels: dict = field(init=False)  # level -> [(candidate row, the entry it answers)]

    def __post_init__(self):
        tax = taxonomy()
        self.by_taxon = {m.taxon: m for m in self.wanted}
        self.categories = {}
        for m in self.wanted:
            category = tax.category_of(m.taxon)
            if category is not None:
                self.categories.setdefault(category.id, m)
        self.siblings = ({t.id for c in self.categories for t in tax.children(c)} | set(self.categories)) \
            - set(self.by_taxon)
        self.levels = {level: [] for level in MATCH_LEVELS}


def _candidates(session, taxa: set) -> dict[str, list]:
    """The active spaces' skills filed under these entries, as columns, by entry."""
    found: dict[str, list] = {}
    if taxa:
        for row in session.execute(
                select(Skill.id, Skill.taxon, Skill.taxon_how, Skill.skill_key, Skill.space_id, Space.lat, Space.lon)
                .join(Space, Skill.space_id == Space.id)
                .where(Space.active.is_(True), Skill.taxon.in_(sorted(taxa)))):
            found.setdefault(row.taxon, []).append(row)
    return found


def _best(ask: Ask, limit: int) -> list[tuple]:
    """Level by level, nearer first, until ``limit``: distances only where they order.
    Each: (skill id, level, the entry it answers, distance or None)."""
    best = []
    for level in MATCH_LEVELS:
        if len(best) >= limit:
            break
        ranked = []
        for row, answered in ask.levels[level]:
            if ask.space_id is not None and row.space_id == ask.space_id:
                distance = 0.0
            elif None in (row.lat, row.lon, ask.lat, ask.lon):
                distance = None
            else:
                distance = _haversine(ask.lat, ask.lon, row.lat, row.lon)
            ranked.append((math.inf if distance is None else distance, row.skill_key, row.id, level, answered,
                           distance))
        ranked.sort(key=lambda r: r[:3])
        best += [r[2:] for r in ranked]
    return best[:limit]


def match_many(session, asks: list[Ask], lang: str = "it", limit: int = 20) -> list[list[Match]]:
    """``match`` for each ask: the skills of the entries all of them name are read in one
    statement, those of their categories in a second, only for the asks the named entries
    leave short of ``limit`` (a category may hold thousands: the digest asks 3 for each of
    50 needs, bench_skills.py), and the best loaded as objects in a third."""
    tax = taxonomy()
    named = _candidates(session, {taxon for ask in asks for taxon in ask.by_taxon})
    short = []
    for ask in asks:
        for taxon, m in ask.by_taxon.items():
            term_key = normalise(m.term)  # once, not once per skill
            for row in named.get(taxon, ()):
                exact = row.taxon_how == "exact" or row.skill_key == term_key
                ask.levels["exact" if exact else "synonym"].append((row, taxon))
        if ask.by_taxon and len(ask.levels["exact"]) + len(ask.levels["synonym"]) < limit:
            short.append(ask)
    related = _candidates(session, {taxon for ask in short for taxon in ask.siblings})
    for ask in short:
        for taxon in ask.siblings:
            category = tax.category_of(taxon)
            asked = ask.categories.get(category.id) if category else None
            if asked is not None:
                ask.levels["category"] += [(row, asked.taxon) for row in related.get(taxon, ())]
    bests = [_best(ask, limit) if ask.by_taxon else [] for ask in asks]
    ids = {r[0] for best in bests for r in best}
    loaded = {s.id: s for s in session.scalars(
        select(Skill).join(Space, Skill.space_id == Space.id).options(contains_eager(Skill.space))
        .where(Skill.id.in_(sorted(ids))))} if ids else {}
    return [[Match(loaded[r[0]], r[1], r[2], r[3],
                   explain(loaded[r[0]], r[1], r[2], r[3], ask.space_id, lang, tax,
                           placed=ask.space_id is not None or None not in (ask.lat, ask.lon))) for r in best]
            for ask, best in zip(asks, bests)]


def explain(skill: Skill, level: str, answered: str, distance: float | None, need_space_id: int | None,
            lang: str, tax: Taxonomy, *, placed: bool = True) -> str:
    """Why a skill answers a need, in words: "video editing, synonym of video production, 2 km
    away" (without the distance when the asker has no place: a call of the whole network)."""
    label = tax.taxa[answered].label(lang)
    if level == "exact":
        what = skill.skill
    elif level == "synonym":
        what = _("%(skill)s, synonym of %(label)s", skill=skill.skill, label=label)
    else:
        category = tax.category_of(answered)
        what = _("%(skill)s, same category as %(label)s (%(category)s)", skill=skill.skill, label=label,
                 category=category.label(lang) if category else "")
    if not placed:
        return what
    if skill.space_id == need_space_id:
        where = _("in the same space")
    elif distance is None:
        where = _("distance unknown")
    elif distance < 1:
        where = _("less than 1 km away")
    else:
        where = _("%(km)s km away", km=f"{distance:,.0f}".replace(",", "." if lang.startswith("it") else ","))
    return f"{what}, {where}"
