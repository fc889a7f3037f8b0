"""Setting an instance up and running it: ``db upgrade``, ``demo`` and ``serve``.

These are the three steps of ``make run``; they touch the schema, the demo data set and the WSGI
server rather than any one domain service, so they live apart from the commands of the domain.
"""

from __future__ import annotations

import json

import click

from suyuan.cli.common import Context, edge_errors, pass_ctx
from suyuan.trace import demo


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the schema to the latest revision."""
    from suyuan.migrations import upgrade_database

    with edge_errors():
        upgrade_database(ctx.runtime.settings.database_url)
    click.echo("database is at the latest revision")


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (DESIGN.md §5).")
@pass_ctx
def demo_command(ctx: Context, as_json: bool) -> None:
    """Load the demo data set (idempotent) and print the logins, tokens and sample codes."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        info = demo.load_demo(session, rt.ring, base_url=rt.settings.base_url, secret=rt.settings.secret_key)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    click.echo(f"Demo loaded at {info['base_url']}")
    for who, login in info["logins"].items():
        click.echo(
            f"  {who:11} {login['email']:28} password {login['password']}  token {info['tokens'][who]}"
        )
    click.echo("Batches:")
    for b in info["batches"]:
        click.echo(
            f"  #{b['id']:<3} {b['gtin']} lot {b['lot']:8} {b['status']:9} {b['merchant']:10} {b['product']}"
        )
    click.echo("Sample codes (open one in a browser):")
    for url in info["sample_codes"]:
        click.echo(f"  {url}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn (production WSGI server)."""
    from suyuan.web.server import run_gunicorn

    run_gunicorn(host=host, port=port, workers=workers)
