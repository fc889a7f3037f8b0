"""Trace to the batch: one document from product to supplier, batch, codes, orders, scans and complaints.

The package holds everything a trace is made of, one concern a module:

* :mod:`~suyuan.trace.tracing.document`: the trace document's shapes and :class:`TraceOptions`;
* :mod:`~suyuan.trace.tracing.batch_trace`: the use cases (:func:`trace_batch`,
  :func:`trace_complaint`, :func:`traceable_batch`) and who may trace what;
* :mod:`~suyuan.trace.tracing.scans`: the batch's scans as aggregates;
* :mod:`~suyuan.trace.tracing.events`: the batch's critical tracking events, oldest first;
* :mod:`~suyuan.trace.tracing.sheet`: those events as a CSV or XLSX spreadsheet
  (:mod:`suyuan.trace.epcis` renders them as EPCIS).

The document and its use cases are re-exported here, so callers write ``tracing.trace_batch(...)``
and ``tracing.TraceOptions(...)`` without knowing the module they live in.
"""

from __future__ import annotations

from suyuan.trace.tracing.batch_trace import (
    trace_batch,
    trace_complaint,
    traceability_lot_code,
    traceable_batch,
)
from suyuan.trace.tracing.document import (
    DEFAULT_ORDERS,
    MAX_COMPLAINTS,
    MAX_ORDERS,
    BatchInfo,
    CodesSummary,
    ComplaintInfo,
    ComplaintRow,
    ComplaintsPage,
    EntryInfo,
    IssuanceRange,
    LedgerTotals,
    MerchantInfo,
    OrderRow,
    OrdersPage,
    ProductInfo,
    QuarantineInfo,
    RecallInfo,
    ReportInfo,
    SpotCheckInfo,
    SupplierInfo,
    TraceDocument,
    TraceOptions,
)

__all__ = [
    "DEFAULT_ORDERS",
    "MAX_COMPLAINTS",
    "MAX_ORDERS",
    "BatchInfo",
    "CodesSummary",
    "ComplaintInfo",
    "ComplaintRow",
    "ComplaintsPage",
    "EntryInfo",
    "IssuanceRange",
    "LedgerTotals",
    "MerchantInfo",
    "OrderRow",
    "OrdersPage",
    "ProductInfo",
    "QuarantineInfo",
    "RecallInfo",
    "ReportInfo",
    "SpotCheckInfo",
    "SupplierInfo",
    "TraceDocument",
    "TraceOptions",
    "trace_batch",
    "trace_complaint",
    "traceability_lot_code",
    "traceable_batch",
]
