"""Printable label sheets of issued codes: ``labels templates`` and ``labels render``.

Rendering writes to a hidden ``.partial`` file beside the output and renames it only when done (and,
with ``--proof``, only when every label decodes and verifies), so a failed run leaves no sheet that
could be printed by mistake. The label libraries are imported inside the commands: they are heavy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx
from suyuan.trace import batches, issuance
from suyuan.trace.actors import OPERATOR


@click.group("labels")
def labels_group() -> None:
    """Printable label sheets of issued codes."""


@labels_group.command("templates")
def labels_templates() -> None:
    """List the label templates, one a line, name first."""
    from suyuan.labels.templates import list_templates

    for template in list_templates():
        click.echo(template.summary())


@labels_group.command("render")
@click.option("--batch", "batch_id", required=True, type=int)
@click.option("--first", type=int, help="First serial (default: 1).")
@click.option("--last", type=int, help="Last serial (default: the last issued).")
@click.option("--template", "template_name", required=True)
@click.option("--format", "fmt", required=True, type=click.Choice(["pdf", "png", "svg", "zpl"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dpi", type=click.IntRange(100, 1200), help="Printer resolution (default: the template's).")
@click.option(
    "--proof", is_flag=True, help="Rasterise and decode every label; keep the file only if all pass."
)
@pass_ctx
def labels_render(
    ctx: Context,
    batch_id: int,
    first: int | None,
    last: int | None,
    template_name: str,
    fmt: str,
    output: Path,
    dpi: int | None,
    proof: bool,
) -> None:
    """Render a batch's labels; with --proof, keep the file only if every label decodes and verifies."""
    from suyuan.labels.batch_labels import LabelJob, issued_code_verifier, proof_job, render_job
    from suyuan.labels.errors import LabelError
    from suyuan.labels.templates import get_template

    rt = ctx.runtime
    partial = output.with_name(f".{output.name}.partial")
    try:
        with edge_errors(), rt.transaction() as session:
            batch = batches.get_batch(session, OPERATOR, batch_id)
            job = LabelJob(
                batch,
                issuance.issued_range(session, batch_id, first, last),
                get_template(template_name),
                fmt,
                dpi,
            )
            if proof and fmt not in ("pdf", "png"):
                fail("--proof works on pdf and png output (it rasterises the pages)")
            with partial.open("wb") as out, _progress(len(job.serials)) as advance:
                stats = render_job(session, rt.ring, job, rt.code_base, out, progress=advance)
            click.echo(
                f"rendered {stats.labels} labels on {stats.pages} page(s) ({stats.format}, {stats.dpi} dpi, "
                f"smallest module {stats.min_module_mm:.2f} mm) in {stats.seconds:.1f} s"
            )
            if proof:
                report = proof_job(
                    session, rt.ring, job, rt.code_base, partial, issued_code_verifier(session, rt.ring)
                )
                click.echo(f"proof: {report.summary()}")
                for url in (*report.missing, *report.unexpected, *report.duplicates, *report.rejected)[:20]:
                    click.echo(f"  problem: {url}")
                if not report.passed:
                    fail("the print proof failed; no file was written", status=1)
        partial.replace(output)
        click.echo(f"wrote {output}")
    except LabelError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (quiet when stderr is not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("labels", total=total)
        yield lambda done: bar.update(task, completed=done)
