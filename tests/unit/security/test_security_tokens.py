"""Tokens have one spelling: canonical base64url, strict claims, bounded lifetime, an id."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.tokens import (
    CLOCK_SKEW,
    TokenError,
    b64decode,
    b64encode,
    issue_token,
    read_token,
    verify_token,
)

SECRET = b"unit-test-token-secret-unit-test-token-secret"
NOW = 1_750_000_000


def signed(claims: object, *, raw: bytes | None = None) -> str:
    """A token over exactly these claims, with a good signature (what a forger with the
    secret, or a buggy issuer, could make): the parser must still refuse bad claims."""
    payload = (
        raw
        if raw is not None
        else json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    )
    mac = hmac.new(SECRET, b"jiandu-token\x00" + payload, hashlib.sha256).digest()
    return f"{b64encode(payload)}.{b64encode(mac)}"


def good_claims(**changes: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": "某人", "role": "inspector", "iat": NOW, "exp": NOW + 3600,
        "jti": "AAAAAAAAAAAAAAAAAAAAAA",
    }  # fmt: skip
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_token_round_trips_with_its_unit_and_a_fresh_id() -> None:
    one = issue_token(SECRET, subject="某人", role="lead", ttl_seconds=600, unit="T1", now=NOW)
    two = issue_token(SECRET, subject="某人", role="lead", ttl_seconds=600, unit="T1", now=NOW)
    who = verify_token(SECRET, one, now=NOW + 10)
    assert (who.subject, who.role, who.unit) == ("某人", "lead", "T1")
    assert (who.issued_at, who.expires_at) == (NOW, NOW + 600)
    assert who.jti and who.jti != verify_token(SECRET, two, now=NOW).jti


def test_the_claims_a_signer_made_are_accepted() -> None:
    assert verify_token(SECRET, signed(good_claims()), now=NOW).subject == "某人"


@pytest.mark.parametrize(
    "claims",
    [
        good_claims(iat=NOW + CLOCK_SKEW + 5),  # issued in the future
        good_claims(exp=NOW + 10**12),  # huge
        good_claims(exp=NOW + 30 * 86400),  # longer than the bound
        good_claims(exp=float(NOW + 60)),  # not an integer
        good_claims(exp=True),
        good_claims(exp=str(NOW + 60)),
        good_claims(exp=NOW - 1),  # expired
        good_claims(exp=NOW),  # no lifetime
        good_claims(jti=None),  # no id
        good_claims(jti="short"),
        good_claims(role="superuser"),
        good_claims(sub=""),
        good_claims(sub=["a"]),
        good_claims(unit="not a code"),
        good_claims(extra="x"),
        [good_claims()],
    ],
)
def test_bad_claims_are_refused_even_when_signed(claims: object) -> None:
    with pytest.raises(TokenError):
        verify_token(SECRET, signed(claims), now=NOW)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sub":"x","role":"clerk","iat":1750000000,"exp":NaN,"jti":"AAAAAAAAAAAAAAAAAAAAAA"}',
        b'{"sub":"x","role":"clerk","iat":1750000000,"exp":Infinity,"jti":"AAAAAAAAAAAAAAAAAAAAAA"}',
        b'{"sub":"x","role":"clerk","iat":1750000000,"exp":1e400,"jti":"AAAAAAAAAAAAAAAAAAAAAA"}',
        b'{"sub":"x","role":"clerk","iat":1750000000,"exp":1' + b"0" * 5000 + b"}",
        b'{"sub":"x","sub":"y","role":"clerk","iat":1750000000,"exp":1750000060,"jti":"AAAAAAAAAAAAAAAAAAAAAA"}',
        b"[" * 100_000 + b"]" * 100_000,
        b"\xff\xfe",
    ],
)
def test_non_json_numbers_repeated_keys_and_deep_nesting_are_refused(raw: bytes) -> None:
    with pytest.raises(TokenError):
        verify_token(SECRET, signed(None, raw=raw), now=NOW)


def test_only_the_canonical_base64url_spelling_is_accepted() -> None:
    token = issue_token(SECRET, subject="x", role="clerk", ttl_seconds=60, now=NOW)
    head, mac = token.split(".")
    verify_token(SECRET, token, now=NOW)
    variants = [
        f"{head}=.{mac}",  # padding
        f"{head}.{mac}=",
        f" {token}",
        f"{token}\n",
        f"{head}.{mac}.",
        f"{head.replace('-', '+').replace('_', '/')}.{mac.replace('-', '+').replace('_', '/')}",
    ]
    # The last character of a base64 string carries spare bits: flip them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(mac[-1])
    for other in alphabet:
        if other != mac[-1] and alphabet.index(other) >> 2 == last >> 2:
            variants.append(f"{head}.{mac[:-1]}{other}")
    assert len(variants) > 6
    for variant in variants:
        if variant == token:
            continue
        with pytest.raises(TokenError):
            verify_token(SECRET, variant, now=NOW)


def test_b64decode_refuses_every_non_canonical_form() -> None:
    assert b64decode(b64encode(b"\x00\xff")) == b"\x00\xff"
    for text in ("AP8=", "AP9", "A", "AP8 ", "AP+/", ""):
        with pytest.raises(TokenError):
            b64decode(text)


def test_a_forged_signature_and_another_secret_are_refused() -> None:
    token = issue_token(SECRET, subject="x", role="clerk", ttl_seconds=60, now=NOW)
    with pytest.raises(TokenError, match="signature"):
        verify_token(b"another-secret", token, now=NOW)
    head, _ = token.split(".")
    with pytest.raises(TokenError):
        verify_token(SECRET, f"{head}.{b64encode(bytes(32))}", now=NOW)


def test_read_token_ignores_times_but_not_the_signature() -> None:
    old = issue_token(SECRET, subject="x", role="clerk", ttl_seconds=60, now=1_000)
    assert read_token(SECRET, old).issued_at == 1_000
    with pytest.raises(TokenError):
        read_token(b"other", old)


@pytest.mark.parametrize(
    ("subject", "unit", "ttl"),
    [("", None, 60), ("x" * 201, None, 60), (" x", None, 60), ("x\n", None, 60),
     ("x", "T 1", 60), ("x", None, 0)],
)  # fmt: skip
def test_issue_refuses_what_verify_would_refuse(subject: str, unit: str | None, ttl: int) -> None:
    with pytest.raises(ValueError):
        issue_token(SECRET, subject=subject, role="clerk", ttl_seconds=ttl, unit=unit)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_token_or_a_token_error(text: str) -> None:
    with contextlib.suppress(TokenError):
        verify_token(SECRET, text, now=NOW)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0), st.binary(min_size=1, max_size=4), st.booleans())
def test_any_mutation_of_a_good_token_is_refused_or_the_same(
    offset: int, insert: bytes, replace: bool
) -> None:
    token = issue_token(SECRET, subject="某人", role="auditor", ttl_seconds=60, now=NOW)
    i = offset % len(token)
    text = insert.decode("latin-1")
    mutated = token[:i] + text + token[i + (1 if replace else 0) :]
    try:
        who = verify_token(SECRET, mutated, now=NOW)
    except TokenError:
        return
    assert mutated == token and who.subject == "某人"
