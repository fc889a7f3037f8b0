"""The ``suyuan`` command: a thin layer over the same domain services the web app calls.

This module defines the top-level click group :func:`main` (the ``suyuan`` entry point) and attaches
the commands, which live in modules by what they are about: :mod:`~suyuan.cli.instance` (db, demo,
serve), :mod:`~suyuan.cli.registry` (enterprise, product, negative-list), :mod:`~suyuan.cli.batches`,
:mod:`~suyuan.cli.keys`, :mod:`~suyuan.cli.codes`, :mod:`~suyuan.cli.labels`,
:mod:`~suyuan.cli.scans` (verify, scan, scans), :mod:`~suyuan.cli.zone`, :mod:`~suyuan.cli.audit` and
:mod:`~suyuan.cli.accounts` (init, office, users, tokens).
What they share, the runtime and the one mapping of errors to messages and exit codes (2: bad
input, 1: problems found), is in :mod:`~suyuan.cli.common`.
"""

from __future__ import annotations

import click

from suyuan.cli import accounts, audit, batches, ceb, codes, instance, keys, labels, registry, scans, zone

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="suyuan")
def main() -> None:
    """Suyuan (溯源): QR anti-counterfeit traceability for bonded cross-border e-commerce goods.

    Configuration comes from the environment: SUYUAN_DATABASE_URL, SUYUAN_BASE_URL,
    SUYUAN_SECRET_KEY, SUYUAN_INSTANCE_DIR, SUYUAN_KEY_PASSPHRASE / SUYUAN_KEY_FILE.
    """


for _command in (
    instance.db,
    instance.demo_command,
    instance.serve,
    scans.scans_group,
    scans.verify_command,
    scans.scan_command,
    audit.audit_group,
    registry.enterprise,
    registry.product,
    registry.negative_list_group,
    batches.batch_group,
    zone.zone_group,
    ceb.ceb_group,
    keys.keys_group,
    codes.codes_group,
    labels.labels_group,
    accounts.init_command,
    accounts.office_group,
    accounts.users_group,
    accounts.tokens_group,
):
    main.add_command(_command)
