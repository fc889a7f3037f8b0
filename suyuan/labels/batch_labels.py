"""Labels of a batch's issued codes: the bridge from ``suyuan.trace`` to the renderers and the proof.

The CLI and the web call these so both render the same labels, apply the same limits and release a
sheet only when its proof passes.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy.orm import Session

from suyuan.labels.base import Progress, RenderStats
from suyuan.labels.errors import LabelError
from suyuan.labels.model import LabelItem
from suyuan.labels.proof import ProofReport, proof_images, proof_pdf
from suyuan.labels.render import render
from suyuan.labels.templates import Template
from suyuan.trace import issuance, scanning
from suyuan.trace.codes import MalformedCode, parse_code
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import Batch
from suyuan.trace.verdicts import Verdict

PROOF_FORMATS = ("pdf", "png")
MAX_WEB_LABELS = 20_000
MAX_WEB_PROOF_LABELS = 2_000


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "svg": "image/svg+xml",
    "zpl": "application/vnd.zebra-zpl",
}


def planned_output(job: LabelJob) -> tuple[str, str]:
    """Media type and file extension of a job before rendering (multi-page PNG/SVG come as a ZIP)."""
    pages = -(-len(job.serials) // job.template.labels_per_page)
    if job.fmt in ("png", "svg") and pages > 1:
        return "application/zip", "zip"
    return MEDIA_TYPES[job.fmt], job.fmt


class ProofUnsupported(LabelError):
    """The print proof rasterises pages; SVG and ZPL need a printer driver to rasterise."""


@dataclass(frozen=True)
class LabelJob:
    """What to print: a batch, a serial range of its issued codes, a template, a format and a resolution."""

    batch: Batch
    serials: issuance.SerialRange
    template: Template
    fmt: str
    dpi: int | None = None


def label_items(session: Session, ring: KeyRing, job: LabelJob, base: str) -> Iterator[LabelItem]:
    """The job's labels, lazily: each code re-derived from its issuance as the renderer asks for it."""
    product = job.batch.product
    urls = issuance.code_urls(session, ring, job.batch, job.serials, base)
    for serial, url in zip(range(job.serials.first, job.serials.last + 1), urls, strict=True):
        yield LabelItem(
            url=url,
            product_name=product.name,
            gtin=job.batch.gtin,
            lot=job.batch.lot,
            serial=str(serial),
            expiry=job.batch.expiry_date,
        )


def render_job(
    session: Session,
    ring: KeyRing,
    job: LabelJob,
    base: str,
    out: IO[bytes],
    progress: Progress | None = None,
) -> RenderStats:
    """Render the job's labels to ``out``, page by page."""
    return render(
        label_items(session, ring, job, base),
        job.template,
        job.fmt,
        out,  # type: ignore[arg-type]
        dpi=job.dpi,
        progress=progress,
    )


def issued_code_verifier(session: Session, ring: KeyRing) -> Callable[[str], bool]:
    """The proof's check of each decoded URL: validly signed, by a live key, within an issued range.

    Labels are printed and affixed in the bonded zone before release (SZ Art. 17), so ``not_released``
    is fine here; counterfeit or revoked is not.
    """

    def verify(text: str) -> bool:
        try:
            parsed = parse_code(text)
        except MalformedCode:
            return False
        return scanning.check_code(session, ring, parsed).verdict not in (
            Verdict.COUNTERFEIT,
            Verdict.REVOKED,
        )

    return verify


def proof_job(
    session: Session, ring: KeyRing, job: LabelJob, base: str, rendered: Any, verify: Callable[[str], bool]
) -> ProofReport:
    """Rasterise the rendered file at the printer's resolution and check every label decodes and verifies."""
    if job.fmt not in PROOF_FORMATS:
        raise ProofUnsupported(
            f"the print proof works on {' and '.join(PROOF_FORMATS)} output, not {job.fmt}"
        )
    expected = list(issuance.code_urls(session, ring, job.batch, job.serials, base))
    if job.fmt == "pdf":
        return proof_pdf(rendered, expected, dpi=job.dpi or job.template.dpi, verify=verify)
    return proof_images(rendered, expected, verify=verify)


class DownloadAbandoned(Exception):
    """The client went away; the rendering thread stops at its next write."""


class _ChunkQueue:
    """A file-like sink whose writes become chunks of a bounded queue (back-pressure, constant memory)."""

    def __init__(self, size: int = 16) -> None:
        self.chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=size)
        self.abandoned = threading.Event()

    def write(self, data: bytes) -> int:
        while data:
            if self.abandoned.is_set():
                raise DownloadAbandoned()
            try:
                self.chunks.put(bytes(data), timeout=0.5)
            except queue.Full:
                continue
            break
        return len(data)

    def flush(self) -> None:
        """Nothing buffered here."""


def stream_render(produce: Callable[[IO[bytes]], object]) -> Iterator[bytes]:
    """Run ``produce(out)`` in a thread and yield what it writes, as it writes it.

    Errors after the first byte cannot change the HTTP status any more, so callers validate the job
    (template, format, range, limits) before streaming; a late failure ends the download early.
    """
    sink = _ChunkQueue()

    def work() -> None:
        try:
            produce(sink)  # type: ignore[arg-type]
        except DownloadAbandoned:
            return
        except BaseException as exc:  # handed to the consumer, which re-raises
            with contextlib.suppress(queue.Full):
                sink.chunks.put(exc, timeout=5)
        else:
            with contextlib.suppress(queue.Full):
                sink.chunks.put(None, timeout=5)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        while True:
            chunk = sink.chunks.get()
            if chunk is None:
                break
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk
    finally:  # also when the client disconnects and the generator is closed
        sink.abandoned.set()
        thread.join(timeout=5)
