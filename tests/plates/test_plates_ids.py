import random
import secrets

import pytest

from placenames.plates.errors import PlateIdError
from placenames.plates.ids import (
    ALPHABET,
    ID_LENGTH,
    check_character,
    display_plate_id,
    is_plate_id,
    new_plate_id,
    normalize_plate_id,
)


def test_new_id_has_17_chars_from_the_crockford_alphabet():
    for _ in range(1000):
        pid = new_plate_id()
        assert len(pid) == ID_LENGTH == 17
        assert set(pid) <= set(ALPHABET)
        assert normalize_plate_id(pid) == pid


def test_alphabet_is_url_safe_and_has_no_ambiguous_letters():
    assert len(ALPHABET) == 32
    assert not set("ILOU") & set(ALPHABET)
    assert all(c.isascii() and c.isalnum() for c in ALPHABET)


def test_ids_are_unique_over_100k():
    ids = {new_plate_id() for _ in range(100_000)}
    assert len(ids) == 100_000


def test_ids_carry_80_random_bits():
    rng = random.Random(1)
    pid = new_plate_id(rng)
    assert pid == new_plate_id(random.Random(1))
    body_value = 0
    for c in pid[:16]:
        body_value = body_value * 32 + ALPHABET.index(c)
    assert body_value == random.Random(1).getrandbits(80)


def test_secrets_module_is_the_default_source():
    assert is_plate_id(new_plate_id(secrets))


def _sample_ids(n: int) -> list[str]:
    rng = random.Random(42)
    return [new_plate_id(rng) for _ in range(n)]


def test_check_catches_every_single_substitution():
    for pid in _sample_ids(60):
        for i in range(ID_LENGTH):
            for c in ALPHABET:
                if c != pid[i]:
                    assert not is_plate_id(pid[:i] + c + pid[i + 1 :]), (pid, i, c)


def test_check_catches_every_transposition_adjacent_or_not():
    for pid in _sample_ids(200):
        for i in range(ID_LENGTH):
            for j in range(i + 1, ID_LENGTH):
                if pid[i] != pid[j]:
                    s = list(pid)
                    s[i], s[j] = s[j], s[i]
                    assert not is_plate_id("".join(s)), (pid, i, j)


def test_check_character_is_in_the_alphabet():
    assert check_character("0" * 16) == "0"
    assert all(check_character(c * 16) in ALPHABET for c in ALPHABET)


def test_normalization_accepts_display_form_lower_case_and_aliases():
    pid = new_plate_id(random.Random(7))
    assert normalize_plate_id(display_plate_id(pid)) == pid
    assert normalize_plate_id(f"  {pid.lower()} ") == pid
    messy = pid.replace("1", "l").replace("0", "o")
    assert normalize_plate_id(messy) == pid
    assert normalize_plate_id(pid.replace("1", "I")) == pid


def test_display_form_groups_of_four():
    pid = new_plate_id(random.Random(3))
    shown = display_plate_id(pid)
    assert shown.split("-") == [pid[0:4], pid[4:8], pid[8:12], pid[12:16], pid[16]]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ABC", "17"),
        ("0123456789ABCDEFGH", "17"),
        ("0123456789ABCDEFU", "U"),
        ("0123456789ABCDEF*", "*"),
    ],
)
def test_errors_say_what_is_wrong(text, fragment):
    with pytest.raises(PlateIdError) as info:
        normalize_plate_id(text)
    assert fragment in info.value.user_msg
    assert info.value.http_status == 400


def test_wrong_check_character_is_reported_as_such():
    pid = new_plate_id(random.Random(5))
    wrong = pid[:-1] + ("0" if pid[-1] != "0" else "1")
    with pytest.raises(PlateIdError, match="校验"):
        normalize_plate_id(wrong)
