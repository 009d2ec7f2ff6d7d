"""Schemathesis hooks for scripts/fuzz (loaded through SCHEMATHESIS_HOOKS)."""

import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation


@schemathesis.hook
def before_call(context, case, kwargs):
    # A client sends a fresh Idempotency-Key with each new request and repeats it only to retry the
    # same one. The fuzzer draws keys from a small space and so reuses one with another body, which
    # the server rightly refuses (422 idempotency-key-reused, as the IETF draft says). Schema-valid
    # cases get a fresh key; the keys of cases meant to be invalid stay as drawn.
    meta = case.meta
    if meta is None or meta.generation.mode.is_negative or meta.is_negative_at(ParameterLocation.HEADER):
        return
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"fuzz-{uuid.uuid4()}"
