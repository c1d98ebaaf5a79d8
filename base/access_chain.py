"""The access log's hash chain (접속기록 위·변조 확인).

Each row carries ``chain_seq`` (1, 2, 3 … in the order rows were chained), ``prev_hash`` (the
previous row's ``row_hash``) and ``row_hash``: SHA-256 over the row's content and
``prev_hash``. On PostgreSQL a BEFORE INSERT trigger (base migration 0002) sets the time, the
sequence and both hashes under an advisory lock, so the chain is made by the database and an
application that may only INSERT and SELECT cannot forge it. On SQLite (the embedded default,
which serializes writers) ``access_log_record`` chains in Python with the same function.

The content is encoded as ``<length>:<value>`` per field, so no value can shift into its
neighbour; the time as microseconds since the epoch, so Python and SQL agree exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

GENESIS = "0" * 64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The same fields, in the same order, as the trigger's ``care_accesslog_row_hash``.
CHAINED_FIELDS = (
    "chain_seq",
    "at",
    "user_id",
    "username",
    "source_ip",
    "action",
    "subject_type",
    "subject_id",
    "subject_label",
    "path",
    "prev_hash",
)
# Added later (base 0003): hashed after the others only when one of them is set, so that the
# rows chained before they existed keep their hashes, and a purpose set, changed or removed
# afterwards still breaks the row's hash. The trigger's function does the same.
OPTIONAL_CHAINED_FIELDS = ("purpose", "purpose_note")


def _text(name: str, value: object) -> str:
    if value is None:
        return ""
    if name == "at":
        return str((value - _EPOCH) // timedelta(microseconds=1))  # type: ignore[operator]
    return str(value)


def row_hash(row: object) -> str:
    """The hash a row must carry, from its stored values."""
    names = list(CHAINED_FIELDS)
    if any(getattr(row, name, "") for name in OPTIONAL_CHAINED_FIELDS):
        names.extend(OPTIONAL_CHAINED_FIELDS)
    parts = []
    for name in names:
        text = _text(name, getattr(row, name))
        parts.append(f"{len(text)}:{text}")
    return hashlib.sha256("".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    rows_checked: int
    first_broken_seq: int | None = None
    detail: str = ""


def check_chain(rows: Iterable[object], anchor: tuple[int, str] | None = None) -> ChainCheck:
    """Walk rows in ``chain_seq`` order and report the first one that does not fit.

    ``anchor`` is where the chain must start: the last row a purge past the retention period
    removed (its number and hash, ``AccessLogPurge``), or None when nothing was ever purged
    and the chain starts at row 1 from the genesis hash. So the oldest rows cannot be removed
    quietly either; after the first row every number must follow the last and every
    ``prev_hash`` must be the last row's hash.
    """
    previous = None
    count = 0
    first_seq, first_prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    for row in rows:
        count += 1
        seq = row.chain_seq  # type: ignore[attr-defined]
        if seq is None:
            return ChainCheck(False, count, None, f"id {row.pk}: not chained")  # type: ignore[attr-defined]
        if row.row_hash != row_hash(row):  # type: ignore[attr-defined]
            return ChainCheck(False, count, seq, f"row {seq}: content does not match its hash")
        expected_seq = previous.chain_seq + 1 if previous is not None else first_seq
        expected_prev = previous.row_hash if previous is not None else first_prev
        if seq != expected_seq:
            return ChainCheck(False, count, seq, f"rows {expected_seq}..{seq - 1} are missing")
        if row.prev_hash != expected_prev:  # type: ignore[attr-defined]
            if previous is None and anchor is None:
                return ChainCheck(False, count, seq, f"row {seq}: does not start the chain")
            return ChainCheck(False, count, seq, f"row {seq}: previous hash does not match")
        previous = row
    return ChainCheck(True, count)


def chain_in_python(rows: list[object], last: object | None) -> Iterator[object]:
    """Give new rows their sequence and hashes after ``last`` (SQLite only)."""
    seq = last.chain_seq if last is not None else 0  # type: ignore[attr-defined]
    prev = last.row_hash if last is not None else GENESIS  # type: ignore[attr-defined]
    for row in rows:
        seq += 1
        row.chain_seq = seq  # type: ignore[attr-defined]
        row.prev_hash = prev  # type: ignore[attr-defined]
        row.row_hash = row_hash(row)  # type: ignore[attr-defined]
        prev = row.row_hash  # type: ignore[attr-defined]
        yield row
