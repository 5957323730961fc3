"""Browser smoke tests: the real app served on loopback, driven by Debian's Chromium."""
