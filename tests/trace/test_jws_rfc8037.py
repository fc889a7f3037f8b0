"""``suyuan.trace.jws`` against the published EdDSA example of RFC 8037, Appendix A.4.

Why: the JWS code is hand-written (45 lines, one algorithm), so its interoperability is checked against
the one vector the standard publishes: the key of A.1/A.2 signs "Example of Ed25519 signing" under the
header ``{"alg":"EdDSA"}``. Ed25519 is deterministic, so our signer must produce the RFC's signature
byte for byte, and our verifier must accept the RFC's token (up to the payload, which is text, not the
JSON object Suyuan's statements carry) and refuse it once altered. The vector is quoted from the RFC
(IETF Trust, BCP 78 licence for code components).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from suyuan.trace import jws
from suyuan.trace.keys import b64url, b64url_decode

D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
HEADER, PAYLOAD = "eyJhbGciOiJFZERTQSJ9", "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
SIGNATURE = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
TOKEN = f"{HEADER}.{PAYLOAD}.{SIGNATURE}"


def test_the_rfc_key_pair_matches() -> None:
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(D))
    assert b64url(private.public_key().public_bytes_raw()) == X


def test_signing_the_rfc_input_gives_the_rfc_signature() -> None:
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(D))
    assert b64url(private.sign(f"{HEADER}.{PAYLOAD}".encode("ascii"))) == SIGNATURE
    assert b64url_decode(PAYLOAD) == b"Example of Ed25519 signing"


def test_the_verifier_accepts_the_rfc_signature_and_refuses_it_altered() -> None:
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(X))
    assert jws.header_of(TOKEN) == {"alg": "EdDSA"}
    # The signature verifies; only then is the payload read, and this one is text, not an object.
    with pytest.raises(ValueError) as accepted:
        jws.verify(TOKEN, public)
    assert "does not verify" not in str(accepted.value)
    altered = f"{HEADER}.{b64url(b'Example of Ed25519 signinG')}.{SIGNATURE}"
    with pytest.raises(ValueError, match="does not verify"):
        jws.verify(altered, public)
