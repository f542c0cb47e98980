"""The questionnaire in progress, held by the browser: sealed with AES-GCM.

The server keeps no record while a questionnaire is filled in, so nothing it stores ties a
redeemed invitation to answers in progress. The state travels in cookies (split when long:
a full questionnaire with a long comment is a few kB), authenticated so that it cannot be
changed or made up, encrypted so that a shared computer's cookie jar shows no answers, and
bound to the project. Each page submit answers with the updated state: an acknowledged
page is in the browser, whatever happens to the server afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import time
import zlib
from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

COOKIE = "am_s"  # am_s0, am_s1, ...
CHUNK = 3800  # characters per cookie (browsers keep at least 4096 bytes per cookie)
MAX_CHUNKS = 6
STATE_DAYS = 7  # a questionnaire left this long without a page submit expires


class Sealer:
    """Seal and open questionnaire states for one project.

    Examples
    --------
    >>> sealer = Sealer("0" * 64, "acme")
    >>> box = sealer.seal({"id": "x", "answers": {"A": 1}})
    >>> sealer.open(box)["answers"]
    {'A': 1}
    >>> sealer.open(box[:-2] + "AA") is None
    True
    """

    def __init__(self, secret: str, project: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"alignmeter state v1"
        ).derive(secret.encode())
        self._aead = AESGCM(key)
        self._aad = f"alignmeter-state:{project}".encode()

    def seal(self, state: Mapping) -> str:
        body = dict(state) | {"issued": int(time.time())}
        plain = zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 1)
        nonce = os.urandom(12)
        box = nonce + self._aead.encrypt(nonce, plain, self._aad)
        return base64.urlsafe_b64encode(box).decode().rstrip("=")

    def open(self, text: str) -> dict | None:
        """The state, or None when it was changed, made up, is from another project or
        has expired."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            plain = self._aead.decrypt(raw[:12], raw[12:], self._aad)
            state = json.loads(zlib.decompress(plain))
        except Exception:
            return None
        if time.time() - state.get("issued", 0) > STATE_DAYS * 86400:
            return None
        return state


def split(box: str) -> list[str]:
    parts = [box[i : i + CHUNK] for i in range(0, len(box), CHUNK)]
    if len(parts) > MAX_CHUNKS:
        raise ValueError("questionnaire state too large for cookies")
    return parts


def joined(cookies: Mapping[str, str]) -> str:
    parts = []
    for i in range(MAX_CHUNKS):
        part = cookies.get(f"{COOKIE}{i}")
        if part is None:
            break
        parts.append(part)
    return "".join(parts)
