"""Making untrusted content (feeds, citizens, operators) safe to store and show: the
only module that uses nh3.

HTML fields pass nh3 (an allow-list of tags, attributes and URL schemes); plain-text
fields are stored as text (control characters removed) and escaped when rendered;
URLs are kept only when they are absolute http(s) URLs. feedparser's own sanitiser
is not relied on.
"""
from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urljoin, urlsplit

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# C0 controls but tab and newline, DEL, C1 controls, lone surrogates and the two
# non-characters U+FFFE and U+FFFF: none may stand in XML 1.0 (one such character in one
# member's title made every Atom feed that listed it ill-formed for every subscriber),
# and iCalendar's TEXT refuses controls too.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WS_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def clean_html(value: str | None, max_len: int = 50_000) -> str | None:
    """Sanitised HTML, or None for an empty value. Long input is cut before cleaning,
    so the cleaner closes whatever the cut left open."""
    if not value:
        return None
    value = _CONTROL.sub("", value[:max_len])
    cleaned = nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # the cleaner decodes character references: "&#xFFFF;" or "&#1;" come out as characters
    cleaned = _CONTROL.sub("", cleaned).strip()
    return cleaned or None


def clean_text(value, max_len: int = 500) -> str | None:
    """Plain text: control characters removed, white space trimmed, length capped."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = _CONTROL.sub("", value).strip()
    if len(value) > max_len:
        value = value[: max_len - 1].rstrip() + "…"
    return value or None


def text_to_html(value: str | None, max_len: int = 50_000) -> str | None:
    """Plain text shown as HTML: escaped, paragraphs and line breaks kept."""
    text = clean_text(value, max_len)
    if not text:
        return None
    escaped = nh3.clean_text(text)
    paragraphs = [p.replace("\n", "<br>") for p in re.split(r"\n\s*\n", escaped)]
    return "".join(f"<p>{p}</p>" for p in paragraphs if p.strip())


def clean_url(value, base: str | None = None, max_len: int = 2000) -> str | None:
    """An absolute http(s) URL, or None. Anything else (javascript:, data:, vbscript:,
    entity-encoded or whitespace-split schemes...) is dropped, not repaired."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > max_len or _WS_OR_CONTROL.search(value):
        return None
    if base and not urlsplit(value).scheme:
        value = urljoin(base, value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return value


def html_to_text(value: str | None) -> str:
    """Sanitised HTML as plain text (for iCalendar descriptions, summaries)."""
    if not value:
        return ""
    text = value.replace("<br>", "\n").replace("</p>", "\n\n")
    return _CONTROL.sub("", html.unescape(nh3.clean(text, tags=set()))).strip()


def xml_safe(value: str | None) -> str | None:
    """Text with every character XML 1.0 and iCalendar forbid removed: the last guard of
    the writers, whatever an older row or a new path let through."""
    return _CONTROL.sub("", value) if value else value


def clean_tags(values, max_tags: int = 20, max_len: int = 60) -> list[str]:
    if not isinstance(values, (list, tuple)):
        return []
    tags: list[str] = []
    for v in values:
        t = clean_text(v, max_len) if isinstance(v, str) else None
        if t and t not in tags:
            tags.append(t)
        if len(tags) >= max_tags:
            break
    return tags


def normalise_name(text: str) -> str:
    """The key two spellings of one name share: "Forlì" and "forli", "Sant'Agata" and
    "Sant Agata" (municipalities, suppliers, products)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
