"""The summary the demo prints at the end: per rule, per channel, and the verzuimcoördinator's
review (Dutch, for people)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from demo.after import AfterDelivery, follow_up_lines, late_lines, poll_line
from demo.checks import DELIVERED, Findings
from demo.coordinator import Coordination
from demo.figures import figure_lines
from gateway.domain.completeness import describe_missing
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import Operation, OutboxState
from gateway.domain.soort_verzuim import FOLLOW_UP_TITLES, MANUAL_TITLES, UITSCHRIJVING, UITSCHRIJVING_TITLE
from gateway.rules.catalogue import RULE_IDS, RULE_TITLES
from gateway.store import Store
from gateway.store.schema import audit_log, meldingen, outbox

TITLES = {**RULE_TITLES, **FOLLOW_UP_TITLES, **MANUAL_TITLES, UITSCHRIJVING: UITSCHRIJVING_TITLE}
COLUMNS = ("regel", "totaal", "DUO", "mail", "terugval", "intern", "ingetrokken", "teruggekoppeld")


def _table(header: Iterable[str], rows: list[list[str]]) -> list[str]:
    table = [list(header), *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = []
    for n, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def per_rule(store: Store) -> list[str]:
    """One line per rule: how many meldingen, by which route, and what became of them."""
    with store.read() as conn:
        rows = conn.execute(sa.select(meldingen.c.id, meldingen.c.rule, meldingen.c.route,
                                      meldingen.c.status, meldingen.c.receiver_status)).all()
        fallback_ids = set(conn.scalars(sa.select(outbox.c.melding_id).where(outbox.c.parent_id.is_not(None),
                                                                             outbox.c.route == "mail")))
        feedback_ids = set(conn.scalars(sa.select(audit_log.c.subject)
                                        .where(audit_log.c.action == "terugkoppeling")))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        c = counts[row.rule]
        c["totaal"] += 1
        state = State(row.status)
        if state is State.INTERN:
            c["intern"] += 1
        elif state is State.INGETROKKEN:
            c["ingetrokken"] += 1
        elif row.id in fallback_ids:
            c["terugval"] += 1
        elif state in DELIVERED and row.route in ("duo", "mail"):
            c[row.route] += 1
        if row.id in feedback_ids:
            c["teruggekoppeld"] += 1
    order = [*(r for r in RULE_IDS if r in counts), *sorted(set(counts) - set(RULE_IDS))]
    table = [[rule, *(str(counts[rule][k]) for k in ("totaal", "duo", "mail", "terugval", "intern",
                                                      "ingetrokken", "teruggekoppeld"))]
             for rule in order]
    total = Counter[str]()
    for c in counts.values():
        total.update(c)
    table.append(["totaal", *(str(total[k]) for k in ("totaal", "duo", "mail", "terugval", "intern",
                                                       "ingetrokken", "teruggekoppeld"))])
    legend = [f"  {rule}: {TITLES.get(rule, rule)}" for rule in order]
    return ["Per regel (meldingen, signalen en taken):", *_table(COLUMNS, table), "", *legend]


def per_channel(store: Store, findings: Findings) -> list[str]:
    """Per channel: deliveries, withdrawals, retries and fallbacks, as the receivers saw them."""
    with store.read() as conn:
        rows = conn.execute(sa.select(outbox.c.route, outbox.c.operation, outbox.c.state,
                                      outbox.c.attempts, outbox.c.parent_id)).all()
    retried = sum(1 for r in rows if r.route == "duo" and r.state == OutboxState.DONE and r.attempts > 1)
    fallbacks = sum(1 for r in rows if r.route == "mail" and r.parent_id is not None)
    duo_done = sum(1 for r in rows
                   if r.route == "duo" and r.operation == Operation.DELIVER and r.state == OutboxState.DONE)
    mail_done = sum(1 for r in rows if r.route == "mail" and r.state == OutboxState.DONE)
    opened = sum(1 for m in findings.mails if m.decrypted and m.signature_valid)
    return [
        "Per kanaal:",
        f"  DUO (SOAP, mutual TLS): {duo_done} meldingen afgeleverd ({len(findings.duo_kenmerken)} "
        f"verschillende bij DUO, geen dubbele), {findings.duo_withdrawals} intrekking(en), "
        f"{retried} na een storing opnieuw geprobeerd en alsnog afgeleverd",
        f"  Mail (S/MIME, SMTP): {mail_done} verzonden, waarvan {fallbacks} als terugval voor DUO; "
        f"{opened} van {len(findings.mails)} mails ontsleuteld door de ontvanger met geldige handtekening",
        f"  Ontvangen documenten: {findings.received.duo_valid} SOAP-berichten en "
        f"{findings.received.xml_valid} melding.xml geldig volgens de XSD (V2), "
        f"{findings.received.json_valid} melding.json geldig volgens het JSON Schema; "
        f"{findings.received.complete} afgeleverde meldingen zonder leeg wettelijk veld",
        f"  Auditlog: {findings.audit_entries} regels, keten klopt",
    ]


def per_review(store: Store, work: Coordination) -> list[str]:
    """What the verzuimcoördinator did, what still waits (with the fields named), the manual melding."""
    with store.read() as conn:
        waiting = conn.execute(sa.select(meldingen.c.id, meldingen.c.rule, meldingen.c.missing)
                               .where(meldingen.c.status == State.CONCEPT.value)
                               .order_by(meldingen.c.id)).all()
        manual = conn.execute(sa.select(meldingen.c.status, meldingen.c.route)
                              .where(meldingen.c.id == work.manual_id)).one_or_none()
    lines = ["Verzuimcoördinator (push-API):",
             f"  {work.filled} melding(en) aangevuld, {work.approved} goedgekeurd (de handmatige "
             f"zorgmelding meegeteld), {len(work.held)} bewust onvolledig gelaten",
             f"  {len(waiting)} melding(en) wachten in de wachtrij; de poort houdt ze vast:"]
    for row in waiting:
        why = work.held.get(row.id, "onverwacht")
        lines.append(f"    {row.id[:8]}… ({row.rule}): {describe_missing(json.loads(row.missing or '[]'))}"
                     f" ({why})")
    if manual is not None:
        again = "dezelfde melding" if work.manual_again_id == work.manual_id else "een andere melding"
        lines.append(f"  Handmatige zorgmelding {work.manual_id[:8]}…: {manual.status} via {manual.route}; "
                     f"nog eens ingediend gaf {again} terug")
    return lines


def per_receiver(after: AfterDelivery, findings: Findings) -> list[str]:
    """After delivery: DUO's statuses by polling, the receivers' reports, late receivers, the no-show
    follow-up and the monitor's figures (equal to the hand count, or the check says otherwise)."""
    reports = after.reports
    lines = ["Na aflevering (ontvangers):"]
    lines += [f"  DUO-statussen via polling, ronde {n}: {poll_line(r)}" for n, r in enumerate(after.polls, 1)]
    polled = Counter[str]()
    for r in after.polls:
        polled.update(r.statuses)
    lines.append("  Statussen via polling binnengekomen: "
                 + (", ".join(f"{status} {n}" for status, n in sorted(polled.items())) or "geen"))
    lines.append(f"  Doorstroompunt: {len(reports.posted)} uitkomst(en): "
                 + "; ".join(f"{m[:8]}… {status}" + (f" (gestart {start:%d-%m-%Y})" if start else "")
                             for m, status, start in reports.posted))
    lines.append(f"  Dezelfde uitkomst twee keer gestuurd ({reports.repeated[:8]}…): één keer bewaard")
    lines.append(f"  Leerplicht sloot {reports.closed[:8]}… af met reden, toelichting en contactpersoon "
                 f"(status {reports.closed_state})")
    late = after.late
    if late is not None:
        lines.append(f"  Ontvangers te laat op {late.today:%d-%m-%Y} (klok van de demo):")
        lines += [f"    {line}" for line in late_lines(late)]
    lines.append("  No-show-vervolg:")
    lines += [f"    {line}" for line in follow_up_lines(after.followup)]
    lines.append("  Monitor no-shows (monitorcijfers = handmatige telling uit de ruwe gegevens):")
    lines += figure_lines(findings.figures)
    return lines
