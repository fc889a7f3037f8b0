"""The bonded-zone workflow (SZ chapters 3-5): entry, ledger, inspection, spot checks, exit, returns,
quotas, anomalies and credit, one module per concern.

Every use case takes ``(session, actor, ...)``, validates everything before writing, records its audit
entry in the same transaction and fails with a named domain error. The ledger is the spine: each module
that moves goods posts to :mod:`suyuan.trace.zone.ledger`, which refuses to go below zero.
"""
