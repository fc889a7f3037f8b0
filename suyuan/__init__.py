"""Suyuan (溯源): QR anti-counterfeit traceability for bonded cross-border e-commerce goods.

The package is split so that dependencies point inward: ``suyuan.trace`` is the domain core and
imports nothing else of ours; ``labels`` and ``scanner`` build on it; ``web`` and ``cli`` are edges.
"""

__version__ = "0.1.0"
