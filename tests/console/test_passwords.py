"""Agent password hashes: scrypt, salted, self-describing, rules enforced."""

from __future__ import annotations

import pytest

from console.passwords import MIN_PASSWORD_CHARS, PasswordError, hash_password, verify_password


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password("correct horse battery")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1") and len(salt) == 22 and len(digest) == 43
    assert "correct" not in stored
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("", stored)


def test_the_same_password_gets_a_new_salt_each_time() -> None:
    first, second = hash_password("same password!"), hash_password("same password!")
    assert first != second and verify_password("same password!", second)


def test_the_cost_parameters_are_read_from_the_hash() -> None:
    stored = hash_password("cheap or not, it is read back")
    cheaper = stored.replace("scrypt$16384$", "scrypt$1024$")
    assert not verify_password("cheap or not, it is read back", cheaper)  # same salt, other cost: other hash


@pytest.mark.parametrize("password", ["", "short", "x" * (MIN_PASSWORD_CHARS - 1), "y" * 1025])
def test_passwords_outside_the_rules_are_refused(password: str) -> None:
    with pytest.raises(PasswordError):
        hash_password(password)


@pytest.mark.parametrize("stored", ["", "plain-text-password", "scrypt$16384$8$1$salt", "bcrypt$1$2$3$abc$def",
                                    "scrypt$notanumber$8$1$abc$def", "scrypt$16384$8$1$!!$??"])
def test_malformed_hashes_never_match(stored: str) -> None:
    assert not verify_password("plain-text-password", stored)
