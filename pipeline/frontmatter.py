"""YAML front matter (the Jekyll/Hugo convention) at the top of a text or markdown file:

    ---
    title: Russia says some troops return to base
    outlet: Example Wire
    published: 2022-02-15
    url: https://example.com/news/troops-return
    author: Jane Doe
    ---
    The article text...

Read with PyYAML's safe loader (no aliases: front matter needs none, and they are how a
few bytes expand into a huge document). Front matter that cannot be read is left in the
text and a warning says why: it never fails the article. Pure: no IO.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import yaml

from pipeline.metadata import KEY_FIELDS, read_fields
from schemas.enums import DateSource
from schemas.records import DocumentMetadata

MAX_LINES = 100
MAX_CHARS = 16_384
_OPENING = re.compile(r"\A---[ \t]*\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


class _Unreadable(Exception):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _Unreadable(f"an alias (*name) on line {self.peek_event().start_mark.line + 2}")
        return super().compose_node(parent, index)


def split(text: str) -> tuple[DocumentMetadata | None, str]:
    """The front matter of ``text`` and the text after it; ``(None, text)`` when the text
    has none. Unreadable front matter gives metadata that only holds a warning, and the
    text whole."""
    opening = _OPENING.match(text)
    if opening is None:
        return None, text
    head = text[opening.end() : opening.end() + MAX_CHARS]
    closing = _CLOSING.search(head)
    if closing is None or head.count("\n", 0, closing.start()) >= MAX_LINES:
        return _kept_as_text(f"no closing '---' line within {MAX_LINES} lines"), text
    body = text[opening.end() + closing.end() :].removeprefix("\n")
    try:
        values = _load(head[: closing.start()])
    except _Unreadable as exc:
        return _kept_as_text(str(exc)), text
    metadata, problems = read_fields(values, DateSource.FRONT_MATTER, where="front matter: ")
    return dataclasses.replace(metadata, warnings=tuple(problems)), body


def _kept_as_text(why: str) -> DocumentMetadata:
    return DocumentMetadata(warnings=(f"front matter not read, kept as text: {why}",))


def _load(block: str) -> dict[str, Any]:
    """The front matter's keys and values. A text field's value is kept as written
    ("outlet: NO" is "NO", not False); the date and any other key are read as YAML."""
    loader = _NoAliasLoader(block)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        if not isinstance(node, yaml.MappingNode):
            raise _Unreadable("it is not 'key: value' lines")
        values: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            if _as_written(key, value_node):
                values[key] = value_node.value
            else:
                values[key] = loader.construct_object(value_node, deep=True)
        return values
    except yaml.MarkedYAMLError as exc:
        line = f" on line {exc.problem_mark.line + 2}" if exc.problem_mark else ""
        raise _Unreadable(f"not YAML: {exc.problem or exc.context}{line}") from exc
    except RecursionError as exc:
        raise _Unreadable("nested too deeply") from exc
    except yaml.YAMLError as exc:
        raise _Unreadable(f"not YAML: {type(exc).__name__}") from exc
    finally:
        loader.dispose()


def _as_written(key: str, node: yaml.Node) -> bool:
    name = KEY_FIELDS.get(key.strip().casefold())
    return (
        name not in (None, "published")
        and isinstance(node, yaml.ScalarNode)
        and node.tag != "tag:yaml.org,2002:null"
    )
