"""Score GS1 Digital Link parsers on the GS1 Barcode Syntax Engine's 118 vectors, and time ours.

Why: ``suyuan.trace.digital_link`` exists because ``biip`` alone accepts some URIs the engine refuses and
refuses some it accepts. This script shows the gap closing and keeps the numbers in
``docs/gs1-conformance.md`` honest. It prints:

- biip 5 alone (``GS1DigitalLinkURI.parse``, element string rebuilt with FNC1 after variable-length AIs);
- our parser with the engine's defaults (every leniency off), which is how Suyuan calls it;
- our parser with the best single set of options (no fixed configuration can pass all 118, because the
  engine's test switches options between cases and seven URIs appear with opposite expectations);
- our parser with the options the engine's test had switched on for each case;
- parses per second for a code shaped like ours, for our parser and for biip.

Run: ``.venv/bin/python bench/gs1_vectors.py [path/to/digital_link_vectors.json]``
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from biip import ParseError  # noqa: E402
from biip.gs1_digital_link_uris import GS1DigitalLinkURI  # noqa: E402

from suyuan.trace.digital_link import (  # noqa: E402
    STRICT,
    DigitalLinkError,
    DigitalLinkOptions,
    parse_digital_link,
)
from tests.trace.test_digital_link import ENGINE_OPTIONS  # noqa: E402

DEFAULT_VECTORS = ROOT / "tests" / "data" / "gs1" / "digital_link_vectors.json"
Parser = Callable[[str], str | None]


def biip_element_string(uri: str) -> str | None:
    """biip's reading of ``uri`` as an element string with ``^`` for FNC1, or None if it refuses."""
    try:
        link = GS1DigitalLinkURI.parse(uri)
    except (ParseError, ValueError):
        return None
    parts = ["^"]
    strings = list(link.element_strings)
    for index, element in enumerate(strings):
        parts.append(element.ai.ai + element.value)
        if element.ai.separator_required and index < len(strings) - 1:
            parts.append("^")
    return "".join(parts)


def ours(options: DigitalLinkOptions) -> Parser:
    """Our parser with fixed ``options``, as an element-string-or-None function."""

    def parse(uri: str) -> str | None:
        try:
            return parse_digital_link(uri, options=options).element_string
        except DigitalLinkError:
            return None

    return parse


def mismatches(vectors: list[dict[str, Any]], parse_case: Callable[[int, str], str | None]) -> list[int]:
    """Indexes of vectors where the parser's outcome differs from the engine's."""
    wrong = []
    for index, vector in enumerate(vectors):
        expected = vector["element_string"] if vector["valid"] else None
        if parse_case(index, vector["uri"]) != expected:
            wrong.append(index)
    return wrong


def all_option_sets() -> list[DigitalLinkOptions]:
    return [DigitalLinkOptions(*flags) for flags in itertools.product((False, True), repeat=4)]


def describe(options: DigitalLinkOptions) -> str:
    on = [name for name, value in vars(options).items() if value]
    return ", ".join(on) or "all off"


def parse_rate(parse: Parser, texts: list[str], repeats: int = 5) -> float:
    """Median parses per second over ``repeats`` passes through ``texts``."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            parse(text)
        rates.append(len(texts) / (time.perf_counter() - start))
    return sorted(rates)[len(rates) // 2]


def code_texts(n: int, seed: int = 7) -> list[str]:
    """Texts shaped like Suyuan codes: upper-case stem, GTIN-14, lot, serial and a 156-digit ``s``."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        signature = "".join(rng.choice("0123456789") for _ in range(155))
        texts.append(
            f"HTTPS://SY.EXAMPLE.CN/01/09501101530003/10/L2611A/21/{rng.randint(1, 999_999)}?s=1{signature}"
        )
    return texts


def report_scores(vectors: list[dict[str, Any]]) -> None:
    total = len(vectors)
    valid = sum(vector["valid"] for vector in vectors)
    print(f"GS1 Digital Link vectors: {total} ({valid} valid, {total - valid} invalid)")

    biip_wrong = mismatches(vectors, lambda _, uri: biip_element_string(uri))
    print(f"  biip {version('biip')} alone:                       {total - len(biip_wrong)}/{total}")
    print(f"    mismatches: {biip_wrong}")

    strict_wrong = mismatches(vectors, lambda _, uri: ours(STRICT)(uri))
    print(f"  suyuan, engine defaults (as we run it):   {total - len(strict_wrong)}/{total}")
    print(f"    mismatches (all need an engine option): {strict_wrong}")

    best = min(all_option_sets(), key=lambda opts: len(mismatches(vectors, lambda _, uri: ours(opts)(uri))))
    best_wrong = mismatches(vectors, lambda _, uri: ours(best)(uri))
    print(f"  suyuan, best single option set:           {total - len(best_wrong)}/{total} ({describe(best)})")
    print(f"    mismatches (contradictory duplicates):  {best_wrong}")

    def per_case(index: int, uri: str) -> str | None:
        return ours(ENGINE_OPTIONS.get(index, ("", STRICT))[1])(uri)

    per_case_wrong = mismatches(vectors, per_case)
    print(f"  suyuan, engine test's per-case options:   {total - len(per_case_wrong)}/{total}")
    if per_case_wrong:
        print(f"    mismatches: {per_case_wrong}")


def report_rates() -> None:
    texts = code_texts(20_000)
    ours_rate = parse_rate(ours(STRICT), texts)
    biip_rate = parse_rate(biip_element_string, texts)
    print(f"Parse rate, our code shape ({len(texts[0])} characters), median of 5 x {len(texts)}:")
    print(f"  suyuan: {ours_rate:,.0f} parses/s   biip: {biip_rate:,.0f} parses/s")


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_VECTORS
    if not path.exists():
        print(f"GS1 vectors not found at {path}", file=sys.stderr)
        return 1
    report_scores(json.loads(path.read_text(encoding="utf-8")))
    report_rates()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
