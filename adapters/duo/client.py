"""The zeep client: an httpx transport over mutual TLS, and the project's own plugins.

Per call the channel sets a ``CallContext`` (a context variable, so threads do not mix calls)
holding the request body it rendered from the schema (``gateway.delivery.document.render``). zeep
is extended only through its public hooks: it is asked for the operation with each complex part
of the payload as ``zeep.xsd.SkipValue`` (so its serialiser writes little more than the request
element), the document
plugin puts the rendered body in that element's place, the addressing plugin writes the
Edukoppeling WS-Addressing headers, the validation plugin checks the body against the XSD, and
``WsSecurity`` (zeep's ``wsse`` hook) signs the result and verifies the answer (including
SignatureConfirmation and RelatesTo).
"""

from __future__ import annotations

import contextvars
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
from lxml import etree
from zeep import Client, Plugin, Settings, Transport
from zeep.xsd import SkipValue

from adapters.duo.security import (
    SignatureInvalid,
    Signer,
    Verifier,
    confirmations,
)
from adapters.duo.xmlsafe import ANONYMOUS, CONTRACT, SOAP_ENV, WSA, contract_file, wsdl_path
from gateway.delivery.document.schema import validate
from gateway.delivery.document.xmlsafe import DTD_REFUSED, declares_doctype
from gateway.domain.oin import certificate_oin
from gateway.intake.limited_read import AnswerTooLarge, read_limited

BINDING = f"{{{CONTRACT}}}VerzuimloketBinding"
# A Verzuimloket answer is a few KiB; anything near this size is broken or hostile.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


@dataclass
class CallContext:
    """What one SOAP call needs beyond zeep's arguments (its addressing, the rendered body),
    and what came back."""

    to: str
    from_oin: str
    message_id: str
    body: etree._Element
    sent_signature: str | None = None
    response_headers: dict[str, str] = field(default_factory=dict)


CURRENT_CALL: contextvars.ContextVar[CallContext] = contextvars.ContextVar("duo_call")


class RequestInvalid(Exception):
    """The outgoing body does not validate against the service XSD."""


class ResponseInvalid(Exception):
    """The answer failed a check: signature, confirmation, or RelatesTo."""


class ResponseTooLarge(Exception):
    """The answer is larger than the client accepts; it was not read to the end."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"antwoord groter dan {limit} bytes")


class HttpStatusError(Exception):
    """The service answered with an HTTP error status and no SOAP envelope."""

    def __init__(self, status_code: int, text: str) -> None:
        self.status_code = status_code
        self.text = text
        super().__init__(f"HTTP {status_code}")


def oin_address(base: str, oin: str) -> str:
    """An address with the Edukoppeling ``?oin=`` suffix."""
    return f"{base}{'&' if '?' in base else '?'}oin={oin}"


def zeep_arguments(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload for zeep's serialiser with every complex part as ``SkipValue``: zeep then writes
    just the request element and its few simple fields (it still refuses a payload that lacks a
    required part). The document plugin replaces that element by the full rendered body."""
    return {name: SkipValue if isinstance(value, Mapping) else value
            for name, value in payload.items()}


class DocumentPlugin(Plugin):
    """Puts the body rendered for this call in place of the request element zeep wrote (which has
    its simple fields only)."""

    def egress(self, envelope: etree._Element, http_headers: dict[str, str],
               operation: Any, binding_options: Any) -> tuple[etree._Element, dict[str, str]]:
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        rendered = CURRENT_CALL.get().body
        if body is None or len(body) != 1 or body[0].tag != rendered.tag:
            raise RequestInvalid("SOAP Body past niet bij het verzoek van deze aanroep")
        body.replace(body[0], rendered)
        return envelope, http_headers


class AddressingPlugin(Plugin):
    """WS-Addressing per Edukoppeling 2W-be-S: To/From with ?oin=, stable MessageID, Action.

    zeep writes WS-Addressing headers of its own before the plugins run (the WSDL declares
    ``wsam:Action``), with a random MessageID and no From: they are replaced here.
    """

    def egress(self, envelope: etree._Element, http_headers: dict[str, str],
               operation: Any, binding_options: Any) -> tuple[etree._Element, dict[str, str]]:
        call = CURRENT_CALL.get()
        header = envelope.find(f"{{{SOAP_ENV}}}Header")
        if header is None:
            header = etree.Element(f"{{{SOAP_ENV}}}Header")
            envelope.insert(0, header)
        for old in [el for el in header if isinstance(el.tag, str)
                    and el.tag.startswith(f"{{{WSA}}}")]:
            header.remove(old)
        action = operation.soapaction
        nsmap = {"wsa": WSA}
        etree.SubElement(header, f"{{{WSA}}}Action", nsmap=nsmap).text = action
        etree.SubElement(header, f"{{{WSA}}}MessageID", nsmap=nsmap).text = call.message_id
        etree.SubElement(header, f"{{{WSA}}}To", nsmap=nsmap).text = call.to
        sender = etree.SubElement(header, f"{{{WSA}}}From", nsmap=nsmap)
        etree.SubElement(sender, f"{{{WSA}}}Address").text = oin_address(ANONYMOUS,
                                                                          call.from_oin)
        reply_to = etree.SubElement(header, f"{{{WSA}}}ReplyTo", nsmap=nsmap)
        etree.SubElement(reply_to, f"{{{WSA}}}Address").text = ANONYMOUS
        http_headers["SOAPAction"] = f'"{action}"'
        return envelope, http_headers

    def ingress(self, envelope: etree._Element, http_headers: Any,
                operation: Any) -> tuple[etree._Element, Any]:
        call = CURRENT_CALL.get()
        header = envelope.find(f"{{{SOAP_ENV}}}Header")
        if header is not None:
            for el in header:
                if isinstance(el.tag, str) and el.tag.startswith(f"{{{WSA}}}"):
                    call.response_headers[etree.QName(el).localname] = (el.text or "").strip()
        return envelope, http_headers


class ValidationPlugin(Plugin):
    """Every request body validates against the XSD before it leaves."""

    def egress(self, envelope: etree._Element, http_headers: dict[str, str],
               operation: Any, binding_options: Any) -> tuple[etree._Element, dict[str, str]]:
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        payload = body[0] if body is not None and len(body) else None
        if payload is None:
            raise RequestInvalid("lege SOAP Body")
        error = validate(payload)
        if error:
            raise RequestInvalid(error)
        return envelope, http_headers


class WsSecurity:
    """zeep's wsse hook: sign requests, verify responses (faults carry no outcome: skipped)."""

    def __init__(self, signer: Signer, verifier: Verifier, expected_oin: str | None) -> None:
        self._signer = signer
        self._verifier = verifier
        self._expected_oin = expected_oin

    def apply(self, envelope: etree._Element,
              headers: dict[str, str]) -> tuple[etree._Element, dict[str, str]]:
        """Sign the outgoing envelope and remember its SignatureValue for the confirmation."""
        CURRENT_CALL.get().sent_signature = self._signer.sign(envelope)
        return envelope, headers

    def verify(self, envelope: etree._Element) -> etree._Element:
        """Verify the answer's signature, signer, confirmation and RelatesTo."""
        if envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault") is not None:
            return envelope
        try:
            cert, _ = self._verifier.verify(envelope)
        except SignatureInvalid as exc:
            raise ResponseInvalid(f"antwoord van DUO niet vertrouwd: {exc}") from exc
        if self._expected_oin and certificate_oin(cert) != self._expected_oin:
            raise ResponseInvalid("antwoord ondertekend door een ander dan DUO")
        call = CURRENT_CALL.get()
        if call.sent_signature and call.sent_signature not in confirmations(envelope):
            raise ResponseInvalid("antwoord bevestigt onze handtekening niet")
        relates = envelope.findtext(f"{{{SOAP_ENV}}}Header/{{{WSA}}}RelatesTo")
        if (relates or "").strip() != call.message_id:
            raise ResponseInvalid("antwoord hoort niet bij dit bericht (RelatesTo)")
        return envelope


class HttpxTransport(Transport):
    """zeep transport on one pooled ``httpx.HTTPTransport``; loads WSDL/XSD only from files.

    Requests go straight to the connection pool: ``httpx.Client``'s cookie jar, redirect and
    auth machinery cost CPU on every call and a SOAP endpoint needs none of them. The pool
    still maps transport failures to httpx's exceptions (the channel classifies those).
    """

    def __init__(self, http: httpx.BaseTransport, timeout: httpx.Timeout,
                 headers: Mapping[str, str] | None = None,
                 max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # zeep has no type annotations
        self.http = http
        self.max_response_bytes = max_response_bytes
        self._headers = {**(headers or {}), "Content-Type": 'text/xml; charset="utf-8"'}
        self._extensions = {"timeout": timeout.as_dict()}

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> httpx.Response:
        """POST one envelope; HTTP errors without a SOAP envelope raise ``HttpStatusError``,
        an answer over ``max_response_bytes`` raises ``ResponseTooLarge``, one with a DTD
        ``ResponseInvalid``."""
        request = httpx.Request("POST", address, content=message,
                                headers={**headers, **self._headers},
                                extensions=self._extensions)
        streamed = self.http.handle_request(request)
        try:
            response = read_limited(streamed, self.max_response_bytes, request)
        except AnswerTooLarge as exc:
            raise ResponseTooLarge(exc.limit) from exc
        finally:
            streamed.close()
        media = response.headers.get("content-type", "").split(";")[0].strip()
        is_fault = (response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
                    and media in ("text/xml", "application/soap+xml"))
        if response.status_code >= HTTPStatus.BAD_REQUEST and not is_fault:
            raise HttpStatusError(response.status_code, response.text[:500])
        # zeep parses the answer with a DTD's parameter entities live (it checks for a DOCTYPE
        # only afterwards), so any DOCTYPE is refused here, before zeep sees the answer.
        if declares_doctype(response.content):
            raise ResponseInvalid(f"antwoord van DUO niet gelezen: {DTD_REFUSED}")
        return response

    def post_xml(self, address: str, envelope: etree._Element,
                 headers: dict[str, str]) -> httpx.Response:
        """Serialise without pretty printing (the signature must survive) and POST."""
        return self.post(address, etree.tostring(envelope, encoding="utf-8",
                                                 xml_declaration=True), headers)

    def load(self, url: str) -> bytes:
        """Load the WSDL or the XSD it imports from the package; never over the network."""
        return contract_file(url).read_bytes()



def tls_context(ca_path: Path, cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """Client TLS: TLS 1.2 or later, only the given CA trusted, the gateway certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20")
    ctx.load_verify_locations(cafile=str(ca_path))
    ctx.load_cert_chain(str(cert_path), str(key_path))
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def build_service(transport: HttpxTransport, wsse: WsSecurity, endpoint: str) -> Any:
    """The service proxy of the packaged WSDL at ``endpoint``, with the project's plugins and signer."""
    settings = Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True,
                        forbid_external=True, xsd_ignore_sequence_order=False)
    client = Client(  # type: ignore[no-untyped-call]  # zeep has no type annotations
        str(wsdl_path()), transport=transport, settings=settings, wsse=wsse,
        plugins=[DocumentPlugin(), AddressingPlugin(), ValidationPlugin()],
    )
    return client.create_service(BINDING, endpoint)  # type: ignore[no-untyped-call]  # as above
