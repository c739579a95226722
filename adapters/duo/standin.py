"""A local stand-in of DUO's Verzuimloket: a raw ASGI app served by uvicorn over mutual TLS.

It checks what DUO would check (a TLS client certificate of an allowed gateway OIN, hardened
parsing, XSD, WS-Addressing with ?oin=, the WS-Security signature made with that same
certificate), registers meldingen with a meldingsnummer, answers a repeated MessageID with the
original answer, moves statuses on over time, and has fault-injection knobs (latency, 503s,
dropped connections, SOAP faults, unreadable answers) adjustable at run time, from Python or
through ``POST /_admin/faults``.

It speaks both versions of the contract: a request is answered in the schema version (namespace)
it was written in, so meldingen sent as version 1 before the gateway moved to version 2 still
register, withdraw and report their status. What a melding carried is kept
(``Registration.document``) and shown by ``GET /_admin/meldingen``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from adapters.duo.codes import OPEN_END_ALLOWED
from adapters.duo.received import document_data
from adapters.duo.security import SignatureInvalid, Signer, Verifier
from adapters.duo.standin_status import (
    DUO_STATUSES,
    Registration,
    StatusPlan,
    StatusSet,
)
from adapters.duo.xmlsafe import (
    ANONYMOUS,
    MAX_MESSAGE_BYTES,
    SOAP_ENV,
    WSA,
    WSSE,
    UnsafeXml,
    actions,
    parse_untrusted,
    wsdl_path,
)
from gateway.delivery.document.schema import (
    VZ,
    VZ_V1,
    hardened_parser,
    validate,
    version_of,
)
from gateway.domain.identity import elfproef
from gateway.domain.oin import certificate_oin, is_oin

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# The contract version of a schema namespace, as the inspection endpoint names it.
VERSIONS = {VZ_V1: "V1", VZ: "V2"}
# The schemas as text, to see whether a status answer may carry the Besluit's closing codes.


# Counting knobs in the order they are tried, with the fault each injects: 503 or dropping
# before processing, a SOAP fault (``soap_fault``), dropping or garbling the answer after it.
COUNTED_FAULTS = (
    ("unavailable_503", "503"),
    ("drop_before", "drop"),
    ("soap_fault_count", "fault"),
    ("drop_after", "drop_after"),
    ("garbage_after", "garbage_after"),
)


@dataclass
class Faults:
    """Fault-injection knobs; counters go down by one for each request they hit."""

    latency: float = 0.0
    unavailable_503: int = 0
    outage_until: float = 0.0  # time.monotonic() deadline: answer 503 or drop until then
    drop_before: int = 0  # close the connection without processing
    drop_after: int = 0  # process (register), then close without answering
    garbage_after: int = 0  # process (register), then answer 200 with a body that is not XML
    soap_fault: str | None = None  # Digikoppeling fault code to answer with
    soap_fault_count: int = 0

    def take(self, *, odd_request: bool) -> str | None:
        """The fault to inject into this request, if any (a counter it hits goes down by one)."""
        if self.outage_until and time.monotonic() < self.outage_until:
            return "503" if odd_request else "drop"
        for knob, action in COUNTED_FAULTS:
            left = getattr(self, knob)
            if left > 0 and (knob != "soap_fault_count" or self.soap_fault):
                setattr(self, knob, left - 1)
                return action
        return None

    def outage(self, seconds: float) -> None:
        """Answer every request with 503 or a dropped connection for ``seconds``."""
        self.outage_until = time.monotonic() + seconds

    def update(self, values: dict[str, Any]) -> None:
        """Set knobs from a mapping (the admin endpoint); unknown names are refused."""
        for name, value in values.items():
            if name == "outage_seconds":
                self.outage(float(value))
            elif name in self.__dataclass_fields__:
                setattr(self, name, value)
            else:
                raise ValueError(f"onbekende knop {name}")


@dataclass
class StandinConfig:
    """What the stand-in trusts and how it behaves."""

    server_cert: Path
    server_key: Path
    ca: Path
    duo_oin: str
    # OINs whose TLS client certificate may call: a certificate from the CA alone is not enough
    # (DUO knows which parties connect), and the WS-Security signer must be that certificate.
    gateway_oins: frozenset[str]
    save_dir: Path | None = None
    # Statuses move Geregistreerd -> In behandeling -> Afgesloten one ``status_step`` apart, or
    # after the two explicit times when either is given (None: that status is never reached).
    status_step: timedelta | None = timedelta(minutes=1)
    in_behandeling_after: timedelta | None = None
    afgesloten_after: timedelta | None = None
    # The Besluit's codes an Afgesloten melding carries (receiver_status.REDENEN_AFGESLOTEN,
    # TOELICHTINGEN_AFSLUITING).
    closing_reden: str = "terug_naar_school"
    closing_toelichting: str = "gezien_door_gemeente"
    max_bytes: int = MAX_MESSAGE_BYTES
    # Threads that check and answer SOAP requests next to the event loop. The costly steps
    # (xmlsec verification, XSD validation, RSA signing) release the GIL, so two threads use
    # a second core while the loop keeps doing TLS and HTTP.
    workers: int = 2

    def status_plan(self) -> StatusPlan:
        """How statuses move on over time by the stand-in's clock."""
        return StatusPlan.timed(step=self.status_step, in_behandeling_after=self.in_behandeling_after,
                                afgesloten_after=self.afgesloten_after, reden=self.closing_reden,
                                toelichting=self.closing_toelichting)


@dataclass(frozen=True)
class _Request:
    """One SOAP request as read: the body, the SOAPAction header and the TLS client certificate."""

    body: bytes
    soap_action: str | None
    client_cert: bytes


@dataclass(frozen=True)
class Addressing:
    """The checked WS-Addressing headers of a request."""

    action: str
    message_id: str
    school_oin: str


class Fault(Exception):
    """A Digikoppeling SOAP fault to answer with."""

    def __init__(self, code: str, text: str, client: bool = True) -> None:
        self.code = code
        self.text = text
        self.client = client
        self.namespace = VZ  # the schema version of the request, once known
        super().__init__(f"{code}: {text}")


@dataclass
class Stats:
    """Counters for tests and benchmarks."""

    requests: int = 0
    registered: int = 0
    duplicates: int = 0
    faults: int = 0
    dropped: int = 0
    connections: int = 0  # distinct client connections seen (each one a TLS handshake)
    by_operation: dict[str, int] = field(default_factory=dict)


class VerzuimloketStandin:
    """The ASGI application (state lives here; one instance per server)."""

    def __init__(self, config: StandinConfig,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config = config
        self.clock = clock
        self.faults = Faults()
        self.plan = config.status_plan()
        self.stats = Stats()
        self.registrations: dict[str, Registration] = {}  # by kenmerk
        self._answers: dict[str, bytes] = {}  # answer content by wsa:MessageID
        self._numbers = itertools.count(1)
        self._saved = itertools.count(1)
        self._lock = threading.Lock()
        self._clients: set[tuple[str, int]] = set()
        self._allowed_certs: dict[bytes, bool] = {}  # client certificate (DER) -> allowed
        self._pool = ThreadPoolExecutor(max(1, config.workers), thread_name_prefix="duo-standin")
        # Signatures use real time; ``clock`` drives registrations and statuses only.
        self._signer = Signer(config.server_cert.read_bytes(), config.server_key.read_bytes())
        self._verifier = Verifier(config.ca.read_bytes())
        if config.save_dir:
            config.save_dir.mkdir(parents=True, exist_ok=True)

    # --- ASGI --------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            self.close()
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/_admin/faults" and method == "POST":
            await self._admin(receive, send)
        elif path == "/_admin/status" and method == "POST":
            await self._admin_status(receive, send)
        elif path == "/_admin/stats" and method == "GET":
            # The process's CPU time lets a benchmark split the cost per melding by side.
            report = {**asdict(self.stats), "cpu_seconds": time.process_time()}
            await _respond(send, 200, json.dumps(report).encode(), "application/json")
        elif path == "/_admin/meldingen" and method == "GET":
            await _respond(send, 200, json.dumps(self.inspect()).encode(), "application/json")
        elif method == "GET" and scope.get("query_string", b"") == b"wsdl":
            await _respond(send, 200, wsdl_path().read_bytes(), "text/xml; charset=utf-8")
        elif method == "POST":
            await self._soap(scope, receive, send)
        else:
            await _respond(send, 405, b"alleen POST", "text/plain")

    async def _admin(self, receive: Receive, send: Send) -> None:
        body = await _read_body(receive, 64 * 1024)
        try:
            values = json.loads(body or b"{}")
            with self._lock:
                self.faults.update(values)
        except (ValueError, TypeError) as exc:
            await _respond(send, 400, str(exc).encode(), "text/plain")
            return
        await _respond(send, 200, json.dumps(asdict(self.faults)).encode(), "application/json")

    async def _admin_status(self, receive: Receive, send: Send) -> None:
        """``{"kenmerk", "status", "reden"?, "toelichting"?}``: set a melding's status now."""
        body = await _read_body(receive, 64 * 1024)
        try:
            values = json.loads(body or b"{}")
            self.set_status(str(values["kenmerk"]), str(values["status"]),
                            reden=values.get("reden"), toelichting=values.get("toelichting"))
        except KeyError as exc:
            await _respond(send, 404, f"onbekende melding of veld {exc}".encode(), "text/plain")
            return
        except (ValueError, TypeError, AttributeError) as exc:
            await _respond(send, 400, str(exc).encode(), "text/plain")
            return
        await _respond(send, 200, b'{"ok": true}', "application/json")

    def set_status(self, kenmerk: str, status: str, *, reden: str | None = None,
                   toelichting: str | None = None) -> None:
        """Give a registered melding ``status`` from now on (for tests and the demo); Afgesloten
        without codes gets the configured ones. KeyError for an unknown kenmerk."""
        if status not in DUO_STATUSES:
            raise ValueError(f"onbekende status {status!r}")
        if status == "Afgesloten":
            reden, toelichting = reden or self.plan.reden, toelichting or self.plan.toelichting
        with self._lock:
            registration = self.registrations[kenmerk]
            registration.status_set = StatusSet(status, self.clock(), reden, toelichting)

    def close(self) -> None:
        """Stop the worker threads (the server stops taking requests first)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _soap(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._count_request(scope.get("client"))
        client_cert = _peer_certificate(send)
        if client_cert is None or not self._allowed(client_cert):
            await _respond(send, 403, b"clientcertificaat niet toegestaan",
                           "text/plain; charset=utf-8")
            return
        with self._lock:
            action = self.faults.take(odd_request=bool(self.stats.requests % 2))
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        if action == "503":
            await _respond(send, 503, b"Service Unavailable", "text/plain")
            return
        if action == "drop":
            self._drop(send)
            return
        body = await _read_body(receive, self.config.max_bytes)
        if body is None:
            await _respond(send, 413, b"bericht te groot", "text/plain")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        await self._reply(_Request(body, headers.get("soapaction"), client_cert), action, send)

    async def _reply(self, request: _Request, action: str | None, send: Send) -> None:
        """Answer a request that was read: an injected fault, or the handled answer."""
        if action == "fault" and self.faults.soap_fault:
            await self._send_fault(send, Fault(self.faults.soap_fault, "ingestelde storing",
                                               client=self.faults.soap_fault != "0051"))
            return
        try:
            answer = await asyncio.get_running_loop().run_in_executor(self._pool, self._handle, request)
        except Fault as fault:
            await self._send_fault(send, fault)
            return
        if action == "drop_after":
            self._drop(send)
            return
        if action == "garbage_after":
            answer = b"dit is geen XML"
        await _respond(send, 200, answer, "text/xml; charset=utf-8")

    def _count_request(self, client: Any) -> None:
        with self._lock:
            self.stats.requests += 1
            if client and tuple(client) not in self._clients:
                self._clients.add(tuple(client))
                self.stats.connections += 1

    def _drop(self, send: Send) -> None:
        self.stats.dropped += 1
        _abort(send)

    def _allowed(self, client_cert: bytes) -> bool:
        """Whether the TLS client certificate (DER) carries an allowed gateway OIN."""
        # Decided once per certificate: a pooled connection presents the same one on every request.
        known = self._allowed_certs.get(client_cert)
        if known is None:
            try:
                oin = certificate_oin(x509.load_der_x509_certificate(client_cert))
            except ValueError:
                oin = None
            known = self._allowed_certs[client_cert] = oin in self.config.gateway_oins
        return known

    async def _send_fault(self, send: Send, fault: Fault) -> None:
        with self._lock:
            self.stats.faults += 1
        await _respond(send, 500, fault_envelope(fault), "text/xml; charset=utf-8")

    # --- SOAP processing ---------------------------------------------------------------------

    def _handle(self, request: _Request) -> bytes:
        """Check one request as DUO would and answer it (a ``Fault`` for what DUO refuses)."""
        envelope = _envelope(request.body, self.config.max_bytes)
        header, payload = _header_and_payload(envelope)
        try:
            return self._handle_payload(request, envelope, header, payload)
        except Fault as fault:
            fault.namespace = version_of(payload)  # answered in the version it was asked in
            raise

    def _handle_payload(self, request: _Request, envelope: etree._Element, header: etree._Element,
                        payload: etree._Element) -> bytes:
        addressing = _addressing(header, self.config.duo_oin)
        operation = _operation(payload, addressing.action, request.soap_action)
        try:
            signer_cert, request_signature = self._verifier.verify(envelope)
        except SignatureInvalid as exc:
            raise Fault("0002", f"niet geautoriseerd: {exc}") from exc
        if signer_cert.public_bytes(Encoding.DER) != request.client_cert:
            raise Fault("0002", "niet geautoriseerd: ondertekend met een ander certificaat dan "
                                "het TLS-clientcertificaat")
        error = validate(payload)
        if error:
            raise Fault("0004", f"niet valide volgens XSD: {error}")
        self._save(operation, request.body)
        content = self._process(operation, payload, addressing)
        return self._answer(content, f"{actions(version_of(payload))[operation]}Response",
                            addressing.message_id, request_signature)

    def _process(self, operation: str, payload: etree._Element,
                 addressing: Addressing) -> etree._Element:
        """The answer's content; a repeated MessageID gets the original answer again."""
        with self._lock:
            self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
            previous = self._answers.get(addressing.message_id)
            if previous is not None:
                self.stats.duplicates += 1
                return etree.fromstring(previous, parser=hardened_parser())
            if operation == "MeldenVerzuim":
                content = self._melden(payload, addressing.message_id, addressing.school_oin)
            elif operation == "IntrekkenMelding":
                content = self._intrekken(payload, addressing.school_oin)
            else:
                return self._opvragen(payload, addressing.school_oin)
            self._answers[addressing.message_id] = etree.tostring(content)
            return content

    def _save(self, operation: str, body: bytes) -> None:
        if self.config.save_dir is None:
            return
        name = f"{next(self._saved):05d}-{operation}.xml"
        (self.config.save_dir / name).write_bytes(body)

    def _melden(self, payload: etree._Element, message_id: str,
                school_oin: str) -> etree._Element:
        ns = version_of(payload)
        errors = self._business_header_errors(payload, school_oin) + _melding_errors(payload)
        response = etree.Element(f"{{{ns}}}MeldenVerzuimResponse", nsmap={"vz": ns})
        if errors:
            _verdict(response, errors)
            return response
        kenmerk = payload.findtext(_path(ns, "bedrijfsdocument", "identificatiecodeBedrijfsdocument")) or ""
        existing = self.registrations.get(kenmerk)
        if existing is not None:
            _verdict(response, [("VZ020", f"melding {kenmerk} is al geregistreerd als "
                                          f"{existing.meldingsnummer}")])
            return response
        now = self.clock()
        registration = Registration(
            kenmerk, message_id, school_oin, f"VZ{next(self._numbers):010d}", now,
            payload.findtext(_path(ns, "verzuim", "verzuimsoort")) or "", version=VERSIONS[ns],
            document=document_data(payload))
        self.registrations[kenmerk] = registration
        self.stats.registered += 1
        _verdict(response, [])
        etree.SubElement(response, f"{{{ns}}}meldingsnummer").text = registration.meldingsnummer
        etree.SubElement(response, f"{{{ns}}}status").text = "Geregistreerd"
        etree.SubElement(response, f"{{{ns}}}datumTijdOntvangst").text = now.isoformat()
        return response

    def _intrekken(self, payload: etree._Element, school_oin: str) -> etree._Element:
        ns = version_of(payload)
        errors = self._business_header_errors(payload, school_oin)
        response = etree.Element(f"{{{ns}}}IntrekkenMeldingResponse", nsmap={"vz": ns})
        kenmerk = payload.findtext(f"{{{ns}}}kenmerkMelding") or ""
        registration = self.registrations.get(kenmerk)
        if registration is None or registration.school_oin != school_oin:
            errors.append(("VZ010", f"melding {kenmerk} is niet bekend"))
        elif registration.withdrawn_at is not None:
            errors.append(("VZ011", "melding is al ingetrokken"))
        if errors or registration is None:
            _verdict(response, errors)
            return response
        registration.withdrawn_at = self.clock()
        _verdict(response, [])
        etree.SubElement(response, f"{{{ns}}}meldingsnummer").text = registration.meldingsnummer
        etree.SubElement(response, f"{{{ns}}}status").text = "Ingetrokken"
        return response

    def _opvragen(self, payload: etree._Element, school_oin: str) -> etree._Element:
        ns = version_of(payload)
        errors = self._business_header_errors(payload, school_oin)
        response = etree.Element(f"{{{ns}}}OpvragenStatuswijzigingenResponse", nsmap={"vz": ns})
        _verdict(response, errors)
        if errors:
            return response
        now = self.clock()
        since_text = payload.findtext(f"{{{ns}}}vanafDatumTijd")
        wanted = {el.text for el in payload.findall(f"{{{ns}}}kenmerkMelding")}
        since = datetime.fromisoformat(since_text) if since_text else None
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        with_codes = ns == VZ  # version 2 carries the Besluit's closing codes; version 1 has none
        for registration in self.registrations.values():
            if registration.school_oin != school_oin:
                continue
            seen = registration.status_at(now, self.plan)
            if since is None and registration.kenmerk not in wanted:
                continue
            if since is not None and seen.changed < since:
                continue
            item = etree.SubElement(response, f"{{{ns}}}melding")
            etree.SubElement(item, f"{{{ns}}}kenmerkMelding").text = registration.kenmerk
            etree.SubElement(item, f"{{{ns}}}berichtId").text = registration.message_id
            etree.SubElement(item, f"{{{ns}}}meldingsnummer").text = registration.meldingsnummer
            etree.SubElement(item, f"{{{ns}}}status").text = seen.status
            etree.SubElement(item, f"{{{ns}}}datumTijdStatuswijziging").text = seen.changed.isoformat()
            if with_codes and seen.reden and seen.toelichting:
                etree.SubElement(item, f"{{{ns}}}redenAfsluiting").text = seen.reden
                etree.SubElement(item, f"{{{ns}}}toelichtingAfsluiting").text = seen.toelichting
        return response

    def _business_header_errors(self, payload: etree._Element,
                                school_oin: str) -> list[tuple[str, str]]:
        ns = version_of(payload)
        errors = []
        if payload.findtext(_path(ns, "bedrijfsdocument", "verzendendeInstantie")) != school_oin:
            errors.append(("VZ004", "verzendendeInstantie wijkt af van het OIN in wsa:From"))
        if payload.findtext(_path(ns, "bedrijfsdocument", "ontvangendeInstantie")) != self.config.duo_oin:
            errors.append(("VZ005", "ontvangendeInstantie is niet DUO"))
        return errors

    def _answer(self, content: etree._Element, action: str, relates_to: str,
                request_signature: str) -> bytes:
        envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope",
                                 nsmap={"soapenv": SOAP_ENV, "wsa": WSA})
        header = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
        etree.SubElement(header, f"{{{WSA}}}Action").text = action
        etree.SubElement(header, f"{{{WSA}}}MessageID").text = f"urn:uuid:{uuid.uuid4()}"
        etree.SubElement(header, f"{{{WSA}}}RelatesTo").text = relates_to
        etree.SubElement(header, f"{{{WSA}}}To").text = ANONYMOUS
        etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(content)
        self._signer.sign(envelope, confirm=[request_signature])
        return bytes(etree.tostring(envelope, encoding="utf-8", xml_declaration=True))

    # --- inspection --------------------------------------------------------------------------

    def registration_count(self) -> int:
        """How many meldingen are registered."""
        with self._lock:
            return len(self.registrations)

    def registration(self, kenmerk: str) -> Registration | None:
        """The melding registered under a document id (``kenmerkMelding``), if any."""
        with self._lock:
            return self.registrations.get(kenmerk)

    def inspect(self) -> list[dict[str, Any]]:
        """Every registered melding as plain data: ids, version, status and what it carried."""
        with self._lock:
            return [{"kenmerk": r.kenmerk, "meldingsnummer": r.meldingsnummer, "versie": r.version,
                     "verzuimsoort": r.verzuimsoort, "ingetrokken": r.withdrawn_at is not None,
                     "document": r.document} for r in self.registrations.values()]


def _envelope(body: bytes, limit: int) -> etree._Element:
    try:
        envelope = parse_untrusted(body, limit)
    except UnsafeXml as exc:
        raise Fault("0001", f"ongeldige envelope: {exc}") from exc
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise Fault("0001", "geen SOAP 1.1 Envelope")
    return envelope


def _header_and_payload(envelope: etree._Element) -> tuple[etree._Element, etree._Element]:
    """The Header (only WS-Addressing and WS-Security in it) and the one element in the Body."""
    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    if header is None or body is None or len(body) != 1:
        raise Fault("0001", "Header en Body met precies één element verplicht")
    for child in header:
        if isinstance(child.tag, str) and not child.tag.startswith((f"{{{WSA}}}", f"{{{WSSE}}}")):
            raise Fault("0010", f"header {etree.QName(child).localname} niet toegestaan")
    return header, body[0]


# Digikoppeling fault codes for a missing WS-Addressing header.
_REQUIRED_WSA = (("To", "0005"), ("Action", "0006"), ("MessageID", "0007"))


def _addressing(header: etree._Element, duo_oin: str) -> Addressing:
    """To (DUO's address with ``?oin=``), Action, MessageID and From (the school's OIN)."""
    wsa = {etree.QName(el).localname: el for el in header
           if isinstance(el.tag, str) and el.tag.startswith(f"{{{WSA}}}")}
    values = {name: (wsa[name].text or "").strip() if name in wsa else "" for name, _ in _REQUIRED_WSA}
    for name, code in _REQUIRED_WSA:
        if not values[name]:
            raise Fault(code, f"wsa:{name} ontbreekt")
    if _oin_param(values["To"]) != duo_oin:
        raise Fault("0011", "wsa:To moet ?oin= met het OIN van DUO dragen")
    sender = wsa.get("From")
    from_address = (sender.findtext(f"{{{WSA}}}Address") if sender is not None else None) or ""
    school_oin = _oin_param(from_address)
    if not from_address.lower().startswith(ANONYMOUS) or not school_oin or not is_oin(school_oin):
        raise Fault("0011", "wsa:From moet anonymous?oin=<OIN van de school> zijn")
    return Addressing(values["Action"], values["MessageID"], school_oin)


def _operation(payload: etree._Element, action: str, soap_action: str | None) -> str:
    """The operation the body asks for, which wsa:Action and SOAPAction must name (in the
    contract of the body's schema version)."""
    operation = etree.QName(payload).localname.removesuffix("Request")
    if actions(version_of(payload)).get(operation) != action:
        raise Fault("0003", "wsa:Action past niet bij de operatie")
    if soap_action not in (None, "", '""', action, f'"{action}"'):
        raise Fault("0003", "SOAPAction wijkt af van wsa:Action")
    return operation


def _path(ns: str, *names: str) -> str:
    """An element path of local names in one schema namespace."""
    return "/".join(f"{{{ns}}}{name}" for name in names)


def _melding_errors(payload: etree._Element) -> list[tuple[str, str]]:
    """What DUO refuses in a melding beyond the XSD: identifiers failing the elfproef, a missing
    or earlier einddatum, and in version 2 a melding without the part its seed asks."""
    ns = version_of(payload)
    errors = []
    bsn = payload.findtext(_path(ns, "deelnemer", "bsn"))
    onr = payload.findtext(_path(ns, "deelnemer", "onderwijsnummer"))
    if bsn is not None and not elfproef(bsn):
        errors.append(("VZ001", "BSN voldoet niet aan de elfproef"))
    if onr is not None and not elfproef(onr, onderwijsnummer=True):
        errors.append(("VZ001", "onderwijsnummer voldoet niet aan de elfproef"))
    soort = payload.findtext(_path(ns, "verzuim", "verzuimsoort")) or ""
    begin = payload.findtext(_path(ns, "verzuim", "periode", "begindatum"))
    end = payload.findtext(_path(ns, "verzuim", "periode", "einddatum"))
    if end is None and soort not in OPEN_END_ALLOWED:
        errors.append(("VZ003", f"einddatum is verplicht bij verzuimsoort {soort}"))
    if end is not None and begin is not None and date.fromisoformat(end) < date.fromisoformat(begin):
        errors.append(("VZ002", "einddatum ligt voor begindatum"))
    return errors + (_seed_errors(payload) if ns == VZ else [])


# Version 2: the verzuimsoorten of a student of 18 or older (V4) or of the RMC, whose melding must
# carry seed 002's fields, and those fields.
ADULT_OR_RMC_SOORTEN = frozenset({"V4", "RMC"})
RMC_ELEMENTS = ("zorgen", "afspraken", "gevraagdVanRmc")


def _seed_errors(payload: etree._Element) -> list[tuple[str, str]]:
    """What a version 2 melding must carry beyond the XSD: a no-show its nietVerschenen part
    (seed 000), an 18+ or RMC melding the concerns, agreements and question to the RMC (seed 002)."""
    errors = []
    aanleiding = payload.findtext(_path(VZ, "verzuim", "aanleiding"))
    if aanleiding == "NO_SHOW" and payload.find(_path(VZ, "nietVerschenen")) is None:
        errors.append(("VZ006", "no-show zonder datum aanmelding, contactpogingen en contactgegevens"))
    soort = payload.findtext(_path(VZ, "verzuim", "verzuimsoort"))
    missing = [name for name in RMC_ELEMENTS if payload.find(_path(VZ, "verzuim", name)) is None]
    if soort in ADULT_OR_RMC_SOORTEN and missing:
        errors.append(("VZ007", f"melding 18+/RMC zonder {', '.join(missing)}"))
    return errors


def _verdict(response: etree._Element, errors: list[tuple[str, str]]) -> None:
    ns = etree.QName(response).namespace
    etree.SubElement(response, f"{{{ns}}}requestGoedgekeurd").text = "false" if errors else "true"
    for code, text in errors:
        item = etree.SubElement(response, f"{{{ns}}}foutmelding")
        etree.SubElement(item, f"{{{ns}}}foutcode").text = code
        etree.SubElement(item, f"{{{ns}}}fouttekst").text = text


def fault_envelope(fault: Fault) -> bytes:
    """A SOAP 1.1 fault with the Digikoppeling code in ``detail/foutdetail`` (in the schema
    version of the request)."""
    ns = fault.namespace
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "vz": ns})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    element = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = "soapenv:Client" if fault.client \
        else "soapenv:Server"
    etree.SubElement(element, "faultstring").text = fault.text
    detail = etree.SubElement(etree.SubElement(element, "detail"), f"{{{ns}}}foutdetail")
    etree.SubElement(detail, f"{{{ns}}}foutcode").text = fault.code
    etree.SubElement(detail, f"{{{ns}}}fouttekst").text = fault.text
    return bytes(etree.tostring(envelope, encoding="utf-8", xml_declaration=True))


def _oin_param(address: str) -> str | None:
    """The ``oin`` query parameter of an address (case-insensitive name)."""
    _, _, query = address.partition("?")
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name.lower() == "oin":
            return value
    return None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _transport(send: Send) -> asyncio.Transport | None:
    """The connection of a request (uvicorn's cycle exposes it; ASGI has no TLS details)."""
    return getattr(getattr(send, "__self__", None), "transport", None)


def _abort(send: Send) -> None:
    """Drop the connection without an answer."""
    transport = _transport(send)
    if transport is not None:
        transport.abort()


def _peer_certificate(send: Send) -> bytes | None:
    """The TLS client certificate (DER) of the request's connection; None when unknown."""
    transport = _transport(send)
    tls = transport.get_extra_info("ssl_object") if transport is not None else None
    if not isinstance(tls, ssl.SSLObject | ssl.SSLSocket):
        return None
    return tls.getpeercert(binary_form=True)


# --- running it ------------------------------------------------------------------------------


@dataclass
class RunningStandin:
    """A stand-in served in a background thread: its URL, app (knobs, state) and stop handle."""

    url: str
    app: VerzuimloketStandin
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def faults(self) -> Faults:
        """The fault-injection knobs (adjust at run time)."""
        return self.app.faults

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout)
        self.app.close()


def server_ssl_context(config: StandinConfig) -> ssl.SSLContext:
    """Server TLS: TLS 1.2+, client certificates required and checked against the CA."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(config.server_cert), str(config.server_key))
    ctx.load_verify_locations(cafile=str(config.ca))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def make_server(app: VerzuimloketStandin, host: str = "127.0.0.1",
                port: int = 0) -> tuple[uvicorn.Server, socket.socket]:
    """A uvicorn server for ``app`` on a socket bound now (port 0: a free ephemeral port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted ones
    sock.bind((host, port))
    sock.listen(512)
    cfg = app.config
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False,
                            ssl_certfile=str(cfg.server_cert), ssl_keyfile=str(cfg.server_key),
                            ssl_ca_certs=str(cfg.ca), ssl_cert_reqs=ssl.CERT_REQUIRED,
                            http="h11", timeout_keep_alive=30)
    config.load()
    config.ssl = server_ssl_context(cfg)
    return uvicorn.Server(config), sock


def start_standin(config: StandinConfig, host: str = "127.0.0.1", port: int = 0,
                  clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                  path: str = "/verzuimloket/v1") -> RunningStandin:
    """Serve a stand-in in a background thread; returns at once with its bound URL."""
    app = VerzuimloketStandin(config, clock=clock)
    server, sock = make_server(app, host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="duo-standin", daemon=True)
    thread.start()
    name = "localhost" if bound_host == "127.0.0.1" else bound_host
    return RunningStandin(f"https://{name}:{bound_port}{path}", app, server, thread)

