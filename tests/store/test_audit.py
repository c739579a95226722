"""The hash-chained audit log and ``verzuim-gateway audit verify``."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gateway import pipeline
from gateway.cli import cli
from gateway.store import audit
from gateway.store.schema import audit_log
from tests.store.helpers import AS_OF, SCHOOL, sixteen_hour_batch


@pytest.fixture
def busy_store(store):
    """A store with entries for a school, an ingest batch and a decision."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    pipeline.evaluate(store, SCHOOL.id, AS_OF)
    return store


def test_intact_chain_verifies_with_its_count(busy_store):
    """An untouched log verifies and reports how many entries it holds."""
    result = audit.verify(busy_store)
    assert result.ok and result.entries == 4


def test_altered_entry_is_named_as_first_broken(busy_store):
    """Changing any stored entry breaks the chain at that entry."""
    with busy_store.write() as conn:
        conn.execute(audit_log.update().where(audit_log.c.seq == 2).values(actor="iemand anders"))
    result = audit.verify(busy_store)
    assert (result.ok, result.first_broken) == (False, 2)


def test_removed_entry_is_detected(busy_store):
    """Deleting an entry is found as a gap."""
    with busy_store.write() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.seq == 3))
    assert audit.verify(busy_store).first_broken == 3


def test_entries_refuse_personal_data(store):
    """An entry carrying a BSN or name key is refused."""
    with pytest.raises(ValueError, match="persoonsgegeven"), store.write() as conn:
        audit.append(conn, actor="t", action="x", data={"student": {"bsn": "123456782"}})


def test_decision_entry_holds_rule_evidence_and_profile(busy_store):
    """The decision entry names the rule, the evidence ids and the profile stamp."""
    [decision] = audit.entries(busy_store, school_id=SCHOOL.id, limit=10)[1:2]
    assert decision["action"] == "besluit"
    assert decision["data"]["rule"] == "verzuim-16u" and len(decision["data"]["evidence"]) == 8
    assert decision["data"]["profile"].startswith("national@")


def test_decision_entry_holds_the_code_mapping_version_of_the_batch(store):
    """A batch that names its code mapping version stamps the decisions made on its records."""
    batch = dataclasses.replace(sixteen_hour_batch(), mapping="magister@2026.1+abc123")
    pipeline.ingest(store, SCHOOL.id, "magister", batch, "test")
    pipeline.evaluate(store, SCHOOL.id, AS_OF)
    entries = audit.entries(store, school_id=SCHOOL.id, limit=10)
    decision = next(e for e in entries if e["action"] == "besluit")
    assert decision["data"]["mappings"] == {"magister": "magister@2026.1+abc123"}


def test_a_newer_batch_of_the_source_gives_the_newer_mapping_version(store):
    """The stamp follows the source's newest batch: a changed override shows in later decisions."""
    for n, stamp in enumerate(("magister@1+old", "magister@1+new")):
        batch = sixteen_hour_batch()
        batch = dataclasses.replace(batch, mapping=stamp, records=batch.records[: 4 + n])
        pipeline.ingest(store, SCHOOL.id, "magister", batch, "test")
    with store.read() as conn:
        assert pipeline.mapping_stamps(conn, SCHOOL.id) == {"magister": "magister@1+new"}


def _env(store_url: str, tmp_path) -> dict[str, str]:
    import base64  # noqa: PLC0415

    from tests.store.conftest import KEYS  # noqa: PLC0415

    return {
        "VERZUIM_DATABASE_URL": store_url,
        "VERZUIM_DATA_DIR": str(tmp_path),
        "VERZUIM_KEYS": f"k1:{base64.b64encode(KEYS['k1']).decode()}",
    }


def test_cli_verify_exits_zero_with_count(busy_store, store_url, tmp_path):
    """``audit verify`` exits 0 and prints the number of entries."""
    result = CliRunner().invoke(cli, ["audit", "verify"], env=_env(store_url, tmp_path))
    assert result.exit_code == 0 and "4 regels" in result.output


def test_cli_verify_names_first_broken_entry(busy_store, store_url, tmp_path):
    """After a row is altered, ``audit verify`` exits non-zero naming the first broken entry."""
    with busy_store.write() as conn:
        conn.execute(audit_log.update().where(audit_log.c.seq == 3).values(data=sa.literal('{"x":1}')))
    result = CliRunner().invoke(cli, ["audit", "verify"], env=_env(store_url, tmp_path))
    assert result.exit_code == 1 and "regel 3" in result.output
