"""Label stock as data: page size, grid, label size, printer kind and resolution.

Templates are plain frozen records so that adding a stock is one entry here (no code), and so that tests
can check every template's geometry (labels inside the page, no overlaps, QR module size) mechanically.
All lengths are millimetres, measured from the top-left corner of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from suyuan.labels.errors import UnknownTemplate

Kind = Literal["sheet", "roll"]
INCH_MM = 25.4


@dataclass(frozen=True, slots=True)
class Template:
    """One label stock: ``columns`` x ``rows`` labels of ``label_width_mm`` x ``label_height_mm`` per page.

    ``pitch_*`` is the distance between the top-left corners of neighbouring labels (label size plus gap);
    ``padding_mm`` is the blank safety margin inside each label (die-cut and printer registration tolerance);
    ``dpi`` is the resolution of the printer this stock is normally used with (PNG/ZPL default, and the dot
    grid QR modules are snapped to so that every module prints as the same whole number of dots).
    """

    name: str
    description: str
    page_width_mm: float
    page_height_mm: float
    columns: int
    rows: int
    margin_left_mm: float
    margin_top_mm: float
    pitch_x_mm: float
    pitch_y_mm: float
    label_width_mm: float
    label_height_mm: float
    kind: Kind = "sheet"
    dpi: int = 300
    padding_mm: float = 2.0

    def __post_init__(self) -> None:
        """Reject impossible geometry early, so a typo in a new template fails at import, not on paper."""
        if self.columns < 1 or self.rows < 1:
            raise ValueError(f"template {self.name}: needs at least one column and row")
        if self.pitch_x_mm < self.label_width_mm or self.pitch_y_mm < self.label_height_mm:
            raise ValueError(f"template {self.name}: labels overlap (pitch smaller than label)")
        right = self.margin_left_mm + (self.columns - 1) * self.pitch_x_mm + self.label_width_mm
        bottom = self.margin_top_mm + (self.rows - 1) * self.pitch_y_mm + self.label_height_mm
        if right > self.page_width_mm + 1e-6 or bottom > self.page_height_mm + 1e-6:
            raise ValueError(f"template {self.name}: labels extend past the page")

    @property
    def labels_per_page(self) -> int:
        """How many labels one page (or one roll label) holds."""
        return self.columns * self.rows

    def label_origin(self, index: int) -> tuple[float, float]:
        """Top-left corner (x, y) in mm of the ``index``-th label on a page, filled row by row."""
        row, column = divmod(index, self.columns)
        return (
            self.margin_left_mm + column * self.pitch_x_mm,
            self.margin_top_mm + row * self.pitch_y_mm,
        )

    def summary(self) -> str:
        """One human line: name first (the CLI's ``labels templates`` prints one per line)."""
        return (
            f"{self.name}  {self.columns}x{self.rows} labels of {self.label_width_mm:g}x"
            f"{self.label_height_mm:g} mm on {self.page_width_mm:g}x{self.page_height_mm:g} mm "
            f"({self.kind}, {self.dpi} dpi) - {self.description}"
        )


_A4 = (210.0, 297.0)
_LETTER = (8.5 * INCH_MM, 11 * INCH_MM)

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            name="a4-3x8",
            description="A4 sheet, 24 labels 70x37 mm edge to edge (e.g. Avery 3474)",
            page_width_mm=_A4[0],
            page_height_mm=_A4[1],
            columns=3,
            rows=8,
            margin_left_mm=0.0,
            margin_top_mm=0.5,
            pitch_x_mm=70.0,
            pitch_y_mm=37.0,
            label_width_mm=70.0,
            label_height_mm=37.0,
            padding_mm=4.0,  # edge-to-edge stock: keep clear of laser printers' ~4 mm unprintable border
        ),
        Template(
            name="a4-4x10",
            description="A4 sheet, 40 small labels 45.7x25.4 mm (e.g. Avery L7654)",
            page_width_mm=_A4[0],
            page_height_mm=_A4[1],
            columns=4,
            rows=10,
            margin_left_mm=9.7,
            margin_top_mm=21.5,
            pitch_x_mm=48.3,
            pitch_y_mm=25.4,
            label_width_mm=45.7,
            label_height_mm=25.4,
            padding_mm=1.5,
        ),
        Template(
            name="a4-2x7",
            description="A4 sheet, 14 large labels 99.1x38.1 mm (e.g. Avery L7163)",
            page_width_mm=_A4[0],
            page_height_mm=_A4[1],
            columns=2,
            rows=7,
            margin_left_mm=4.65,
            margin_top_mm=15.15,
            pitch_x_mm=101.6,
            pitch_y_mm=38.1,
            label_width_mm=99.1,
            label_height_mm=38.1,
            padding_mm=2.0,
        ),
        Template(
            name="letter-3x10",
            description="US Letter sheet, 30 address labels 2.625x1 in (Avery 5160 layout)",
            page_width_mm=_LETTER[0],
            page_height_mm=_LETTER[1],
            columns=3,
            rows=10,
            margin_left_mm=0.1875 * INCH_MM,
            margin_top_mm=0.5 * INCH_MM,
            pitch_x_mm=2.75 * INCH_MM,
            pitch_y_mm=1.0 * INCH_MM,
            label_width_mm=2.625 * INCH_MM,
            label_height_mm=1.0 * INCH_MM,
            padding_mm=1.5,
        ),
        Template(
            name="roll-50x30",
            description="thermal roll, one 50x30 mm label at a time (Zebra/TSC desktop printers, 203 dpi)",
            page_width_mm=50.0,
            page_height_mm=30.0,
            columns=1,
            rows=1,
            margin_left_mm=0.0,
            margin_top_mm=0.0,
            pitch_x_mm=50.0,
            pitch_y_mm=30.0,
            label_width_mm=50.0,
            label_height_mm=30.0,
            kind="roll",
            dpi=203,
            padding_mm=1.5,
        ),
    )
}


def list_templates() -> list[Template]:
    """All templates, sorted by name, for the CLI listing and the API's discovery."""
    return [TEMPLATES[name] for name in sorted(TEMPLATES)]


def get_template(name: str) -> Template:
    """The template called ``name``; raises ``UnknownTemplate`` (listing valid names) for anything else."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise UnknownTemplate(name, TEMPLATES) from None
