"""Bearer keys of schools and receivers: made, named and checked the same way."""

from __future__ import annotations

from gateway.access_keys import issue_key, key_id_of, key_matches


def test_an_issued_key_matches_its_stored_digest_and_no_other() -> None:
    """The stored digest accepts the key it was made from, and refuses another key."""
    first, second = issue_key("vg"), issue_key("vg")
    assert key_matches(first.sha256, first.key)
    assert not key_matches(first.sha256, second.key)


def test_the_digest_is_not_the_key() -> None:
    """What is stored does not contain the key or its secret."""
    issued = issue_key("vr")
    secret = issued.key.split("_", 2)[2]
    assert issued.key not in issued.sha256 and secret not in issued.sha256


def test_a_key_is_named_by_its_id_only_for_its_own_kind() -> None:
    """A school key presented where a receiver key is asked for has no key id there."""
    issued = issue_key("vg")
    assert key_id_of(issued.key, "vg") == issued.key_id
    assert key_id_of(issued.key, "vr") is None


def test_a_malformed_key_has_no_key_id() -> None:
    """A value without the ``kind_id_secret`` form is refused before any lookup."""
    assert key_id_of("vg_onlyid", "vg") is None
    assert key_id_of("", "vg") is None
