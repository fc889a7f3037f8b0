"""Suyuan's domain core: filings, codes, scans, ledger and audit log. Knows nothing of Flask."""
