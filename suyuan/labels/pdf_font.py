"""Embedding the CJK label font in a PDF as a subset (Type 0 / CIDFontType2, Identity-H).

Text is encoded as 2-byte glyph ids of the subset (so any number of distinct characters fits in one font
object, unlike reportlab's 256-character simple-font subsets), with a ToUnicode map so that the PDF's
text can still be searched and copied. Subsetting itself is reportlab's ``TTFontFile.makeSubset``; we
mirror its glyph numbering (the font's glyph 0 first, then glyphs in first-use order) to know each
character's new glyph id while pages are being written, before the subset exists.
"""

from __future__ import annotations

import hashlib

from suyuan.labels.fonts import LabelFont
from suyuan.labels.pdf_writer import PdfWriter

FONT_RESOURCE = b"/F1"


class PdfFontSubset:
    """Tracks the characters a document uses and writes the subset font objects at the end."""

    def __init__(self, font: LabelFont) -> None:
        self.font = font
        self._codes: list[int] = []  # code points in first-use order: the list given to makeSubset
        self._cid: dict[int, int] = {}  # code point -> glyph id in the subset (= CID, Identity map)
        self._old_to_new: dict[int, int] = {0: 0}
        self._encoded: dict[str, bytes] = {}

    def encode(self, text: str) -> bytes:
        """``text`` as a PDF hex string of subset glyph ids, registering new characters."""
        cached = self._encoded.get(text)
        if cached is not None:
            return cached
        cids = [self._cid[code] if code in self._cid else self._register(code) for code in map(ord, text)]
        encoded = b"<" + "".join(f"{cid:04X}" for cid in cids).encode("ascii") + b">"
        if len(self._encoded) < 512:
            self._encoded[text] = encoded
        return encoded

    def _register(self, code: int) -> int:
        old = self.font.face.charToGlyph.get(code, 0)
        self._codes.append(code)
        new = self._old_to_new.setdefault(old, len(self._old_to_new))
        self._cid[code] = new
        return new

    def _widths(self) -> bytes:
        by_cid: dict[int, float] = {}
        for code, cid in self._cid.items():
            by_cid[cid] = float(self.font.face.charWidths.get(code, self.font.face.defaultWidth))
        widths = [by_cid.get(cid, 1000.0) for cid in range(1, len(self._old_to_new))]
        return b"[1 [%s]]" % b" ".join(b"%.2f" % w for w in widths) if widths else b"[]"

    def _to_unicode(self) -> bytes:
        pairs = sorted((cid, code) for code, cid in self._cid.items() if cid)
        blocks = []
        for start in range(0, len(pairs), 100):
            chunk = pairs[start : start + 100]
            rows = "\n".join(
                f"<{cid:04X}> <{chr(code).encode('utf-16-be').hex().upper()}>" for cid, code in chunk
            )
            blocks.append(f"{len(chunk)} beginbfchar\n{rows}\nendbfchar")
        body = "\n".join(blocks)
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        ).encode("ascii")

    def _subset_name(self) -> bytes:
        digest = hashlib.sha256(repr(self._codes).encode()).digest()
        tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
        return f"{tag}+{self.font.ps_name}".encode("ascii", "replace")

    def write(self, pdf: PdfWriter, font_id: int) -> None:
        """Write the Type 0 font at ``font_id`` plus its descendant, descriptor, subset file and ToUnicode."""
        face = self.font.face
        name = self._subset_name()
        file_id, descriptor_id, cid_font_id, cmap_id = (pdf.reserve() for _ in range(4))
        subset = face.makeSubset(self._codes or [32])
        pdf.write_stream(file_id, subset, b" /Length1 %d" % len(subset))
        bbox = b" ".join(b"%d" % round(v) for v in face.bbox)
        pdf.write_object(
            descriptor_id,
            b"<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%s] /ItalicAngle 0 /Ascent %d"
            b" /Descent %d /CapHeight %d /StemV %d /FontFile2 %d 0 R >>"
            % (
                name,
                bbox,
                round(face.ascent),
                round(face.descent),
                round(face.capHeight),
                face.stemV,
                file_id,
            ),
        )
        pdf.write_object(
            cid_font_id,
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe)"
            b" /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W %s"
            b" /CIDToGIDMap /Identity >>" % (name, descriptor_id, self._widths()),
        )
        pdf.write_stream(cmap_id, self._to_unicode())
        pdf.write_object(
            font_id,
            b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R]"
            b" /ToUnicode %d 0 R >>" % (name, cid_font_id, cmap_id),
        )
