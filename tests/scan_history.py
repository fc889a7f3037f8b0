"""A factory for scan history: scans of a batch at chosen moments, as the scan endpoint records them.

The scan endpoint stamps every scan with the current time, so a month of history for the dashboards'
statistics cannot be produced through it; these rows have exactly the shape it writes, and the daily
scan tally is rebuilt from the scan log after them, as the scan endpoint would have kept it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from suyuan.trace.model import Batch, Scan
from suyuan.trace.scan_tally import rebuild_tally


def add_scans(
    session: Session,
    batch: Batch,
    at: datetime,
    *,
    count: int = 1,
    region: str = "",
    verdict: str = "genuine",
) -> None:
    """``count`` scans of ``batch`` (serials 1..count, one device each) at ``at``, tallied, committed."""
    session.add_all(
        Scan(
            at=at,
            batch_id=batch.id,
            gtin=batch.gtin,
            lot=batch.lot,
            serial=str(i + 1),
            device_hash=f"d{i}",
            region=region,
            verdict=verdict,
            reasons=[],
        )
        for i in range(count)
    )
    session.flush()
    rebuild_tally(session)
    session.commit()
