"""Which compression a DIMACS file uses, from its first bytes (no numpy, so
that the ``optsolve sat`` command line can use it too)."""

_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))


def compression(head: bytes):
    """``"gzip"``, ``"bzip2"``, ``"xz"`` or None for the file starting with
    ``head`` (its first 6 bytes suffice)."""
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)
