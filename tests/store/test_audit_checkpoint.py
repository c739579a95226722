"""Signed audit checkpoints: a cut tail or a rewritten history before the checkpoint is found."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.domain.errors import IntegrityError, InvalidInput
from gateway.store import audit, checkpoint
from gateway.store.checkpoint_keys import signing_key
from gateway.store.schema import audit_log
from tests.store.audit_tampering import cut_tail, rewrite_history
from tests.store.helpers import AS_OF, SCHOOL, sixteen_hour_batch

NOW = datetime(2026, 12, 6, 5, 40, tzinfo=UTC)


@pytest.fixture
def busy_store(store):
    """A store with five entries: the school, an ingest batch, a decision, its release and the evaluation."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    pipeline.evaluate(store, SCHOOL.id, AS_OF)
    return store


@pytest.fixture
def key(tmp_path):
    """A signing key of the test's own, in a folder of its own."""
    return signing_key(tmp_path / "keys")


def test_checkpoint_signs_the_newest_entry_and_its_hash(busy_store, key):
    """The checkpoint names the chain's newest entry, its hash, the time in UTC and the key."""
    cp = checkpoint.take(busy_store, key, gateway="gw-1", now=NOW).checkpoint
    with busy_store.read() as conn:
        newest = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
    assert (cp.seq, cp.hash) == (newest.seq, newest.hash) == (5, newest.hash)
    assert (cp.created_at, cp.gateway, cp.key_id) == ("2026-12-06T05:40:00+00:00", "gw-1", key.key_id)


def test_intact_chain_verifies_against_its_checkpoint(busy_store, key):
    """An untouched chain matches its checkpoint."""
    signed = checkpoint.take(busy_store, key, gateway="gw", now=NOW)
    assert checkpoint.verify_against(busy_store, signed, key.public).ok


def test_chain_that_grew_after_the_checkpoint_still_verifies(busy_store, key):
    """New entries after the checkpoint are normal work, not tampering."""
    signed = checkpoint.take(busy_store, key, gateway="gw", now=NOW)
    with busy_store.write() as conn:
        audit.append(conn, actor="beheer", action="test", data={"n": 1})
    result = checkpoint.verify_against(busy_store, signed, key.public)
    assert result.ok and result.entries == 6


def test_cut_tail_with_rewritten_head_is_found(busy_store, key):
    """Deleting the newest entries and rewriting audit_head passes the chain check alone, but not the
    checkpoint."""
    signed = checkpoint.take(busy_store, key, gateway="gw", now=NOW)
    cut_tail(busy_store, keep=2)
    assert audit.verify(busy_store).ok  # the defect the checkpoint closes
    result = checkpoint.verify_against(busy_store, signed, key.public)
    assert (result.ok, result.first_broken) == (False, 3)
    assert "keten ingekort" in str(result.problem) and "telde 5 regels" in str(result.problem)


def test_history_rewritten_before_the_checkpoint_is_found(busy_store, key):
    """A changed entry with every later hash recomputed passes the chain check alone, but not the
    checkpoint."""
    signed = checkpoint.take(busy_store, key, gateway="gw", now=NOW)
    rewrite_history(busy_store, seq=2, actor="iemand anders")
    assert audit.verify(busy_store).ok  # the defect the checkpoint closes
    result = checkpoint.verify_against(busy_store, signed, key.public)
    assert (result.ok, result.first_broken) == (False, 5)
    assert "herschreven" in str(result.problem)


def test_a_broken_chain_is_reported_before_the_checkpoint_is_compared(busy_store, key):
    """An altered entry (hash not recomputed) is named as the first broken one."""
    signed = checkpoint.take(busy_store, key, gateway="gw", now=NOW)
    with busy_store.write() as conn:
        conn.execute(audit_log.update().where(audit_log.c.seq == 2).values(actor="iemand anders"))
    assert checkpoint.verify_against(busy_store, signed, key.public).first_broken == 2


def test_a_broken_chain_is_never_signed(busy_store, key):
    """Taking a checkpoint of a broken chain is refused, naming the broken entry."""
    with busy_store.write() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.seq == 3))
    with pytest.raises(IntegrityError, match=r"regel 3.*geen controlepunt gemaakt"):
        checkpoint.take(busy_store, key, gateway="gw", now=NOW)


@pytest.mark.parametrize(("field", "value"), [("seq", 2), ("hash", "0" * 64), ("created_at", "2030-01-01")])
def test_a_changed_checkpoint_fails_its_signature(store, key, field, value):
    """Changing what the checkpoint says (count, hash, time) breaks its signature."""
    signed = checkpoint.take(store, key, gateway="gw", now=NOW)
    forged = checkpoint.SignedCheckpoint(
        checkpoint.Checkpoint(**{**vars(signed.checkpoint), field: value}), signed.signature
    )
    with pytest.raises(IntegrityError, match="handtekening van het controlepunt klopt niet"):
        checkpoint.verify_against(store, forged, key.public)


def test_a_checkpoint_of_another_key_is_refused_naming_both_keys(store, key, tmp_path):
    """A checkpoint signed with another key does not verify with this public key."""
    other = signing_key(tmp_path / "other")
    signed = checkpoint.take(store, other, gateway="gw", now=NOW)
    with pytest.raises(IntegrityError, match=rf"getekend met sleutel {other.key_id}.*is {key.key_id}"):
        checkpoint.verify_against(store, signed, key.public)


def test_checkpoint_file_round_trips_into_a_timestamped_file(store, key, tmp_path):
    """Written into a folder, a checkpoint gets a timestamped name and reads back unchanged."""
    signed = checkpoint.take(store, key, gateway="gw", now=NOW)
    path = checkpoint.write(signed, tmp_path)
    assert path.name == "audit-checkpoint-20261206T054000Z-1.json"
    assert checkpoint.read(path) == signed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("niet json", "geen leesbaar auditcontrolepunt"),
        ('{"seq": 1}', "geen leesbaar auditcontrolepunt"),
        (json.dumps({"seq": 1, "hash": "x", "created_at": "t", "gateway": "g", "key_id": "k",
                     "format": "iets anders", "signature": "c2ln"}), "onbekend controlepuntformaat"),
    ],
)
def test_a_malformed_checkpoint_file_is_refused_naming_it(tmp_path, text, message):
    """A file that is not a checkpoint is refused with its name."""
    path = tmp_path / "cp.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=f"cp.json: {message}"):
        checkpoint.read(path)
