"""The ``suyuan`` command: a thin layer over the same domain services the web app calls.

This module defines the top-level click group :func:`main` (the ``suyuan`` entry point) and attaches
the commands, which live in modules by what they are about: :mod:`~suyuan.cli.instance` (db, demo,
serve), :mod:`~suyuan.cli.registry` (enterprise, product, negative-list), :mod:`~suyuan.cli.batches`,
:mod:`~suyuan.cli.keys`, :mod:`~suyuan.cli.codes`, :mod:`~suyuan.cli.labels`,
:mod:`~suyuan.cli.scans` (verify, scan, scans), :mod:`~suyuan.cli.zone`, :mod:`~suyuan.cli.enforcement`
(sanction, credit-list, exit-hold), :mod:`~suyuan.cli.supervision` (lists, risk, warehouse),
:mod:`~suyuan.cli.audit`, :mod:`~suyuan.cli.reports` (report half-year) and
:mod:`~suyuan.cli.accounts` (init, office, users, tokens).
What they share, the runtime and the one mapping of errors to messages and exit codes (2: bad
input, 1: problems found), is in :mod:`~suyuan.cli.common`.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["main"]

# Each command by name: the module of suyuan.cli that defines it, and its attribute there, in the order
# ``--help`` lists them. Modules are imported only when their command runs (or ``--help`` lists them):
# ``suyuan verify`` must not pay for the web stack, the models and the label renderer at start-up.
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("instance", "db"),
    "demo": ("instance", "demo_command"),
    "serve": ("instance", "serve"),
    "scans": ("scans", "scans_group"),
    "verify": ("scans", "verify_command"),
    "scan": ("scans", "scan_command"),
    "audit": ("audit", "audit_group"),
    "enterprise": ("registry", "enterprise"),
    "product": ("registry", "product"),
    "negative-list": ("registry", "negative_list_group"),
    "batch": ("batches", "batch_group"),
    "zone": ("zone", "zone_group"),
    "sanction": ("enforcement", "sanction_group"),
    "credit-list": ("enforcement", "credit_list_group"),
    "exit-hold": ("enforcement", "exit_hold_group"),
    "rectification": ("rectification", "rectification_group"),
    "report": ("reports", "report_group"),
    "major-case": ("major_cases", "major_case_group"),
    "lists": ("supervision", "lists_group"),
    "risk": ("supervision", "risk_group"),
    "warehouse": ("supervision", "warehouse_group"),
    "ceb": ("ceb", "ceb_group"),
    "keys": ("keys", "keys_group"),
    "codes": ("codes", "codes_group"),
    "labels": ("labels", "labels_group"),
    "init": ("accounts", "init_command"),
    "office": ("accounts", "office_group"),
    "users": ("accounts", "users_group"),
    "tokens": ("accounts", "tokens_group"),
}


class _LazyGroup(click.Group):
    """A click group that imports a command's module when the command is asked for, not at start-up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"suyuan.cli.{module}"), attribute)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="suyuan")
def main() -> None:
    """Suyuan (溯源): QR anti-counterfeit traceability for bonded cross-border e-commerce goods.

    Configuration comes from the environment: SUYUAN_DATABASE_URL, SUYUAN_BASE_URL,
    SUYUAN_SECRET_KEY, SUYUAN_INSTANCE_DIR, SUYUAN_KEY_PASSPHRASE / SUYUAN_KEY_FILE.
    """
