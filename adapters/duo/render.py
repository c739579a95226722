"""Request bodies rendered straight from zeep's parsed schema with lxml.

zeep's serialiser builds a value object per element and checks each one in Python, about
0.6 ms per melding (the largest client cost after RSA). The payloads here are plain nested
dicts from ``message.py``, so this walks the schema types zeep parsed from the WSDL (element
order, choices, repetition) and writes the elements directly. Simple values are formatted by
zeep's own types (``xmlvalue``), so dates and numbers look exactly as before. Every body is
still validated against the XSD before it leaves (``client.ValidationPlugin``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker
from zeep.wsdl.messages.base import SerializedMessage
from zeep.wsdl.messages.soap import SoapMessage
from zeep.xsd import ComplexType
from zeep.xsd.elements.indicators import Group, OrderIndicator

from adapters.duo.client import RequestInvalid


class RenderError(RequestInvalid):
    """The payload does not fit the schema (an unknown field, or a list where one is allowed)."""


@dataclass(frozen=True)
class _Field:
    """One element of a complex type, in schema order, with what rendering it needs."""

    name: str
    qname: etree.QName
    multiple: bool
    plan: tuple[_Field, ...] | None  # the child type's fields; None for a simple type
    xmlvalue: Callable[[Any], str] | None


# Plans per zeep type: the schema is walked once per type, not once per melding (the walk with its
# isinstance checks cost about as much as the rest of the rendering).
# Keyed by id, holding the type itself so the id cannot be reused by another object.
_PLANS: dict[int, tuple[Any, tuple[_Field, ...]]] = {}


def _plan(xsd_type: Any) -> tuple[_Field, ...]:
    cached = _PLANS.get(id(xsd_type))
    if cached is not None and cached[0] is xsd_type:
        return cached[1]
    fields: list[_Field] = []
    indicator = getattr(xsd_type, "_element", None)
    if indicator is not None:
        _collect(indicator, fields)
    _PLANS[id(xsd_type)] = (xsd_type, tuple(fields))
    return tuple(fields)


def _collect(indicator: Any, fields: list[_Field]) -> None:
    if isinstance(indicator, Group):
        _collect(indicator.child, fields)
        return
    if not isinstance(indicator, OrderIndicator):
        raise RenderError(f"schema-onderdeel {type(indicator).__name__} niet ondersteund")
    for child in indicator:
        if isinstance(child, (OrderIndicator, Group)):
            _collect(child, fields)
        elif isinstance(child.type, ComplexType):
            fields.append(_Field(child.name, child.qname, bool(child.accepts_multiple),
                                 _plan(child.type), None))
        else:
            fields.append(_Field(child.name, child.qname, bool(child.accepts_multiple), None,
                                 child.type.xmlvalue))


def render_element(element: Any, value: Mapping[str, Any]) -> etree._Element:
    """One global element (a request wrapper) with ``value``'s fields, in schema order."""
    node = etree.Element(element.qname)
    _fill(node, _plan(element.type), value)
    return node


def _fill(node: etree._Element, plan: tuple[_Field, ...], value: Mapping[str, Any]) -> None:
    if not isinstance(value, Mapping):
        raise RenderError(f"{etree.QName(node).localname}: samengesteld veld verwacht")
    used = 0
    for field in plan:
        if field.name not in value:
            continue
        used += 1
        item = value[field.name]
        items = item if isinstance(item, (list, tuple)) else (item,)
        if len(items) > 1 and not field.multiple:
            raise RenderError(f"{field.name}: maar één waarde toegestaan")
        for one in items:
            if one is None:
                continue
            sub = etree.SubElement(node, field.qname)
            if field.plan is not None:
                _fill(sub, field.plan, one)
            else:
                assert field.xmlvalue is not None
                sub.text = field.xmlvalue(one)
    if used < len(value):
        known = {f.name for f in plan}
        raise RenderError(f"{etree.QName(node).localname}: onbekende velden "
                          f"{', '.join(sorted(k for k in value if k not in known))}")


def fast_serializer(message: SoapMessage) -> Callable[..., SerializedMessage]:
    """A drop-in for ``message.serialize`` (keyword payloads, no SOAP headers of zeep's own)."""
    nsmap = {"soap-env": message.nsmap["soap-env"], **message.wsdl.types._prefix_map_custom}
    soap = ElementMaker(namespace=message.nsmap["soap-env"], nsmap=nsmap)
    soapaction = message.operation.soapaction
    headers = {"SOAPAction": f'"{soapaction}"' if soapaction else '""'}
    body_element = message.body

    def serialize(*args: Any, **kwargs: Any) -> SerializedMessage:
        if args or "_soapheaders" in kwargs:
            raise RenderError("alleen velden als trefwoorden")
        envelope = soap.Envelope()
        body = soap.Body()
        envelope.append(body)
        body.append(render_element(body_element, kwargs))
        return SerializedMessage(path=None, headers=dict(headers), content=envelope)

    return serialize


def install(binding: Any) -> None:
    """Use the fast renderer for every operation's request of a zeep SOAP binding.

    zeep's own WS-Addressing pass (triggered by the WSDL's ``wsam:Action``) is switched off too:
    ``client.AddressingPlugin`` writes the Edukoppeling headers and would only remove zeep's again.
    """
    for operation in binding._operations.values():
        operation.abstract.wsa_action = None
        message = operation.input
        if isinstance(message, SoapMessage) and message.body is not None \
                and not message._is_body_wrapped:
            message.serialize = fast_serializer(message)
