"""Label templates and rendering (PDF, PNG, SVG, ZPL) with a print proof; depends on ``suyuan.trace`` only.

Merchants print a batch's codes on the stock and printer they have, and must know every label scans:
``render()`` streams any number of ``LabelItem`` values page by page onto a ``Template`` in one of four
formats, and ``proof_pdf()`` / ``proof_images()`` rasterise the result at printer resolution and decode
every code back. No database and no web framework here: the CLI and API wrap these functions.
"""

from suyuan.labels.base import RenderStats
from suyuan.labels.errors import FontNotFound, LabelError, LabelTooSmall, UnknownFormat, UnknownTemplate
from suyuan.labels.model import LabelItem
from suyuan.labels.proof import PageProof, ProofReport, proof_images, proof_pdf
from suyuan.labels.render import FORMATS, Format, file_extension, render
from suyuan.labels.templates import TEMPLATES, Template, get_template, list_templates

__all__ = [
    "FORMATS",
    "TEMPLATES",
    "FontNotFound",
    "Format",
    "LabelError",
    "LabelItem",
    "LabelTooSmall",
    "PageProof",
    "ProofReport",
    "RenderStats",
    "Template",
    "UnknownFormat",
    "UnknownTemplate",
    "file_extension",
    "get_template",
    "list_templates",
    "proof_images",
    "proof_pdf",
    "render",
]
