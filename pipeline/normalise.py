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

from pipeline import frontmatter, metadata
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
    """Decode an article's bytes: BOMs first, then UTF-32 and UTF-16 by shape, UTF-8, the
    charset an HTML page declares (``<meta charset>``), then cp1252.

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
    wide = _wide_without_bom(raw)
    if wide is not None:
        return _clean_text(wide)
    if raw.count(0) > len(raw) // 100:
        raise InputError("binary", "the file holds NUL bytes: it is binary, not a text article")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8: the charset the page declares, else Windows-1252 (what such files
        # almost always are); bytes it leaves undefined are read as Latin-1 so that
        # nothing is lost.
        text = _decode_declared(raw) or _decode_cp1252(raw)
    text = _clean_text(text)
    if _control_ratio(text) > 0.05:
        raise InputError("binary", "more than 5% of the characters are control codes")
    return text


def _decode_cp1252(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


_DECLARED_CHARSET = re.compile(
    rb"""<meta\b[^<>]*?charset\s*=\s*["']?\s*([a-z0-9._:-]+)|<\?xml\b[^<>]*?encoding\s*=\s*["']([a-z0-9._:-]+)""",
    re.IGNORECASE,
)
#: Labels that the WHATWG Encoding standard reads as Windows-1252 (a superset of each).
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}


def _decode_declared(raw: bytes) -> str | None:
    """The bytes decoded by the charset that an HTML page (or XML) declares in its first
    1,024 bytes, as a browser does; None when it declares none, or one Python does not
    know, or one that the bytes do not fit."""
    found = _DECLARED_CHARSET.search(raw[:1024])
    if found is None:
        return None
    label = (found.group(1) or found.group(2)).decode("ascii").lower()
    if label in _AS_CP1252:
        return None  # what the fallback does anyway
    try:
        codec = codecs.lookup(label)
    except LookupError:
        return None
    if codec.name.startswith(("utf-16", "utf-32", "utf-8")):
        return None  # a page in ASCII bytes cannot be UTF-16; UTF-8 was tried first
    try:
        return raw.decode(codec.name)
    except UnicodeDecodeError:
        return None


#: (encoding, code unit width, positions of a unit that are mostly NUL, and how often,
#: the position that holds the text): UTF-32 leaves its two high bytes NUL, UTF-16 its
#: high byte for Latin text.
_WIDE_SHAPES = (
    ("utf-32-le", 4, (2, 3), 0.9, 0),
    ("utf-32-be", 4, (0, 1), 0.9, 3),
    ("utf-16-le", 2, (1,), 0.3, 0),
    ("utf-16-be", 2, (0,), 0.3, 1),
)


def _wide_without_bom(raw: bytes) -> str | None:
    """UTF-32 or UTF-16 text with no BOM, known by where its NUL bytes fall; decoded if
    the bytes fit."""
    for encoding, width, nul_at, share, text_at in _WIDE_SHAPES:
        sample = raw[: 4096 - 4096 % width]
        if len(sample) < 2 * width or len(raw) % width:
            continue
        units = len(sample) / width
        nuls = [sample[i::width].count(0) / units for i in range(width)]
        if all(nuls[i] > share for i in nul_at) and nuls[text_at] < 0.05:
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


#: Control characters (Unicode category Cc) other than the tab and the line feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    return len(_CONTROL.findall(text)) / len(text)


def _clean_text(text: str) -> str:
    # A stray NUL is noise (and PostgreSQL cannot store it in a text column).
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").replace("\x00", "")
    return unicodedata.normalize("NFC", text)


# --- markup ----------------------------------------------------------------------------

_HTML_DOC = re.compile(r"^\s*(<!doctype html|<html\b|<head\b|<body\b)", re.IGNORECASE)
_TAG = re.compile(
    r"</?(p|div|span|a|br|img|b|i|em|strong|ul|ol|li|h[1-6]|figure|table)\b[^<>]*+>", re.I
)
_BLOCK_TAGS = (
    "p, div, br, li, h1, h2, h3, h4, h5, h6, tr, blockquote, section, article, header,"
    " footer, title, figcaption, pre, dt, dd, table, ul, ol"
)
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "form", "button", "nav"]


def strip_html(text: str) -> str:
    """Text of an HTML document or fragment, a line for each block element."""
    return _tree_text(parse_html(text))


def parse_html(text: str) -> LexborHTMLParser:
    """The parsed page, its nesting first cut to :data:`MAX_DEPTH` (see ``limit_depth``)."""
    return LexborHTMLParser(limit_depth(text))


#: No article nests elements this deep; browsers stop at 512.
MAX_DEPTH = 200
_ANY_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*+)[^<>]*+>")
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"]
)  # fmt: skip
_ENDED_BY = {
    "li": frozenset({"li", "p"}), "dt": frozenset({"dt", "dd", "p"}),
    "dd": frozenset({"dt", "dd", "p"}), "tr": frozenset({"tr", "td", "th"}),
    "td": frozenset({"td", "th"}), "th": frozenset({"td", "th"}), "option": frozenset({"option"}),
    "a": frozenset(), "b": frozenset(), "i": frozenset(), "em": frozenset(),
    "strong": frozenset(), "span": frozenset(), "font": frozenset(), "small": frozenset(),
}  # fmt: skip
_ENDED_BY_BLOCK = frozenset({"p"})


def limit_depth(text: str, max_depth: int = MAX_DEPTH) -> str:
    """``text`` with the tags nested deeper than ``max_depth`` removed (their text kept).

    An HTML parser checks the open elements on each block tag it opens (is a ``<p>`` still
    open?), so a page of a million nested ``<div>`` costs it a million times a million
    steps. One pass over the tags counts the depth; an opening tag past the limit is
    dropped, and so is the closing tag that matches it (the innermost come first).
    """
    kept: list[str] = []
    open_tags: list[str] = []
    dropped: Counter[str] = Counter()
    last = 0
    for tag in _ANY_TAG.finditer(text):
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _VOID:
            continue
        if closing:
            if dropped[name]:
                dropped[name] -= 1
            elif name in open_tags[-8:]:  # close it and what it left open, as a parser does
                while open_tags.pop() != name:
                    pass
                continue
            else:
                continue
        elif tag.group(0).endswith("/>"):
            continue
        elif len(open_tags) < max_depth:
            # A new <p> or <li> ends the one still open, as a block ends an open <p>.
            ends = _ENDED_BY.get(name, _ENDED_BY_BLOCK)
            while open_tags and open_tags[-1] in ends:
                open_tags.pop()
            open_tags.append(name)
            continue
        else:
            dropped[name] += 1
        kept.append(text[last : tag.start()])
        last = tag.end()
    if not kept:
        return text
    kept.append(text[last:])
    return "".join(kept)


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
    """Plain text with a stray tag or two (pasted captions): strip those lines only, and
    read the entities (``&amp;``, ``&nbsp;``) of the others. Each line is unescaped once:
    the parser has read the entities of the lines it stripped."""
    lines = []
    for line in text.split("\n"):
        if _TAG.search(line):
            line = strip_html(line).replace("\n", " ")
        elif "&" in line:
            line = html.unescape(line)
        lines.append(line)
    return "\n".join(lines)


# Each bracket, link text or emphasis stops at the next opening delimiter, so a line of
# ``[[[[`` or ``**a **a`` is read once, not once per delimiter (that was quadratic).
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]*+\]\([^()\n]*+\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]++)\]\((?:[^()\s]|\([^()\s]*+\))*+\)")
_MD_AUTOLINK = re.compile(r"<(https?://[^<>\s]++)>")
_MD_EMPHASIS = re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*|__(?=\S)([^_\n]+?)(?<=\S)__")


def unwrap_markdown(line: str) -> str:
    line = _MD_IMAGE.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_AUTOLINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub(lambda m: m.group(1) or m.group(2), line)
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


#: Words a scraper glued together where markup stood between them: "Cold WarNATO
#: Secretary General", "deployment to Belarusthe Moscow's largest".
_GLUED_ACRONYM = re.compile(r"(?<=[a-z]{2})(?=[A-Z]{2,}\b)")
_GLUED_PLACE = re.compile(
    r"\b(Belarus|Ukraine|Russia|Crimea|Donbas|Donbass|Kyiv|Kiev|Moscow|Minsk|Kharkiv|Mariupol|"
    r"Europe|NATO)(?=(?:the|and|but|in|on|to|of|as|with)\b)"
)


#: "crisisMoscow has moved", "FEB 20Russian troops": a name or a word glued to what precedes.
_GLUED_NAME = re.compile(
    r"(?<=[a-z])(?=(?:Moscow|Kyiv|Kiev|Russia|Russian|Ukraine|Ukrainian|Belarus|Minsk|NATO|"
    r"Washington|Putin|Zelensky|Biden|Kremlin|Pentagon|Lukashenko)\b)|(?<=\d)(?=[A-Z][a-z])"
    r"|(?<=[a-z]{3})(?=(?:At|The|In|On|An|Most|Read|Advertisement|Photo|Related)\b)"
)


def unglue(line: str) -> str:
    """Put back the space a scraper dropped between two words ("WarNATO", "Belarusthe",
    "crisisMoscow", "FEB 20Russian")."""
    line = _GLUED_NAME.sub(" ", _GLUED_ACRONYM.sub(" ", line))
    return _GLUED_PLACE.sub(r"\1 ", line)


def is_boilerplate(line: str) -> bool:
    stripped = line.strip().strip("•·|").strip()
    return any(p.fullmatch(stripped) for p in _BOILERPLATE)


# --- metadata --------------------------------------------------------------------------

_ARCHIVE_HEADER = re.compile(r"^\s*date (\d{4})-(\d{2})-(\d{2})\b[ \t]*")
_BYLINE = re.compile(r"^\s*by\s+(?P<byline>[A-Z].{2,200})$", re.IGNORECASE)
_SOURCE_URL = re.compile(
    # Horizontal white space only, each run taken whole (possessive): with ``\s*`` every
    # line start of a run of blank lines re-scanned the whole run (quadratic).
    r"^[ \t]*+(?:original (?:url|article)|source|originally published (?:at|on|by))[ \t]*+:?"
    r"[ \t]*+(?:\n[ \t]*+){0,2}<?https?://(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})",
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
    """Normalise an article's bytes into clean text with its title, outlet, byline and date;
    what its YAML front matter states beats what the text suggests (``pipeline.metadata``)."""
    front, text = frontmatter.split(decode(raw))
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
        tree = parse_html(text)  # parsed once: metadata first, then the text
        meta_date, site_name = html_metadata(tree)
        text = _tree_text(tree)  # entities read by the parser, once
    else:
        text = _strip_stray_tags(text)

    lines = _article_lines(text)
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
    found = {"title": title, "byline": byline, "outlet": outlet, "published": published}
    sources = {name: DateSource.INFERRED for name, value in found.items() if value}
    if site_name:
        sources["outlet"] = DateSource.METADATA
    if published:
        sources["published"] = source
    article = NormalisedArticle(
        text=body,
        title=title,
        outlet=outlet,
        byline=byline,
        published=published,
        date_source=source,
        wire=wire_credit("\n".join(lines), byline),
        sources=sources,
    )
    if front is None:
        return article
    return metadata.onto_article(article, metadata.merge(front, metadata.of_article(article)))


_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
#: No word of prose is this long. A longer run without a space (``[[[[...``, a pasted blob)
#: is cut with a space: a tokenizer peels such a run one character at a time and scans the
#: rest each time, so its cost grew with the square of the run's length.
MAX_WORD = 200
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD}}}(?=\S)")
#: No paragraph of prose is this long either. A longer line is cut at white space into
#: lines of at most this many characters: extraction looks back over a sentence's
#: paragraph for an open quotation, so its cost grew with the square of the line.
MAX_PARAGRAPH = 20_000
_PARAGRAPH_PIECE = re.compile(rf".{{1,{MAX_PARAGRAPH}}}(?=\s|$)|.{{1,{MAX_PARAGRAPH}}}")


def _article_lines(text: str) -> list[str]:
    """The text's lines, markdown unwrapped, spaces collapsed, blank and boilerplate lines
    dropped."""
    lines: list[str] = []
    for line in text.split("\n"):
        if not line or line.isspace():
            continue
        line = _SPACES.sub(" ", unglue(unwrap_markdown(line))).strip()
        if len(line) > MAX_WORD:
            line = _LONG_WORD.sub(r"\g<0> ", line)
        if not line or is_boilerplate(line):
            continue
        if len(line) > MAX_PARAGRAPH:
            lines.extend(p.strip() for p in _PARAGRAPH_PIECE.findall(line) if p.strip())
        else:
            lines.append(line)
    return lines


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
