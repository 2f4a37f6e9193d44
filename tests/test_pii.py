"""The personal-data crypto, pure (no database): keys, sealing bound to a row, blind indexes,
phone normalisation."""

import base64
import os
import stat
import uuid

import pytest

from placenames import pii
from placenames.workflow import normalise_phone

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = bytes(range(100, 132)).hex()
ROW, OTHER = uuid.uuid4(), uuid.uuid4()


def ring(text=KEY_A):
    return pii.keyring_from_text(text)


def seal(keys, value, column="phone_enc", row=ROW):
    return pii.seal(keys, value, table="public_comments", column=column, row_id=row)


def unseal(keys, token, column="phone_enc", row=ROW):
    return pii.open_sealed(keys, token, table="public_comments", column=column, row_id=row)


@pytest.mark.parametrize("text", [
    KEY_A, KEY_A.rstrip("="), base64.urlsafe_b64encode(bytes(range(32))).decode(),
    f"  {KEY_A}\n", bytes(range(32)).hex(), bytes(range(32)).hex().upper()])
def test_a_key_is_read_from_base64_or_hex(text):
    assert pii.parse_secret(text) == bytes(range(32))


@pytest.mark.parametrize("text", [
    "", "secret", "0" * 63, "g" * 64, base64.b64encode(b"x" * 31).decode(),
    base64.b64encode(b"x" * 33).decode(), "0" * 62 + "é1", KEY_A + "!"])
def test_a_malformed_key_is_a_clear_error_that_does_not_echo_it(text):
    with pytest.raises(pii.PiiKeyError) as err:
        pii.keyring_from_text(text or " ")
    msg = err.value.user_msg
    assert "PLACENAMES_PII_KEY" in msg and ("base64" in msg or "empty" in msg)
    assert err.value.exit_code == 78
    if len(text) > 3:
        assert text.strip() not in msg


def test_keys_are_derived_apart_and_named_by_a_stable_id():
    a, a_again, b = ring().current, ring().current, ring(KEY_B).current
    assert a.key_id == a_again.key_id and len(a.key_id) == 8 and a.key_id != b.key_id
    assert a.cipher_key != a.index_key  # two keys from one secret
    assert bytes(range(32)) not in (a.cipher_key, a.index_key)
    assert "cipher_key" not in repr(a) and a.cipher_key.hex() not in repr(a)


def test_the_same_phone_encrypts_differently_each_time_and_reads_back():
    keys = ring()
    first, second = seal(keys, "13812345678"), seal(keys, "13812345678")
    assert first != second and "13812345678" not in first
    assert first.startswith(f"pn1:{keys.current.key_id}:")
    assert unseal(keys, first) == unseal(keys, second) == "13812345678"


def test_a_ciphertext_moved_to_another_row_or_column_or_altered_does_not_decrypt():
    keys = ring()
    token = seal(keys, "13812345678")
    with pytest.raises(pii.UnreadableCiphertext) as err:
        unseal(keys, token, row=OTHER)
    assert "moved" in err.value.user_msg and str(OTHER) in err.value.user_msg
    with pytest.raises(pii.UnreadableCiphertext):
        unseal(keys, token, column="author_enc")
    head, body = token.rsplit(":", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(pii.UnreadableCiphertext):
        unseal(keys, f"{head}:{flipped}")
    for junk in ("13812345678", "pn1:zz", "pn1:abcd:!!!", ""):
        with pytest.raises(pii.UnreadableCiphertext):
            unseal(keys, junk)


def test_an_unknown_key_is_named_and_retired_keys_still_decrypt():
    old, new = ring(KEY_A), ring(KEY_B)
    token = seal(old, "张三", column="author_enc")
    with pytest.raises(pii.UnreadableCiphertext) as err:
        unseal(new, token, column="author_enc")
    assert err.value.key_id == old.current.key_id and old.current.key_id in err.value.user_msg
    rotated = ring(f"{KEY_B}, {KEY_A}")
    assert rotated.current.key_id == new.current.key_id
    assert rotated.key_ids == (new.current.key_id, old.current.key_id)
    assert unseal(rotated, token, column="author_enc") == "张三"
    assert pii.key_id_of(seal(rotated, "x")) == new.current.key_id
    with pytest.raises(pii.PiiKeyError):
        ring(f"{KEY_A},{KEY_A}")


def test_blind_index_equal_for_one_number_and_keyed():
    keys, other = ring(), ring(KEY_B)
    spellings = ["13812345678", "138 1234 5678", "+86 138-1234-5678", "0086 13812345678",
                 "８６１３８１２３４５６７８", "(138)1234-5678"]
    assert {normalise_phone(s) for s in spellings} == {"13812345678"}
    idx = {pii.blind_index(keys.current, normalise_phone(s)) for s in spellings}
    assert len(idx) == 1 and len(next(iter(idx))) == 64
    assert pii.blind_index(keys.current, "13812345679") not in idx
    assert pii.blind_index(other.current, "13812345678") not in idx
    both = pii.blind_indexes(pii.keyring_from_text(f"{KEY_B},{KEY_A}"), "13812345678")
    assert len(both) == 2 and both[1] in idx


@pytest.mark.parametrize(("raw", "digits"), [
    ("029-8888 1234", "02988881234"), ("029-88881234 转 12", "02988881234"),
    ("0917 3212345", "09173212345"), ("", ""), (None, ""), ("abc", "")])
def test_normalise_phone(raw, digits):
    assert normalise_phone(raw) == digits


def test_the_instance_key_is_made_once_with_mode_0600(tmp_path):
    folder = tmp_path / "instance"
    first = pii.load_keyring(None, folder)
    path = folder / "pii_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert pii.load_keyring("", folder).current.key_id == first.current.key_id
    assert first.source == str(path)
    assert [p.name for p in folder.iterdir()] == ["pii_key"]  # no temporary file left
    # the setting wins over the file, and the file is left alone
    assert pii.load_keyring(KEY_B, folder).current.key_id == ring(KEY_B).current.key_id
    assert pii.load_keyring(None, folder).current.key_id == first.current.key_id
    path.write_text("broken\n")
    with pytest.raises(pii.PiiKeyError) as err:
        pii.load_keyring(None, folder)
    assert str(path) in err.value.user_msg
