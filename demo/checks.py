"""What the demo checks at the end: every melding delivered, intentionally not, or held by the
completeness gate on purpose (and then not delivered); no duplicates at DUO; every mail decrypts
with its receiver's key and carries a valid school signature; every document received is valid
against its published schema and leaves no legal field empty (``demo.received``); the audit chain
verifies. Each problem is one Dutch sentence."""

from __future__ import annotations

import email
import email.policy
import email.utils
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from adapters.mail import smime
from demo.after import AfterDelivery, alert_entries
from demo.figures import compare_figures
from demo.legal import Sent
from demo.progress import DemoFailure
from demo.received import Received, check_duo_body, check_mail_entity
from demo.services import Pki
from gateway.delivery.document.schema import VZ, hardened_parser
from gateway.domain import receiver_status as rs
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import ACTIVE, OutboxState
from gateway.store import Store, audit
from gateway.store.face_tables import feedback
from gateway.store.schema import audit_log, meldingen, outbox

DELIVERED = {State.ONTVANGEN, State.IN_BEHANDELING, State.AFGESLOTEN, State.TER_KENNISGEVING}
INTENTIONALLY_NOT = {State.INTERN, State.INGETROKKEN}


@dataclass
class MailFile:
    """One received mail: its file, the melding it carries and whether it opened correctly."""

    path: Path
    message_id: str
    recipients: tuple[str, ...]
    decrypted: bool = False
    signature_valid: bool = False
    problem: str = ""


@dataclass
class Findings:
    """The end checks: problems (Dutch) and the counts the summary shows."""

    problems: list[str] = field(default_factory=list)
    duo_kenmerken: Counter[str] = field(default_factory=Counter)
    duo_withdrawals: int = 0
    mails: list[MailFile] = field(default_factory=list)
    audit_entries: int = 0
    received: Received = field(default_factory=Received)
    held: dict[str, list[str]] = field(default_factory=dict)  # melding id -> the fields it waits for
    figures: dict[str, Counter[str]] = field(default_factory=dict)  # school or region -> hand count

    def mail_ids(self) -> set[str]:
        """The ids of the meldingen the mails carried."""
        return {m.message_id for m in self.mails}


def duo_payloads(duo_dir: Path) -> Iterable[tuple[Path, etree._Element]]:
    """Each saved request body (the payload of the SOAP Body) with its parsed root."""
    for path in sorted(duo_dir.glob("*.xml")):
        yield path, etree.fromstring(path.read_bytes(), hardened_parser())


def check_duo(duo_dir: Path, findings: Findings, sent: dict[str, Sent]) -> None:
    """Count MeldenVerzuim documents per kenmerk (a kenmerk twice is a duplicate at DUO); each body
    valid against the V2 XSD, each melding complete."""
    for path, root in duo_payloads(duo_dir):
        check_duo_body(path, root, sent, findings.received)
        operation = etree.QName(root).localname
        kenmerk = root.findtext(f"{{{VZ}}}bedrijfsdocument/{{{VZ}}}identificatiecodeBedrijfsdocument")
        if operation == "MeldenVerzuimRequest" and kenmerk:
            findings.duo_kenmerken[kenmerk] += 1
        elif operation == "IntrekkenMeldingRequest":
            findings.duo_withdrawals += 1
        elif operation not in ("OpvragenStatuswijzigingenRequest",):
            findings.problems.append(f"{path.name}: onverwacht bericht {operation} bij DUO")
    doubles = sorted(k for k, n in findings.duo_kenmerken.items() if n > 1)
    if doubles:
        findings.problems.append(f"{len(doubles)} melding(en) kwamen meer dan eens binnen bij DUO: "
                                 + ", ".join(doubles[:5]))


def _desk_files(pki: Pki) -> dict[str, tuple[x509.Certificate, rsa.RSAPrivateKey]]:
    """Receiving desks by mailbox: their certificate and private key (the receiving side)."""
    by_address: dict[str, tuple[x509.Certificate, rsa.RSAPrivateKey]] = {}
    for files in pki.desks.values():
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise DemoFailure(f"{files.key}: geen RSA-sleutel")
        for address in cert.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value.get_values_for_type(x509.RFC822Name):
            by_address[address.lower()] = (cert, key)
    return by_address


def check_mail(mail_dir: Path, pki: Pki, findings: Findings, latest: date) -> None:
    """Open every mail with each addressed desk's key, check the school's signature and the
    attachments (once per mail)."""
    desks = _desk_files(pki)
    school_certs = [x509.load_pem_x509_certificate(f.cert.read_bytes()) for f in pki.schools.values()]
    for path in sorted(mail_dir.glob("*.eml")):
        raw = path.read_bytes()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        addresses = tuple(a.lower() for _, a in email.utils.getaddresses([str(message.get("To", ""))]))
        mail = MailFile(path, str(message.get("Message-ID", "")).strip("<>").split("@")[0], addresses)
        findings.mails.append(mail)
        desk_addresses = [a for a in addresses if a in desks]
        if not desk_addresses:
            mail.problem = "geen bekende ontvanger"
            findings.problems.append(f"{path.name}: gericht aan onbekende ontvanger {', '.join(addresses)}")
            continue
        for address in desk_addresses:
            cert, key = desks[address]
            try:
                inner = smime.decrypt(raw, cert, key)
            except smime.SmimeError as exc:
                mail.problem = str(exc)
                findings.problems.append(f"{path.name}: niet te ontsleutelen door {address}: {exc}")
                break
            mail.decrypted = True
            verdicts = [smime.verify(inner, school) for school in school_certs]
            mail.signature_valid = any(v.valid for v in verdicts)
            if not mail.signature_valid:
                findings.problems.append(f"{path.name}: handtekening van de school klopt niet")
                break
            if address == desk_addresses[0]:
                check_mail_entity(path, inner, latest, findings.received)


def sent_meldingen(store: Store, latest: date) -> dict[str, Sent]:
    """What the gateway knows of each melding that its document does not say (by melding id)."""
    with store.read() as conn:
        rows = conn.execute(sa.select(meldingen.c.id, meldingen.c.rule, meldingen.c.trigger_date)).all()
    return {r.id: Sent(r.rule, r.trigger_date, latest) for r in rows}


def check_held(store: Store, findings: Findings, held: set[str]) -> None:
    """The meldingen the coördinator left incomplete: still in the review queue with what they miss
    named, their outbox rows held, and never received by DUO or by mail."""
    with store.read() as conn:
        rows = conn.execute(sa.select(meldingen.c.id, meldingen.c.status, meldingen.c.missing)
                            .where(meldingen.c.id.in_(sorted(held)))).all()
        states = conn.execute(sa.select(outbox.c.melding_id, outbox.c.state)
                              .where(outbox.c.melding_id.in_(sorted(held)))).all()
    for row in rows:
        missing = json.loads(row.missing or "[]")
        if State(row.status) is State.CONCEPT and missing:
            findings.held[row.id] = missing
        elif State(row.status) is not State.INGETROKKEN:
            findings.problems.append(f"melding {row.id} is onvolledig gelaten maar staat op '{row.status}' "
                                     f"(ontbreekt volgens de poort: {', '.join(missing) or 'niets'})")
    for state in states:
        if state.state not in (OutboxState.HELD, OutboxState.CANCELLED):
            findings.problems.append(f"onvolledige melding {state.melding_id}: verzending staat op "
                                     f"'{state.state}' in plaats van vastgehouden")
    leaked = sorted(held & (set(findings.duo_kenmerken) | findings.mail_ids()))
    findings.problems += [f"onvolledige melding {m} is toch afgeleverd" for m in leaked]


def check_meldingen(store: Store, findings: Findings, held: set[str]) -> None:
    """Every melding delivered or intentionally not (or held on purpose); DUO holds no melding that
    went by mail."""
    with store.read() as conn:
        rows = conn.execute(sa.select(meldingen.c.id, meldingen.c.rule, meldingen.c.route,
                                      meldingen.c.status, meldingen.c.last_error)).all()
        open_rows = conn.execute(sa.select(outbox.c.melding_id, outbox.c.state, outbox.c.last_error)
                                 .where(outbox.c.state.in_((*ACTIVE, OutboxState.DEAD)))).all()
    mail_ids = {m.message_id for m in findings.mails}
    for row in rows:
        state = State(row.status)
        if row.id in held:
            continue  # check_held
        if state not in DELIVERED | INTENTIONALLY_NOT:
            findings.problems.append(f"melding {row.id} ({row.rule}) staat op '{state.value}': "
                                     f"niet afgeleverd ({row.last_error or 'geen foutmelding'})")
            continue
        if state in DELIVERED and row.route == "duo" and row.id not in findings.duo_kenmerken:
            findings.problems.append(f"melding {row.id} ({row.rule}) staat als afgeleverd bij DUO, "
                                     "maar DUO heeft haar niet ontvangen")
        if row.route == "mail":
            if row.id in findings.duo_kenmerken:
                findings.problems.append(f"melding {row.id} ({row.rule}) ging per mail en staat ook bij DUO")
            if state in DELIVERED and row.id not in mail_ids:
                findings.problems.append(f"melding {row.id} ({row.rule}) staat als verstuurd per mail, "
                                         "maar er is geen mail van")
    for pending in open_rows:
        if pending.melding_id in held and pending.state == OutboxState.HELD:
            continue
        findings.problems.append(f"outbox van melding {pending.melding_id} staat nog op '{pending.state}' "
                                 f"({pending.last_error or 'geen foutmelding'})")


def check_audit(store: Store, findings: Findings) -> None:
    """The hash chain of the audit log verifies from the first entry to the head."""
    result = audit.verify(store)
    findings.audit_entries = result.entries
    if not result.ok:
        findings.problems.append(f"auditlog klopt niet bij regel {result.first_broken}: {result.problem}")


def run_checks(store: Store, workdir: Path, pki: Pki, *, held: set[str], latest: date) -> Findings:
    """All end checks over the store and the files the demo left; ``held`` are the meldingen left
    incomplete on purpose, ``latest`` the demo's last day (no contact attempt after it)."""
    findings = Findings()
    check_duo(workdir / "duo", findings, sent_meldingen(store, latest))
    check_mail(workdir / "mail", pki, findings, latest)
    check_meldingen(store, findings, held)
    check_held(store, findings, held)
    check_audit(store, findings)
    findings.problems += findings.received.problems
    return findings


def check_polling(after: AfterDelivery) -> list[str]:
    """DUO's statuses arrived by polling: In behandeling in the first round, Afgesloten in a later
    one, and no poll failed."""
    problems = [f"statusopvraging bij DUO mislukt in ronde {n}" for n, r in enumerate(after.polls, start=1)
                if r.result.failed]
    seen = [r.statuses for r in after.polls]
    if not seen or not seen[0][rs.IN_BEHANDELING]:
        problems.append("de eerste statusopvraging bracht geen enkele melding 'In behandeling' van DUO")
    if not any(s[rs.AFGESLOTEN] for s in seen[1:]):
        problems.append("een latere statusopvraging bracht geen enkele melding 'Afgesloten' van DUO")
    return problems


def check_late(store: Store, after: AfterDelivery) -> list[str]:
    """The silent receiver is flagged, each alert is in the audit log once, a second check adds none."""
    late = after.late
    if late is None or not late.alerts:
        return ["geen enkele ontvanger is als te laat gesignaleerd"]
    problems = [f"de ontvanger bleef stil over {m}, maar is niet als te laat gesignaleerd"
                for m in after.silent() if m not in {x.melding_id for x in late.alerts}]
    if late.again:
        problems.append(f"een tweede controle signaleerde {late.again} ontvanger(s) opnieuw")
    problems += [f"signalering {action} van melding {subject} staat {n} keer in het auditlog"
                 for (subject, action), n in alert_entries(store).items() if n != 1]
    return problems


def check_reports(store: Store, after: AfterDelivery) -> list[str]:
    """The repeated outcome is kept and audited once; started outcomes carry their date; the
    gemeente's closing carries the Besluit's codes and its contactpersoon."""
    reports, problems = after.reports, []
    with store.read() as conn:
        rows = conn.execute(sa.select(feedback.c.melding_id, feedback.c.status, feedback.c.started_on,
                                      feedback.c.reden, feedback.c.toelichting_afsluiting,
                                      feedback.c.contactpersoon)).all()
        audited = conn.scalar(sa.select(sa.func.count()).select_from(audit_log).where(
            audit_log.c.action == "terugkoppeling", audit_log.c.subject == reports.repeated,
            audit_log.c.actor.like("ontvanger:%")))
    kept = [r for r in rows if r.melding_id == reports.repeated]
    if not reports.repeated or len(kept) != 1 or audited != 1 or not reports.repeated_same:
        problems.append(f"de twee keer gestuurde uitkomst op {reports.repeated or '(geen)'} staat "
                        f"{len(kept)} keer bewaard en {audited} keer in het auditlog")
    problems += [f"uitkomst '{r.status}' op {r.melding_id} is bewaard zonder startdatum" for r in rows
                 if rs.normalise(r.status) in rs.STARTED_OUTCOMES and r.started_on is None]
    closing = [r for r in rows if r.melding_id == reports.closed]
    if reports.closed_state != State.AFGESLOTEN.value or not closing or not all(
            r.reden and r.toelichting_afsluiting and r.contactpersoon for r in closing):
        problems.append(f"de afsluiting door de gemeente ({reports.closed or 'geen'}) is niet bewaard met "
                        "reden, toelichting en contactpersoon")
    return problems


def check_follow_up(after: AfterDelivery) -> list[str]:
    """A second no-show determination linked to its first, contact tasks (one closed), the student
    without a timetable listed."""
    found, problems = after.followup, []
    if not any(s.linked for s in found.seconds):
        problems.append("er is geen tweede no-show-vaststelling die naar de eerste melding verwijst")
    if not found.tasks:
        problems.append("er zijn geen contacttaken voor no-shows gemaakt")
    elif not found.closed_task:
        problems.append("er was geen open contacttaak om met een contactpoging te sluiten")
    if not any(found.unscheduled.values()):
        problems.append("geen enkele student zonder rooster staat op de lijst 'nog niet ingeroosterd'")
    return problems


def check_after_delivery(store: Store, after: AfterDelivery, findings: Findings, *, as_of: date,
                         now: datetime) -> None:
    """The receiving side: polled statuses, late receivers, the reports kept once, the follow-up,
    and the monitor's figures equal to a hand count from the raw rows (``now``: naive UTC)."""
    findings.figures, differences = compare_figures(store, as_of, now)
    findings.problems += (check_polling(after) + check_late(store, after) + check_reports(store, after)
                          + check_follow_up(after) + differences)
