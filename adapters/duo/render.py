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


def render_element(element: Any, value: Mapping[str, Any]) -> etree._Element:
    """One global element (a request wrapper) with ``value``'s fields, in schema order."""
    node = etree.Element(element.qname)
    _fill(node, element.type, value)
    return node


def _fill(node: etree._Element, xsd_type: Any, value: Mapping[str, Any]) -> None:
    if not isinstance(value, Mapping):
        raise RenderError(f"{etree.QName(node).localname}: samengesteld veld verwacht")
    remaining = set(value)
    indicator = getattr(xsd_type, "_element", None)
    if indicator is not None:
        _children(node, indicator, value, remaining)
    if remaining:
        raise RenderError(f"{etree.QName(node).localname}: onbekende velden "
                          f"{', '.join(sorted(remaining))}")


def _children(node: etree._Element, indicator: Any, value: Mapping[str, Any],
              remaining: set[str]) -> None:
    if isinstance(indicator, Group):
        _children(node, indicator.child, value, remaining)
        return
    if not isinstance(indicator, OrderIndicator):
        raise RenderError(f"schema-onderdeel {type(indicator).__name__} niet ondersteund")
    for child in indicator:
        if isinstance(child, (OrderIndicator, Group)):
            _children(node, child, value, remaining)
            continue
        name = child.name
        if name not in value:
            continue
        remaining.discard(name)
        item = value[name]
        items = item if isinstance(item, (list, tuple)) else [item]
        if len(items) > 1 and not child.accepts_multiple:
            raise RenderError(f"{name}: maar één waarde toegestaan")
        for one in items:
            if one is None:
                continue
            sub = etree.SubElement(node, child.qname)
            if isinstance(child.type, ComplexType):
                _fill(sub, child.type, one)
            else:
                sub.text = child.type.xmlvalue(one)


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
    """Use the fast renderer for every operation's request of a zeep SOAP binding."""
    for operation in binding._operations.values():
        message = operation.input
        if isinstance(message, SoapMessage) and message.body is not None \
                and not message._is_body_wrapped:
            message.serialize = fast_serializer(message)
