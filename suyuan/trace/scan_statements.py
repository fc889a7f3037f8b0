"""The SQL of the scan path, built once: binding a code to key, batch and issuance, its history, the scan row.

Why prebuilt: a scan is the busiest request Suyuan serves, and building SQLAlchemy expressions for every
request cost more than running them (docs/bench-codes.md, "Scan endpoint"). These statements are built at
import with bind parameters and executed with a dict of values, so SQLAlchemy reuses their memoized cache
keys and compiled SQL. They hold no data: every scan reads key status, batch status, claim and history
afresh, so a revocation or a recall takes effect on the very next scan.

Why so few: each statement is a round trip to a database server. A scan reads everything it needs in one
statement (:data:`SCAN`) and writes one row (:data:`INSERT_SCAN`); on PostgreSQL the read also relaxes the
commit's durability (:func:`suyuan.trace.db.relaxed_durability`) instead of spending a ``SET`` on it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, Integer, Select, String, and_, bindparam, case, distinct, func, insert, select
from sqlalchemy.orm import joinedload

from suyuan.trace.db import relaxed_durability
from suyuan.trace.issuance import covers
from suyuan.trace.model import Batch, Claim, Issuance, Scan, SigningKey

# Parameters: kid, gtin, lot and number (the serial as an int, or None when no issuance can cover it);
# SCAN also serial (as stored, at most 20 characters), device and region (this scan's).
_GTIN = bindparam("gtin", type_=String)
_LOT = bindparam("lot", type_=String)
_SERIAL = bindparam("serial", type_=String)


def _binding() -> Select[*tuple[Any, ...]]:
    """Key by kid, batch by (GTIN, lot) with product and supplier, the issuance covering the serial.

    Outer joins: a row comes back whenever the key exists, with ``None`` for what does not.
    """
    return (
        select(SigningKey, Batch, Issuance)
        .select_from(SigningKey)
        .outerjoin(Batch, and_(Batch.gtin == _GTIN, Batch.lot == _LOT))
        .outerjoin(Issuance, and_(Issuance.batch_id == Batch.id, covers(bindparam("number", type_=Integer))))
        .where(SigningKey.kid == bindparam("kid", type_=String))
        .options(joinedload(Batch.product), joinedload(Batch.supplier))  # the verdict shows both
    )


def _history() -> Any:
    """The code's scans so far in one row: how many, the first, distinct devices and regions.

    Blank device hashes and regions are neither; ``device_first_at`` is when this scan's device first
    scanned the code (``None``: never), ``region_seen`` whether this scan's region is among them. The
    batch comes from (GTIN, lot) in a scalar subquery, so the search runs on ``ix_scan_batch_serial``
    without waiting for the outer query.
    """
    batch_id = select(Batch.id).where(Batch.gtin == _GTIN, Batch.lot == _LOT).scalar_subquery()
    return (
        select(
            Scan.batch_id,
            func.count().label("scans"),
            func.min(Scan.at).label("first_at"),
            func.count(distinct(func.nullif(Scan.device_hash, ""))).label("devices"),
            func.min(case((Scan.device_hash == bindparam("device", type_=String), Scan.at))).label(
                "device_first_at"
            ),
            func.count(distinct(func.nullif(Scan.region, ""))).label("regions"),
            func.max(case((Scan.region == bindparam("region", type_=String), 1), else_=0)).label(
                "region_seen"
            ),
        )
        .where(Scan.batch_id == batch_id, Scan.serial == _SERIAL)
        .group_by(Scan.batch_id)
        .subquery("history")
    )


def _scan(*, postgresql: bool) -> Select[*tuple[Any, ...]]:
    """:func:`_binding` plus the code's claim and history: all a scan reads, in one round trip."""
    history = _history()
    statement = (
        _binding()
        .add_columns(Claim, *(column for column in history.c if column.key != "batch_id"))
        .outerjoin(Claim, and_(Claim.batch_id == Batch.id, Claim.serial == _SERIAL))
        .outerjoin(history, history.c.batch_id == Batch.id)
    )
    return statement.add_columns(relaxed_durability()) if postgresql else statement


def _unbound_counts(*, postgresql: bool) -> Select[*tuple[Any, ...]]:
    """Scans so far of a code bound to no batch (forged, unknown), by the code as scanned (``ix_scan_code``).

    An aggregate without GROUP BY: always exactly one row, so on PostgreSQL it always relaxes durability.
    """
    statement = select(func.count().label("scans"), func.min(Scan.at).label("first_at")).where(
        Scan.batch_id.is_(None), Scan.gtin == _GTIN, Scan.lot == _LOT, Scan.serial == _SERIAL
    )
    return statement.add_columns(relaxed_durability()) if postgresql else statement


def _first_seen(column: Any) -> Select[*tuple[Any, ...]]:
    """When each known device (or region) first scanned a code: one row per device, by batch and serial.

    Read only when a code's distinct devices or regions already exceed the clone rules' limits, to weigh
    them by the day they appeared (:func:`suyuan.trace.scanning.weigh_by_day`); on ``ix_scan_batch_serial``.
    """
    return (
        select(func.min(Scan.at))
        .where(Scan.batch_id == bindparam("batch_id", type_=Integer), Scan.serial == _SERIAL, column != "")
        .group_by(column)
    )


BINDING = _binding()
SCAN = {False: _scan(postgresql=False), True: _scan(postgresql=True)}  # by "is it PostgreSQL?"
UNBOUND_COUNTS = {False: _unbound_counts(postgresql=False), True: _unbound_counts(postgresql=True)}
INSERT_SCAN: Insert = insert(Scan)
DEVICES_FIRST_SEEN = _first_seen(Scan.device_hash)  # parameters: batch_id, serial
REGIONS_FIRST_SEEN = _first_seen(Scan.region)
