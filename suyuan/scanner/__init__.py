"""Decoding codes from photos and PDF pages with zxing-cpp, and verifying them online or offline.

Decoding is three layers, none of which knows about the database or the web:

- ``images`` loads untrusted uploads safely (byte, pixel and page limits checked before decoding; type from
  magic bytes; EXIF orientation; every animation frame and PDF page) and refuses anything else with one
  exception type, ``ImageRejected``, whose ``reason`` is a stable string.
- ``decode`` finds every QR code in an image or upload with a time-boxed sequence of zxing-cpp passes and
  returns ``DecodedCode`` records (text, corners in original-image pixels, page, the pass that read it).
- ``filters`` holds the NumPy/Pillow clean-up steps those passes use (no OpenCV at runtime).

Why the layering: the web endpoint, the CLI and the verifiers all need "codes out of this file" with the
same safety limits, while verification (``verify``, ``offline``) is a separate concern built on top.
Measurements behind the pass list are in ``docs/bench-scanner.md``.
"""
