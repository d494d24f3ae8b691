"""The taxonomy file and mapping free text onto it: Italian and English labels,
synonyms, typos, terms inside longer texts, and what must not match."""
from __future__ import annotations

import pytest

from corete.skills.taxonomy import DATA_FILE, Taxonomy, TaxonomyError, normalise, taxonomy


@pytest.fixture(scope="module")
def tax():
    return taxonomy()


def test_the_shipped_file_is_a_few_hundred_entries_in_one_level(tax):
    skills = [t for t in tax.taxa.values() if not t.is_category]
    assert len(tax.taxa) >= 200 and 10 <= len(tax.categories()) <= 20
    assert all(tax.taxa[t.parent].is_category for t in skills)
    assert all(tax.children(c.id) for c in tax.categories())  # no empty category
    assert all(t.it and t.en for t in tax.taxa.values())


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  Progettazione   ACUSTICA, è più!") == "progettazione acustica e piu"
    assert normalise("C++ / C#") == "c++ c#"
    assert normalise(None) == ""


@pytest.mark.parametrize("text, taxon, how", [
    ("Grafica", "graphic-design", "exact"),                 # Italian label
    ("graphic design", "graphic-design", "exact"),          # English label
    ("Commercialista", "accounting", "synonym"),            # Italian profession
    ("Bookkeeping", "accounting", "synonym"),               # English synonym
    ("Acoustic engineer", "acoustics", "synonym"),
    ("Ingegnere acustico", "acoustics", "synonym"),
    ("Video editing", "video-production", "synonym"),
    ("Stampa 3D", "3d-printing", "exact"),
    ("stampante 3D", "3d-printing", "synonym"),
    ("Europrogettazione", "fundraising", "synonym"),
    ("grafic designer", "graphic-design", "fuzzy"),         # typos
    ("Commercialsta", "accounting", "fuzzy"),
    ("fotografo", "photography", "synonym"),
    ("Fotogarfo", "photography", "fuzzy"),
    ("Traduttrice", "translation", "synonym"),
    ("Sviluppo web (React, Node)", "web-development", "partial"),  # a term inside a longer text
    ("Fotografo di matrimoni", "photography", "partial"),
])
def test_free_text_maps_to_its_entry(tax, text, taxon, how):
    mapping = tax.map(text)
    assert mapping is not None, text
    assert (mapping.taxon, mapping.how) == (taxon, how)


@pytest.mark.parametrize("text", ["tuttologo", "Quello che serve", "xyz", "", "Raccolta di francobolli antichi"])
def test_what_the_taxonomy_does_not_know_stays_unmapped(tax, text):
    assert tax.map(text) is None


def test_short_terms_only_match_a_whole_text(tax):
    assert tax.map("UX").taxon == "ux-design"
    # "ai" is an Italian word in a sentence, not artificial intelligence
    assert [m.taxon for m in tax.find_in("laboratori ai bambini con un educatore")] == ["education-social"]


@pytest.mark.parametrize("need, taxa", [
    ("a videomaker for our event", ["video-production"]),
    ("accounting for a start-up", ["accounting"]),  # the head, not the start-up it is for
    ("Cerchiamo un commercialista per la nostra cooperativa", ["accounting"]),
    ("un fonico per il concerto di sabato", ["audio-production"]),
    ("Serve una traduttrice e un interprete", ["translation", "interpreting"]),
    ("un videomakr per la festa", ["video-production"]),  # a typo inside a sentence
    ("qualcuno che ci aiuti con i social", ["social-media"]),
])
def test_needs_name_entries_inside_sentences(tax, need, taxa):
    assert [m.taxon for m in tax.find_in(need)] == taxa


def test_search_understands_both_languages_and_categories(tax):
    assert "video-production" in tax.search("video")
    assert {"graphic-design", "ux-design", "product-design"} <= tax.search("design")
    assert tax.search("commercialista") == tax.search("accountant") == {"accounting"}
    assert {"legal-advice", "accounting", "privacy-gdpr"} <= tax.search("Diritto, fisco e contabilità")


def test_suggestions_for_unknown_text(tax):
    assert tax.suggestions("esperta di crowdfunding civico")[0].taxon == "fundraising"


def _write(tmp_path, rows):
    path = tmp_path / "t.csv"
    path.write_text("id;parent;it;en;synonyms\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("rows, message", [
    (["a;;A;A;", "x;a;X;X;uno", "y;a;Y;Y;uno"], "'uno' names both x and y"),
    (["a;;A;A;", "x;b;X;X;"], "parent 'b' is not in the taxonomy"),
    (["a;;A;A;", "x;a;X;X;", "y;x;Y;Y;"], "one level only"),
    (["a;;A;A;", "a;;B;B;"], "the id is used twice"),
    (["a;;;A;"], "line 2: id, it and en are required"),
])
def test_a_broken_file_is_refused_with_the_reason(tmp_path, rows, message):
    with pytest.raises(TaxonomyError, match=message):
        Taxonomy.load(_write(tmp_path, rows))


def test_the_file_is_easy_to_extend(tmp_path):
    with open(DATA_FILE, encoding="utf-8") as f:
        shipped = f.read().rstrip("\n").split("\n")
    extended = _write(tmp_path, shipped[1:] + ["drone-racing;making;Corse di droni;Drone racing;fpv"])
    tax = Taxonomy.load(extended)
    assert tax.map("FPV").taxon == "drone-racing" and tax.category_of("drone-racing").id == "making"


def test_the_check_command_reads_a_file(runner, tmp_path):
    good = runner.invoke(args=["skills", "check"])
    assert good.exit_code == 0 and "categories" in good.output
    bad = runner.invoke(args=["skills", "check", _write(tmp_path, ["a;;A;A;", "x;b;X;X;"])])
    assert bad.exit_code != 0 and "parent 'b'" in bad.output
