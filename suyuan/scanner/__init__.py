"""Decoding codes from photos and PDF pages with zxing-cpp, and verifying them online or offline."""
