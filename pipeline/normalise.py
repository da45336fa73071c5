"""Bytes in, clean article text and its metadata out. Pure: no IO, no clock.

The text keeps one paragraph a line and every sentence verbatim, so that a claim's
character span and quote point at exactly what the article says.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from collections import Counter
from datetime import date

from selectolax.lexbor import LexborHTMLParser

from pipeline.dates import find_full_dates, parse_dateline
from pipeline.errors import InputError
from pipeline.origins import wire_credit
from schemas.enums import DateSource
from schemas.records import NormalisedArticle

# --- decoding -------------------------------------------------------------------------

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive (or an Office document)"),
    (b"%PDF-", "PDF document"),
    (b"\x7fELF", "ELF executable"),
    (b"\x1f\x8b", "gzip archive"),
    (b"MZ", "Windows executable"),
    (b"SQLite format 3\x00", "SQLite database"),
)


def decode(raw: bytes) -> str:
    """Decode an article's bytes: BOMs first, then UTF-8, UTF-16 by shape, then cp1252.

    Raises :class:`InputError` for binary files and empty ones.
    """
    if not raw.strip():
        raise InputError("empty", "the file is empty or holds only white space")
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return _clean_text(raw.decode(encoding))
            except UnicodeDecodeError as exc:
                raise InputError("undecodable", f"starts with a {encoding} mark but {exc}") from exc
    for magic, what in _BINARY_MAGIC:
        if raw.startswith(magic):
            raise InputError("binary", f"this is a {what}, not a text article")
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        return _clean_text(utf16)
    if b"\x00" in raw:
        raise InputError("binary", "the file holds NUL bytes: it is binary, not a text article")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8: Windows-1252 is what such files almost always are; bytes it leaves
        # undefined are read as Latin-1 so that nothing is lost.
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    text = _clean_text(text)
    if _control_ratio(text) > 0.05:
        raise InputError("binary", "more than 5% of the characters are control codes")
    return text


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text with no BOM shows NUL in every other byte; decode it if so."""
    sample = raw[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        encoding = "utf-16-le"
    elif even_nuls > 0.3 and odd_nuls < 0.05:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t")
    return controls / len(text)


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return unicodedata.normalize("NFC", text)


# --- markup ----------------------------------------------------------------------------

_HTML_DOC = re.compile(r"^\s*(<!doctype html|<html\b|<head\b|<body\b)", re.IGNORECASE)
_TAG = re.compile(
    r"</?(p|div|span|a|br|img|b|i|em|strong|ul|ol|li|h[1-6]|figure|table)\b[^>]*>", re.I
)
_BLOCK_TAGS = (
    "p, div, br, li, h1, h2, h3, h4, h5, h6, tr, blockquote, section, article, header,"
    " footer, title, figcaption, pre, dt, dd, table, ul, ol"
)
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "form", "button", "nav"]


def strip_html(text: str) -> str:
    """Text of an HTML document or fragment, a line for each block element."""
    return _tree_text(LexborHTMLParser(text))


def _tree_text(tree: LexborHTMLParser) -> str:
    tree.strip_tags(_DROP_TAGS)
    for node in tree.css(_BLOCK_TAGS):
        node.insert_after("\n")
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return ""
    return root.text(separator="") or ""


def _is_html(text: str) -> bool:
    return bool(_HTML_DOC.match(text)) or len(_TAG.findall(text)) > 20


_DATE_META = (
    'meta[property="article:published_time"]', 'meta[name="article:published_time"]',
    'meta[property="og:published_time"]', 'meta[itemprop="datePublished"]',
    'meta[name="datePublished"]', 'meta[name="pubdate"]', 'meta[name="publish-date"]',
    'meta[name="date"]', 'meta[name="dc.date"]', 'meta[name="DC.date.issued"]',
)  # fmt: skip
_ISO_DAY = re.compile(r"^\s*((?:19|20)\d\d)-(\d\d)-(\d\d)")
_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"((?:19|20)\d\d-\d\d-\d\d)')


def html_metadata(tree: LexborHTMLParser) -> tuple[date | None, str | None]:
    """The publication date and site name an HTML page states about itself: its
    article:published_time (or a like meta tag), JSON-LD datePublished, or first
    <time datetime>; og:site_name. Read before the scripts are stripped."""
    values = [node.attributes.get("content") for node in tree.css(", ".join(_DATE_META))]
    for node in tree.css('script[type="application/ld+json"]'):
        found = _LD_PUBLISHED.search(node.text() or "")
        values.append(found.group(1) if found else None)
    values += [node.attributes.get("datetime") for node in tree.css("time[datetime]")[:1]]
    published = None
    for value in values:
        match = _ISO_DAY.match(value or "")
        if match:
            try:
                published = date(*(int(g) for g in match.groups()))
                break
            except ValueError:
                continue
    site = tree.css_first('meta[property="og:site_name"]')
    site_name = (site.attributes.get("content") or "").strip() or None if site else None
    return published, site_name


def _strip_stray_tags(text: str) -> str:
    """Plain text with a stray tag or two (pasted captions): strip those lines only."""
    lines = []
    for line in text.split("\n"):
        if _TAG.search(line):
            line = strip_html(line).replace("\n", " ")
        lines.append(line)
    return "\n".join(lines)


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_MD_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")


def unwrap_markdown(line: str) -> str:
    line = _MD_IMAGE.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_AUTOLINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub(r"\2", line)
    if line.lstrip().startswith("#"):
        line = line.lstrip().lstrip("#").strip()
    return line


# --- boilerplate -----------------------------------------------------------------------

_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"advertisement|advert|sponsored( content)?|scroll (down )?for next( article)?",
        r"(sign up|subscribe)( now)?( to| for)? (our|the)? ?(free )?(daily |weekly )?newsletters?.*",
        r"newsletter|join the .{0,60} mailing list\W*|subscribe( now)?",
        r"leave a (reply|comment)|\d* ?comments?|post a comment|add a comment",
        r"(share|tweet|email|print)( this)?( article| story| page)?( on \w+)?|share via.*",
        r"(\w+ )?on (facebook|twitter|linkedin|email|whatsapp|telegram|reddit)"
        r"( (\w+ )?on (facebook|twitter|linkedin|email|whatsapp|telegram|reddit))*",
        r"(facebook|twitter|linkedin|whatsapp|telegram|reddit|email|copy link)"
        r"([\s|,/]+(facebook|twitter|linkedin|whatsapp|telegram|reddit|email|copy link))*",
        r"(related( article| articles| stories)?|also read|read more|read also|see also)\s*:.*",
        r"original (url|article|source)\s*:?",
        r"(https?://|www\.)\S+",
        r"\(?photo( courtesy)?\s*:.*\)?|\(?credit\s*:.*",
        r"image used for representational purposes only\.?",
        r"\d+ min(ute)?s? read",
        r"(click|tap) here.*|follow us.*|download (our|the) app.*",
        r"all rights reserved.*|©.*|copyright \d{4}.*",
        r"published\s*:?\s*(undefined|null|none)?",
        r"[\W_]{0,3}|[a-z]",  # lone punctuation, a stray letter left by a widget
    )
]


def is_boilerplate(line: str) -> bool:
    stripped = line.strip().strip("•·|").strip()
    return any(p.fullmatch(stripped) for p in _BOILERPLATE)


# --- metadata --------------------------------------------------------------------------

_ARCHIVE_HEADER = re.compile(r"^\s*date (\d{4})-(\d{2})-(\d{2})\b[ \t]*")
_BYLINE = re.compile(r"^\s*by\s+(?P<byline>[A-Z].{2,200})$", re.IGNORECASE)
_SOURCE_URL = re.compile(
    r"^\s*(?:original (?:url|article)|source|originally published (?:at|on|by))\s*:?\s*\n?\s*<?"
    r"https?://(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})",
    re.IGNORECASE | re.MULTILINE,
)
_SECTION_WORDS = {
    "world", "news", "politics", "europe", "opinion", "facts", "business", "home", "latest",
    "analysis", "breaking", "live", "video", "videos", "photos", "asia", "ukraine", "russia",
    "world news", "top stories", "international", "middle east", "us", "uk",
}  # fmt: skip
_WIRE_CREDITS = ("AFP", "Reuters", "AP", "Associated Press", "dpa", "Interfax", "TASS", "Xinhua")
_OUTLET_LINE = re.compile(r"^(?:The |the )?[A-Z][\w&.'-]*(?: [A-Z][\w&.'-]*){0,3}$")


def normalise(raw: bytes, *, file_name: str = "") -> NormalisedArticle:
    """Normalise an article's bytes into clean text with its title, outlet, byline and date."""
    text = decode(raw)
    archive_date: date | None = None
    header = _ARCHIVE_HEADER.match(text)
    if header:
        try:
            archive_date = date(*(int(g) for g in header.groups()))
        except ValueError:
            archive_date = None
        text = text[header.end() :]
    meta_date: date | None = None
    site_name: str | None = None
    if _is_html(text):
        tree = LexborHTMLParser(text)  # parsed once: metadata first, then the text
        meta_date, site_name = html_metadata(tree)
        text = _tree_text(tree)
    else:
        text = _strip_stray_tags(text)
    text = html.unescape(text)

    lines: list[str] = []
    for line in text.split("\n"):
        line = unwrap_markdown(line)
        line = re.sub(r"[ \t\u00a0\u2009\u202f]+", " ", line).strip()
        if not line or is_boilerplate(line):
            continue
        lines.append(line)
    if not lines:
        raise InputError("no_text", "nothing but markup and boilerplate is left of the file")

    title = _find_title(lines)
    byline = _find_byline(lines)
    outlet = site_name or _find_outlet(lines, title, byline, text)
    published: date | None
    if archive_date is None and meta_date is not None:
        published, source = meta_date, DateSource.METADATA
    else:
        published, source = _find_date(lines, archive_date)
    body = "\n".join(line for line in lines if not _is_metadata_line(line, outlet, byline))
    return NormalisedArticle(
        text=body,
        title=title,
        outlet=outlet,
        byline=byline,
        published=published,
        date_source=source,
        wire=wire_credit("\n".join(lines), byline),
    )


def _find_title(lines: list[str]) -> str | None:
    first = lines[0]
    if len(first) <= 200 and not first.endswith((".", ":")) and len(first.split()) >= 3:
        return first
    return None


def _find_byline(lines: list[str]) -> str | None:
    for line in lines[:10]:
        match = _BYLINE.match(line)
        if match and len(line.split()) <= 30:
            return match.group("byline").strip()
    return None


def _find_outlet(lines: list[str], title: str | None, byline: str | None, raw: str) -> str | None:
    head = lines[1:10] if title else lines[:10]
    for line in head:
        candidate = line.strip(" ,|")
        if (
            _OUTLET_LINE.match(candidate)
            and candidate.lower() not in _SECTION_WORDS
            and not parse_dateline(candidate)
            and not candidate.lower().startswith(("by ", "published", "updated"))
        ):
            return candidate
    source = _SOURCE_URL.search(raw)
    if source:
        return source.group(1).lower()
    if byline:
        for credit in _WIRE_CREDITS:
            if re.search(rf"\b{re.escape(credit)}\b", byline):
                return credit
    return None


def _find_date(lines: list[str], archive_date: date | None) -> tuple[date | None, DateSource]:
    if archive_date is not None:
        return archive_date, DateSource.ARCHIVE
    for line in lines[:15]:
        found = parse_dateline(line)
        if found:
            return found, DateSource.DATELINE
    counts = Counter(find_full_dates("\n".join(lines)))
    if counts:
        best = max(counts.items(), key=lambda item: (item[1], item[0]))[0]
        return best, DateSource.INFERRED
    return None, DateSource.NONE


def _is_metadata_line(line: str, outlet: str | None, byline: str | None) -> bool:
    """Lines that only carry metadata (outlet, byline, a date line) are not article text."""
    if outlet and line.strip(" ,|") == outlet:
        return True
    if byline and _BYLINE.match(line):
        return True
    return parse_dateline(line) is not None
