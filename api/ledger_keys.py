"""The audit ledger's keys from the settings: the log's signing key (made in the data folder
in dev/test when none is configured), earlier log keys and the witnesses' keys."""

from __future__ import annotations

import logging
import secrets

from api.settings import SAFE_ENVS, Settings, UnsafeSettingsError, split_keys
from projections.ledger.keys import NoteSigner, cosigning_key, read_key, write_key
from projections.ledger.offline import COSIGNATURE_V1, ED25519, LedgerError, VerifierKey
from projections.ledger.service import LedgerKeys

log = logging.getLogger("jiandu.ledger")
DEV_KEY = "ledger.key"


def ledger_keys(settings: Settings) -> LedgerKeys | None:
    """The keys the settings name (None outside dev/test when none is named: `serve` refuses
    to start so, and commands that need the ledger say what to set); UnsafeSettingsError when
    a named key is unusable."""
    if settings.env not in SAFE_ENVS and not (settings.ledger_key_file or settings.ledger_vkey):
        return None
    previous = tuple(VerifierKey.parse(k) for k in split_keys(settings.ledger_previous_keys))
    witnesses = tuple(cosigner(k) for k in split_keys(settings.ledger_witness_keys))
    try:
        signer = _signer(settings)
    except LedgerError as error:
        raise UnsafeSettingsError(f"JIANDU_LEDGER_KEY_FILE: {error}") from error
    if signer is not None:
        return LedgerKeys(signer.verifier, signer, previous, witnesses)
    assert settings.ledger_vkey is not None
    return LedgerKeys(VerifierKey.parse(settings.ledger_vkey), None, previous, witnesses)


def cosigner(text: str) -> VerifierKey:
    """A witness's verifier key as a tlog-cosignature/v1 key (an Ed25519 note key is taken
    as the same key used to cosign)."""
    key = VerifierKey.parse(text)
    if key.type == ED25519:
        return cosigning_key(key)
    if key.type != COSIGNATURE_V1:
        raise LedgerError(f"witness key {key.name} is not an Ed25519 key")
    return key


def _signer(settings: Settings) -> NoteSigner | None:
    if settings.ledger_key_file is not None:
        return read_key(settings.ledger_key_file)
    if settings.ledger_vkey:
        return None
    path = settings.data_dir / DEV_KEY
    if path.exists():
        return read_key(path)
    signer = NoteSigner.generate(f"dev.jiandu.local/ledger-{secrets.token_hex(4)}")
    write_key(path, signer)
    message = (
        f"jiandu: made a development audit ledger key at {path} (verifier key "
        f"{signer.verifier}); set JIANDU_LEDGER_KEY_FILE to a key of your own outside dev"
    )
    log.warning(message)
    return signer


__all__ = ["UnsafeSettingsError", "cosigner", "ledger_keys"]
