"""scan cache notifications: PostgreSQL tells every app process what changed (issue 17)

On PostgreSQL each app process keeps what scans need in memory (suyuan.trace.scan_cache): batches, keys,
claims and each code's scans so far, so a scan makes no database round trip. These triggers send what
changed to every process that listens, at commit:

- ``suyuan_scan_cache``: ``<table> <id>`` for every row inserted, updated or deleted in ``batch``,
  ``signing_key``, ``issuance``, ``product``, ``supplier``, ``enterprise`` and ``risk_warning``, and
  ``claim <batch_id> <serial>`` for claims; ``fence <n>`` is sent by a committer that waits until every
  listener has applied its change (the sequence ``scan_cache_fence`` numbers them). Each listener
  keeps a row in ``scan_cache_listener``: the last fence it applied and until when it trusts its cache
  (its lease), so a committer knows whom to wait for, even for a listener whose connection just died.
- ``suyuan_scans``: the scans inserted (bound to a batch), in chunks of at most 40 rows, each chunk
  headed by the inserting transaction's id and its connection's ``application_name``, so a listener can
  tell which scans a read of its own already saw and which scans are its own process's.

SQLite needs none of this: it has one reader per file and every scan reads afresh (in-process, no
round trip).

Revision ID: 0013_scan_cache_notify
Revises: 0012_buyer_restrictions
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0013_scan_cache_notify"
down_revision: str | None = "0012_buyer_restrictions"
branch_labels = None
depends_on = None

WATCHED = ("batch", "signing_key", "issuance", "product", "supplier", "enterprise", "risk_warning", "claim")

CHANGED = """
CREATE FUNCTION suyuan_scan_cache_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed jsonb := CASE TG_OP WHEN 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
BEGIN
  IF TG_TABLE_NAME = 'claim' THEN
    PERFORM pg_notify('suyuan_scan_cache',
                      concat_ws(' ', 'claim', changed->>'batch_id', changed->>'serial'));
  ELSE
    PERFORM pg_notify('suyuan_scan_cache', concat_ws(' ', TG_TABLE_NAME, changed->>'id'));
  END IF;
  RETURN NULL;
END $$
"""

ADDED = """
CREATE FUNCTION suyuan_scans_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head text := pg_current_xact_id()::text || E'\\t' || current_setting('application_name');
  chunk text;
BEGIN
  FOR chunk IN
    SELECT string_agg(line, E'\\n')
    FROM (
      SELECT concat_ws(E'\\t', batch_id, serial, (extract(epoch FROM at) * 1000000)::bigint,
                       device_hash, region) AS line,
             (row_number() OVER () - 1) / 40 AS part
      FROM added
      WHERE batch_id IS NOT NULL
    ) AS lines
    GROUP BY part
  LOOP
    PERFORM pg_notify('suyuan_scans', head || E'\\n' || chunk);
  END LOOP;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    """Create the notifying triggers and the fence sequence (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE scan_cache_fence")
    op.execute(
        "CREATE TABLE scan_cache_listener ("
        "name text PRIMARY KEY, fence bigint NOT NULL, lease_until timestamptz NOT NULL)"
    )
    op.execute(CHANGED)
    op.execute(ADDED)
    for table in WATCHED:
        op.execute(
            f"CREATE TRIGGER suyuan_scan_cache_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION suyuan_scan_cache_changed()"
        )
    op.execute(
        "CREATE TRIGGER suyuan_scans_added AFTER INSERT ON scan REFERENCING NEW TABLE AS added "
        "FOR EACH STATEMENT EXECUTE FUNCTION suyuan_scans_added()"
    )


def downgrade() -> None:
    """Drop them again."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER suyuan_scans_added ON scan")
    for table in WATCHED:
        op.execute(f"DROP TRIGGER suyuan_scan_cache_{table} ON {table}")
    op.execute("DROP FUNCTION suyuan_scans_added()")
    op.execute("DROP FUNCTION suyuan_scan_cache_changed()")
    op.execute("DROP TABLE scan_cache_listener")
    op.execute("DROP SEQUENCE scan_cache_fence")
