"""The hash-chained audit log and ``verzuim-gateway audit verify``."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gateway import pipeline
from gateway.cli import cli
from gateway.store import audit, checkpoint
from gateway.store.checkpoint_keys import public_pem, signing_key
from gateway.store.schema import audit_log
from tests.store.audit_tampering import cut_tail, rewrite_history
from tests.store.helpers import AS_OF, SCHOOL, sixteen_hour_batch


@pytest.fixture
def busy_store(store):
    """A store with entries for a school, an ingest batch, a decision, its release and the evaluation."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    pipeline.evaluate(store, SCHOOL.id, AS_OF)
    return store


def test_intact_chain_verifies_with_its_count(busy_store):
    """An untouched log verifies and reports how many entries it holds."""
    result = audit.verify(busy_store)
    assert result.ok and result.entries == 5


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
    entries = audit.entries(busy_store, school_id=SCHOOL.id, limit=10)
    [decision] = [e for e in entries if e["action"] == "besluit"]
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
    assert result.exit_code == 0 and "5 regels" in result.output


def test_cli_verify_names_first_broken_entry(busy_store, store_url, tmp_path):
    """After a row is altered, ``audit verify`` exits non-zero naming the first broken entry."""
    with busy_store.write() as conn:
        conn.execute(audit_log.update().where(audit_log.c.seq == 3).values(data=sa.literal('{"x":1}')))
    result = CliRunner().invoke(cli, ["audit", "verify"], env=_env(store_url, tmp_path))
    assert result.exit_code == 1 and "regel 3" in result.output


def _checkpoint(store_url: str, tmp_path, *extra: str):
    out = tmp_path / "cp.json"
    args = ["audit", "checkpoint", "--out", str(out), *extra]
    result = CliRunner().invoke(cli, args, env=_env(store_url, tmp_path))
    assert result.exit_code == 0, result.output
    return out


def _verify_against(store_url: str, tmp_path, checkpoint_file, *extra: str):
    args = ["audit", "verify", "--checkpoint", str(checkpoint_file), *extra]
    return CliRunner().invoke(cli, args, env=_env(store_url, tmp_path))


def test_cli_checkpoint_makes_the_key_on_first_use_and_names_the_public_key(busy_store, store_url, tmp_path):
    """The first ``audit checkpoint`` makes the signing key and says where its public key is."""
    result = CliRunner().invoke(cli, ["audit", "checkpoint"], env=_env(store_url, tmp_path))
    assert result.exit_code == 0
    assert "Nieuwe ondertekensleutel gemaakt" in result.output and "audit-checkpoint.pub" in result.output
    [written] = (tmp_path / "audit-checkpoints").iterdir()
    assert f"Controlepunt geschreven: {written} (regel 5" in result.output


def test_cli_verify_against_a_fresh_checkpoint_exits_zero(busy_store, store_url, tmp_path):
    """An intact chain verifies against its checkpoint."""
    result = _verify_against(store_url, tmp_path, _checkpoint(store_url, tmp_path))
    assert result.exit_code == 0 and "5 regels" in result.output and "klopt" in result.output


def test_cli_verify_finds_a_cut_tail(busy_store, store_url, tmp_path):
    """Rows deleted and audit_head rewritten: plain verify passes, verify against the checkpoint
    exits 1 saying the chain was cut."""
    out = _checkpoint(store_url, tmp_path)
    cut_tail(busy_store, keep=3)
    assert CliRunner().invoke(cli, ["audit", "verify"], env=_env(store_url, tmp_path)).exit_code == 0
    result = _verify_against(store_url, tmp_path, out)
    assert result.exit_code == 1
    assert "Auditlog gebroken bij regel 4: keten ingekort" in result.output


def test_cli_verify_finds_a_rewritten_history(busy_store, store_url, tmp_path):
    """An entry changed and every later hash recomputed: verify against the checkpoint exits 1."""
    out = _checkpoint(store_url, tmp_path)
    rewrite_history(busy_store, seq=1, actor="iemand anders")
    result = _verify_against(store_url, tmp_path, out)
    assert result.exit_code == 1 and "de geschiedenis tot daar is herschreven" in result.output


def test_cli_verify_refuses_a_changed_checkpoint_file(busy_store, store_url, tmp_path):
    """A checkpoint file whose count was lowered (to hide a cut) fails its signature."""
    out = _checkpoint(store_url, tmp_path)
    fields = json.loads(out.read_text(encoding="utf-8"))
    out.write_text(json.dumps({**fields, "seq": 3}), encoding="utf-8")
    result = _verify_against(store_url, tmp_path, out)
    assert result.exit_code == 1
    assert "ongeldig: handtekening van het controlepunt klopt niet" in result.output


def test_cli_verify_with_another_public_key_is_refused(busy_store, store_url, tmp_path):
    """A public key that did not sign the checkpoint is named as the wrong one."""
    out = _checkpoint(store_url, tmp_path)
    other = signing_key(tmp_path / "ander")
    result = _verify_against(store_url, tmp_path, out, "--public-key", str(other.public_path))
    assert result.exit_code == 1 and f"de opgegeven publieke sleutel is {other.key_id}" in result.output


def test_cli_checkpoint_refuses_a_broken_chain(busy_store, store_url, tmp_path):
    """``audit checkpoint`` does not sign a broken chain and exits 1."""
    with busy_store.write() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.seq == 2))
    result = CliRunner().invoke(cli, ["audit", "checkpoint"], env=_env(store_url, tmp_path))
    assert result.exit_code == 1 and "Geen controlepunt: auditlog gebroken bij regel 2" in result.output


def test_cli_public_key_prints_the_pem_and_its_fingerprint(store_url, tmp_path):
    """``audit public-key`` prints what a verifier needs, the same key as the file beside the key."""
    result = CliRunner().invoke(cli, ["audit", "public-key"], env=_env(store_url, tmp_path))
    key = signing_key(tmp_path)
    assert result.exit_code == 0
    assert f"# {key.key_id}" in result.output and public_pem(key.public) in result.output


def test_cli_worker_once_writes_a_checkpoint_when_asked(store, store_url, tmp_path):
    """``worker --once --audit-checkpoint-minutes N`` writes one into the data folder's checkpoint folder."""
    args = ["worker", "--once", "--audit-checkpoint-minutes", "5"]
    result = CliRunner().invoke(cli, args, env=_env(store_url, tmp_path))
    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "audit-checkpoints").iterdir()
    assert checkpoint.read(written).checkpoint.seq == 1
