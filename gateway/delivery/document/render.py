"""Documents written straight from the XSD: plain nested mappings to lxml elements.

The payloads (``model.py``, and the DUO adapter's status queries) are nested dicts keyed by the
schema's element names. This walks the XSD once per global element (element order, choices,
repetition, the built-in type under each simple type) and then writes any value of that shape
directly, in schema order. Simple values are written as XML Schema's lexical forms (dates as
``YYYY-MM-DD``, UTC date-times with ``Z``, decimals without exponent, booleans as
``true``/``false``). Rendering checks shape only; ``schema.validate`` checks the values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from gateway.delivery.document.schema import VZ, XS, schema_document
from gateway.domain.errors import PermanentDeliveryError


class RenderError(PermanentDeliveryError):
    """The payload does not fit the schema (an unknown field, or a list where one is allowed)."""


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _boolean(value: Any) -> str:
    return "true" if value else "false"


def _decimal(value: Any) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if isinstance(value, date) else str(value)


def _date_time(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else str(value)


# The built-in types the schema uses, by local name, and how a Python value is written as each.
LEXICAL: dict[str, Callable[[Any], str]] = {
    "string": _text,
    "boolean": _boolean,
    "decimal": _decimal,
    "int": _text,
    "integer": _text,
    "nonNegativeInteger": _text,
    "date": _date,
    "dateTime": _date_time,
}


@dataclass(frozen=True)
class Simple:
    """An element holding text."""

    name: str
    qname: str
    multiple: bool
    lexical: Callable[[Any], str]


@dataclass(frozen=True)
class Complex:
    """An element holding elements, in schema order."""

    name: str
    qname: str
    multiple: bool
    fields: tuple[Simple | Complex, ...]


Field = Simple | Complex


def render(element: str, value: Mapping[str, Any]) -> etree._Element:
    """The schema's global element ``element`` (local name) holding ``value``'s fields."""
    node = etree.Element(f"{{{VZ}}}{element}")
    _fill(node, plan(element), value)
    return node


@functools.cache
def plan(element: str) -> tuple[Field, ...]:
    """The fields of a global element, in schema order (walked once per element)."""
    schema = _schema()
    node = schema.global_element(element)
    if node is None:
        raise RenderError(f"element {element} staat niet in het schema")
    field = schema.field(node)
    if not isinstance(field, Complex):
        raise RenderError(f"element {element} heeft geen velden")
    return field.fields


def _fill(node: etree._Element, fields: tuple[Field, ...], value: Mapping[str, Any]) -> None:
    if not isinstance(value, Mapping):
        raise RenderError(f"{etree.QName(node).localname}: samengesteld veld verwacht")
    used = 0
    for field in fields:
        if field.name in value:
            used += 1
            _write(node, field, value[field.name])
    if used < len(value):
        known = {f.name for f in fields}
        raise RenderError(f"{etree.QName(node).localname}: onbekende velden "
                          f"{', '.join(sorted(k for k in value if k not in known))}")


def _write(parent: etree._Element, field: Field, value: Any) -> None:
    items = value if isinstance(value, list | tuple) else (value,)
    if len(items) > 1 and not field.multiple:
        raise RenderError(f"{field.name}: maar één waarde toegestaan")
    for item in items:
        if item is None:
            continue
        sub = etree.SubElement(parent, field.qname)
        if isinstance(field, Complex):
            _fill(sub, field.fields, item)
        else:
            sub.text = field.lexical(item)


class _Schema:
    """The parsed XSD with its named types, turned into fields on request."""

    def __init__(self, root: etree._Element) -> None:
        self._elements = self._named(root, "element")
        self._complex = self._named(root, "complexType")
        self._simple = self._named(root, "simpleType")

    @staticmethod
    def _named(root: etree._Element, kind: str) -> dict[str, etree._Element]:
        return {str(node.get("name")): node for node in root.iterchildren(f"{{{XS}}}{kind}")}

    def global_element(self, name: str) -> etree._Element | None:
        return self._elements.get(name)

    def field(self, node: etree._Element) -> Field:
        name = str(node.get("name"))
        qname = f"{{{VZ}}}{name}"
        multiple = node.get("maxOccurs", "1") != "1"
        type_name = node.get("type")
        if type_name is None:
            inline = node.find(f"{{{XS}}}complexType")
            if inline is None:
                raise RenderError(f"element {name}: type niet ondersteund")
            return Complex(name, qname, multiple, self._content(inline))
        prefix, _, local = type_name.rpartition(":")
        if prefix != "xs" and local in self._complex:
            return Complex(name, qname, multiple, self._content(self._complex[local]))
        return Simple(name, qname, multiple, self._lexical(type_name))

    def _content(self, complex_type: etree._Element) -> tuple[Field, ...]:
        fields: list[Field] = []
        for group in complex_type:
            self._collect(group, fields)
        return tuple(fields)

    def _collect(self, group: etree._Element, fields: list[Field]) -> None:
        """Elements of a sequence or choice (nested ones included), in document order."""
        kind = etree.QName(group).localname if isinstance(group.tag, str) else "comment"
        if kind in ("annotation", "comment"):
            return
        if kind not in ("sequence", "choice"):
            raise RenderError(f"schema-onderdeel {kind} niet ondersteund")
        for child in group:
            if isinstance(child.tag, str) and etree.QName(child).localname == "element":
                fields.append(self.field(child))
            else:
                self._collect(child, fields)

    def _lexical(self, type_name: str) -> Callable[[Any], str]:
        """How values of a (built-in or named simple) type are written, by its built-in base."""
        prefix, _, local = type_name.rpartition(":")
        while prefix != "xs":
            restriction = self._simple[local].find(f"{{{XS}}}restriction")
            if restriction is None:
                raise RenderError(f"type {local} niet ondersteund")
            prefix, _, local = str(restriction.get("base")).rpartition(":")
        if local not in LEXICAL:
            raise RenderError(f"type xs:{local} niet ondersteund")
        return LEXICAL[local]


@functools.cache
def _schema() -> _Schema:
    return _Schema(schema_document().getroot())
