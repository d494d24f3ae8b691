"""The network's taxonomy of skills, and mapping free text onto it.

The taxonomy is the data file ``data/taxonomy.csv`` (one row per entry: id, parent,
Italian label, English label, synonyms separated by ``|``). Categories have no parent;
every skill has one category. A coordinator extends it by adding rows: the loader
refuses a file where one term would name two entries, so a new synonym can never
silently steal another skill's.

Free text is compared after normalisation (lower case, no accents, punctuation as
spaces). A text maps to an entry by one of:

- ``exact``: it is the entry's Italian or English label;
- ``synonym``: it is one of the entry's synonyms;
- ``fuzzy``: it is within a few typing mistakes of a label or synonym (rapidfuzz);
- ``partial``: a label or synonym appears inside a longer text
  ("Sviluppo web (React, Node)" names "sviluppo web").

This is the only module that uses rapidfuzz.
"""
from __future__ import annotations

import csv
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "taxonomy.csv")
HOWS = ("exact", "synonym", "fuzzy", "partial", "coordinator")
FUZZY_CUTOFF = 86  # rapidfuzz score (0-100) above which a text is a typo of a term
FUZZY_MIN_LENGTH = 5  # shorter texts only map exactly: "ui" is not a typo of "ai"
LONGEST_TERM = 5  # words; terms are searched inside texts as runs of up to this many words
# In a need ("accounting for a start-up"), what follows these words says who it is
# for, not what is needed: the head is searched first.
_CONTEXT_WORDS = {"for", "per", "to"}
_NOT_WORD = re.compile(r"[^a-z0-9+#]+")


def normalise(text: str | None) -> str:
    """The comparable form of a text: lower case, no accents, words separated by one space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", plain).split())


class TaxonomyError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Taxon:
    id: str
    parent: str | None
    it: str
    en: str
    synonyms: tuple[str, ...]

    def label(self, lang: str | None = "it") -> str:
        return self.en if (lang or "it").startswith("en") else self.it

    @property
    def is_category(self) -> bool:
        return self.parent is None


@dataclass(frozen=True, slots=True)
class Mapping:
    """How a text reached an entry: ``term`` is the label or synonym it matched."""

    taxon: str
    how: str
    term: str
    score: float = 100.0


class Taxonomy:
    def __init__(self, taxa: list[Taxon]):
        self.taxa: dict[str, Taxon] = {}
        self.terms: dict[str, tuple[str, str, str]] = {}  # key -> (taxon id, how, term as written)
        for taxon in taxa:
            if taxon.id in self.taxa:
                raise TaxonomyError(f"{taxon.id}: the id is used twice")
            self.taxa[taxon.id] = taxon
        for taxon in taxa:
            if taxon.parent is not None:
                parent = self.taxa.get(taxon.parent)
                if parent is None:
                    raise TaxonomyError(f"{taxon.id}: parent {taxon.parent!r} is not in the taxonomy")
                if not parent.is_category:
                    raise TaxonomyError(f"{taxon.id}: parent {taxon.parent!r} is itself a skill (one level only)")
            for how, words in (("exact", (taxon.it, taxon.en)), ("synonym", taxon.synonyms)):
                for word in words:
                    key = normalise(word)
                    if not key:
                        continue
                    owner = self.terms.get(key)
                    if owner is not None and owner[0] != taxon.id:
                        raise TaxonomyError(f"{word!r} names both {owner[0]} and {taxon.id}")
                    if owner is None or how == "exact":
                        self.terms[key] = (taxon.id, how, word)
        self._fuzzy_keys = [k for k in self.terms if len(k) >= FUZZY_MIN_LENGTH]
        self._fuzzy_skill_keys = [k for k in self._fuzzy_keys if not self.taxa[self.terms[k][0]].is_category]

    @classmethod
    def load(cls, path: str = DATA_FILE) -> "Taxonomy":
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter=";"))
        taxa = []
        for n, row in enumerate(rows, start=2):
            if not (row.get("id") and row.get("it") and row.get("en")):
                raise TaxonomyError(f"line {n}: id, it and en are required")
            synonyms = tuple(s.strip() for s in (row.get("synonyms") or "").split("|") if s.strip())
            taxa.append(Taxon(row["id"].strip(), (row.get("parent") or "").strip() or None,
                              row["it"].strip(), row["en"].strip(), synonyms))
        return cls(taxa)

    # -- reading ----------------------------------------------------------------
    def categories(self) -> list[Taxon]:
        return [t for t in self.taxa.values() if t.is_category]

    def children(self, category: str) -> list[Taxon]:
        return [t for t in self.taxa.values() if t.parent == category]

    def category_of(self, taxon_id: str) -> Taxon | None:
        taxon = self.taxa.get(taxon_id)
        if taxon is None:
            return None
        return taxon if taxon.is_category else self.taxa[taxon.parent]

    # -- mapping ----------------------------------------------------------------
    def lookup(self, key: str) -> Mapping | None:
        hit = self.terms.get(key)
        return Mapping(hit[0], hit[1], hit[2]) if hit else None

    def map(self, text: str | None) -> Mapping | None:
        """The entry a skill's free text names, or None."""
        key = normalise(text)
        if not key:
            return None
        exact = self.lookup(key)
        if exact is not None:
            return exact
        fuzzy = self._fuzzy(key)
        if fuzzy is not None:
            return fuzzy
        found = self.find_in(key, fuzzy=False)
        return found[0] if found else None

    def _fuzzy(self, key: str, *, skills_only: bool = False) -> Mapping | None:
        if len(key) < FUZZY_MIN_LENGTH:
            return None
        # Inside a sentence, a word near a category's name is ordinary language
        # ("social" is not "sociale"): only skills are matched there.
        keys = self._fuzzy_skill_keys if skills_only else self._fuzzy_keys
        best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return None
        taxon, _how, term = self.terms[best[0]]
        return Mapping(taxon, "fuzzy", term, round(best[1], 1))

    def find_in(self, text: str, *, fuzzy: bool = True) -> list[Mapping]:
        """The entries named inside a longer text, longest runs of words first, each
        entry once. A need's head (before "for"/"per") is searched before the rest."""
        words = normalise(text).split()
        for cut, word in enumerate(words):
            if word in _CONTEXT_WORDS and cut > 0:
                head = self._scan(words[:cut], fuzzy)
                if head:
                    return head
                break
        return self._scan(words, fuzzy)

    def _scan(self, words: list[str], fuzzy: bool) -> list[Mapping]:
        found: list[tuple[int, Mapping]] = []
        taken = [False] * len(words)
        # Exact terms first, longest runs first; then typos, word by word and in pairs,
        # among the words left (so "a videomaker" is never a typo of "videomaker").
        passes = [(size, False) for size in range(min(LONGEST_TERM, len(words)), 0, -1)]
        if fuzzy:
            passes += [(2, True), (1, True)]
        for size, typo in passes:
            for start in range(len(words) - size + 1):
                if any(taken[start:start + size]):
                    continue
                key = " ".join(words[start:start + size])
                if typo:
                    mapping = self._fuzzy(key, skills_only=True)
                else:
                    # Two-letter terms ("ai", "ux") only count as a whole text: inside
                    # a sentence they are words of the language ("ai bambini").
                    mapping = self.lookup(key) if len(key) > 2 or len(words) == size else None
                    if mapping is not None and len(words) != size:
                        mapping = Mapping(mapping.taxon, "partial", mapping.term)
                if mapping is not None:
                    found.append((start, mapping))
                    taken[start:start + size] = [True] * size
        seen, out = set(), []
        for _start, mapping in sorted(found, key=lambda f: f[0]):
            if mapping.taxon not in seen:
                seen.add(mapping.taxon)
                out.append(mapping)
        return out

    def search(self, query: str | None) -> set[str]:
        """Entries a search box's text means: those it maps to, and those whose label
        or synonym contains it (``design`` finds every kind of design)."""
        key = normalise(query)
        if not key:
            return set()
        hits = {m.taxon for m in self.find_in(key)}
        mapped = self.map(key)
        if mapped is not None:
            hits.add(mapped.taxon)
        if len(key) >= 3:
            pattern = re.compile(r"\b" + re.escape(key))
            hits.update(taxon for term, (taxon, _h, _w) in self.terms.items() if pattern.search(term))
        category_hits = [t for t in hits if self.taxa[t].is_category]
        for category in category_hits:
            hits.update(t.id for t in self.children(category))
        return hits

    def suggestions(self, text: str, limit: int = 3) -> list[Mapping]:
        """Likely entries for a text nothing mapped, for the coordinator to choose from."""
        key = normalise(text)
        if not key:
            return []
        scored = process.extract(key, list(self.terms), scorer=fuzz.token_set_ratio, limit=limit * 4)
        out, seen = [], set()
        for term_key, score, _i in scored:
            taxon, _how, term = self.terms[term_key]
            if taxon not in seen and score >= 50:
                seen.add(taxon)
                out.append(Mapping(taxon, "suggested", term, round(score, 1)))
            if len(out) == limit:
                break
        return out


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    """The taxonomy shipped with the hub, read once per process."""
    return Taxonomy.load()
