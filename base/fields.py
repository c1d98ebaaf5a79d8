"""Model fields every app may stand on."""

from __future__ import annotations

from django.db import models


class MachineTokenField(models.CharField):
    """Text the application makes and no person types: a SHA-256 digest, a random nonce.

    The text hygiene of ``base.signals`` leaves it alone. Its rules are for what people type,
    and a digest is no person's data: 64 hexadecimal characters hold a run of 13 digits shaped
    like a resident registration number about once in 300 digests, which the RRN rule would
    refuse, failing a tablet's enrolment or an access-log row at random.
    """
