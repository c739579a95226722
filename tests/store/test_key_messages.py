"""No key material in any message: every error about VERZUIM_KEYS, keys.toml, the active key or
the cipher names sources and key ids, never a key (neither the wrong one nor one that is right)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config.settings import KEY_FILE_NAME, Settings
from gateway.domain.errors import ConfigurationError
from gateway.store.crypto import FieldCipher

EXISTING = "2lLEj6vAr0dLIweljcwehgt2eseA7xc5wae9Smk+9WQ="  # the key already in keys.toml
NEW = "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM="  # the key being added
SHORT = base64.b64encode(b"x" * 16).decode()
CLI = str(Path(sys.executable).parent / "verzuim-gateway")


def assert_no_key_material(message: str) -> None:
    """Neither key, nor any 8 characters in a row of either, appears in ``message``."""
    for key in (EXISTING, NEW):
        pieces = {key[i:i + 8] for i in range(len(key) - 7)}
        assert not [piece for piece in pieces if piece in message], message


def key_file(folder: Path, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / KEY_FILE_NAME).write_text(
        text if text is not None else f'active = "k1"\n\n[keys]\nk1 = "{EXISTING}"\n', encoding="utf-8")
    return folder


def refusal(folder: Path, **env: str) -> str:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"VERZUIM_DATA_DIR": str(folder), **env})
    message = str(caught.value)
    assert_no_key_material(message)
    return message


@pytest.mark.parametrize(("value", "expected"), [
    (f"k2:{NEW[:-4]}", "sleutel 'k2' moet 32 bytes zijn"),
    (f"k2:{NEW[:-1]}!", "sleutel 'k2' is geen geldige base64"),
    (f"k2:{SHORT}", "sleutel 'k2' moet 32 bytes zijn (AES-256), niet 16"),
    (f"k2:{NEW}:meer", "sleutel 'k2' is geen geldige base64"),
    (f"{NEW}:k2", "onderdeel 1: geen geldige sleutel-id"),
    (f"{NEW[:20]}:{NEW}", "onderdeel 1: geen geldige sleutel-id"),
    (NEW, "onderdeel 1: verwacht 'sleutel-id:base64'"),
    (f"k2 {NEW}", "onderdeel 1: verwacht 'sleutel-id:base64'"),
    (f"k2:{NEW},k3={NEW}", "onderdeel 2: verwacht 'sleutel-id:base64'"),
    (f"k.2:{NEW}", "onderdeel 1: geen geldige sleutel-id"),
])
def test_a_malformed_verzuim_keys_names_no_key(tmp_path: Path, value: str, expected: str) -> None:
    """Each way VERZUIM_KEYS can be wrong: what is wrong and where, beside a keys.toml holding a key."""
    assert expected in refusal(key_file(tmp_path), VERZUIM_KEYS=value)


@pytest.mark.parametrize(("text", "expected"), [
    (f'[keys]\nk1 = "{EXISTING}\n', "geen geldige TOML (regel 2, kolom"),
    (f'[keys]\nk1 = "{EXISTING}" "{NEW}"\n', "geen geldige TOML (regel 2, kolom"),
    (f'keys = "{EXISTING}"\n', "[keys] moet een tabel zijn"),
    ('[keys]\nk1 = 12\n', "sleutel 'k1' moet tekst (base64) zijn"),
    (f'[keys]\nk1 = "{EXISTING[:-4]}"\n', "sleutel 'k1' moet 32 bytes zijn"),
    (f'[keys]\n"{EXISTING}" = "{NEW}"\n', "sleutel 1 in [keys]: geen geldige sleutel-id"),
    (f'active = "{EXISTING}"\n[keys]\nk1 = "{NEW}"\n', "active: geen geldige sleutel-id"),
])
def test_a_malformed_keys_toml_names_no_key(tmp_path: Path, text: str, expected: str) -> None:
    """Each way keys.toml can be wrong: the file and what is wrong, never a line of it."""
    message = refusal(key_file(tmp_path, text))
    assert KEY_FILE_NAME in message and expected in message


def test_a_key_given_as_the_active_key_id_is_not_repeated(tmp_path: Path) -> None:
    """VERZUIM_ACTIVE_KEY holding a key (a likely slip) is refused without echoing it."""
    message = refusal(key_file(tmp_path), VERZUIM_ACTIVE_KEY=NEW)
    assert "VERZUIM_ACTIVE_KEY: geen geldige sleutel-id" in message


def test_an_unknown_active_key_names_the_ids_there_are(tmp_path: Path) -> None:
    """An active id that has no key: the ids there are, never their keys."""
    message = refusal(key_file(tmp_path), VERZUIM_KEYS=f"k2:{NEW}", VERZUIM_ACTIVE_KEY="k9")
    assert "actieve sleutel 'k9' staat niet tussen de sleutels (k1, k2)" in message


def test_well_formed_keys_from_both_places_are_read(tmp_path: Path) -> None:
    """The checks let good keys through: the file's and the environment's, the active one chosen."""
    settings = Settings.from_env({"VERZUIM_DATA_DIR": str(key_file(tmp_path)),
                                  "VERZUIM_KEYS": f"k2:{NEW}", "VERZUIM_ACTIVE_KEY": "k2"})
    assert settings.encryption_keys == {"k1": EXISTING, "k2": NEW}
    assert settings.active_key_id == "k2"


def test_settings_made_directly_with_a_bad_key_name_no_key() -> None:
    """The model's own check speaks like the environment's (no pydantic dump of the input)."""
    with pytest.raises(ConfigurationError) as caught:
        Settings(encryption_keys={"k1": EXISTING, "k2": NEW[:-4]})
    assert_no_key_material(str(caught.value))
    assert "sleutel 'k2' moet 32 bytes zijn" in str(caught.value)


@pytest.mark.parametrize(("keys", "active", "expected"), [
    ({NEW: base64.b64decode(EXISTING)}, None, "een sleutel-id is ongeldig"),
    ({"k1": base64.b64decode(SHORT)}, None, "sleutel 'k1' moet 32 bytes zijn"),
    ({"k1": base64.b64decode(EXISTING)}, NEW, "de actieve sleutel-id is ongeldig"),
    ({"k1": base64.b64decode(EXISTING)}, "k9", "actieve sleutel 'k9' ontbreekt"),
])
def test_the_cipher_names_no_key(keys: dict[str, bytes], active: str | None, expected: str) -> None:
    """FieldCipher's own checks: ids only in their valid form, never a key."""
    with pytest.raises(ConfigurationError, match=expected) as caught:
        FieldCipher(keys, active)
    assert_no_key_material(str(caught.value))


def test_the_command_line_shows_one_dutch_line_without_key_material(tmp_path: Path) -> None:
    """``outbox list`` with a malformed VERZUIM_KEYS beside keys.toml: exit 2, one line, no key."""
    data = key_file(tmp_path / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERZUIM_")}
    env.update(VERZUIM_DATA_DIR=str(data), VERZUIM_KEYS=f"k2:{NEW[:-4]}")
    result = subprocess.run([CLI, "outbox", "list"], capture_output=True, text=True, env=env,
                            timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Fout: ") and "sleutel 'k2'" in lines[0]
    assert_no_key_material(result.stderr + result.stdout)
