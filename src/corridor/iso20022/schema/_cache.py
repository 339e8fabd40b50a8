"""The on-disk cache of generated XSD files.

Layout: `<cache_dir>/<key>/<message id>.xsd`, where the key names the pyiso20022, xsdata
and writer versions, so an upgrade of any of them writes a fresh set. Files are written
atomically (temporary file in the same directory, then `os.replace`).
"""

from __future__ import annotations

import importlib.metadata
import os
import tempfile
from pathlib import Path

CACHE_DIR_ENV = "CORRIDOR_CACHE_DIR"
CACHE_SUBDIR = "xsd"
# Bump when `_models.py` or `_xsd_writer.py` changes what they write.
WRITER_VERSION = "1"
XSD_BYTES_MAX = 16 * 1024 * 1024


def default_cache_dir() -> Path:
    """`$CORRIDOR_CACHE_DIR/xsd`, else `~/.cache/corridor/xsd` (read at call time)."""
    root = os.environ.get(CACHE_DIR_ENV)
    if root:
        return Path(root) / CACHE_SUBDIR
    return Path.home() / ".cache" / "corridor" / CACHE_SUBDIR


def model_versions() -> str:
    """The versions that determine the generated XSD, e.g. "pyiso20022-1.6.2_xsdata-26.10_w1"."""
    pyiso = importlib.metadata.version("pyiso20022")
    xsdata = importlib.metadata.version("xsdata")
    return f"pyiso20022-{pyiso}_xsdata-{xsdata}_w{WRITER_VERSION}"


def cached_path(cache_dir: Path, versions: str, message_id: str) -> Path:
    return cache_dir / versions / f"{message_id}.xsd"


def read_cached(path: Path) -> bytes | None:
    """The cached XSD bytes, or None when absent, unreadable or too large."""
    try:
        if path.stat().st_size > XSD_BYTES_MAX:
            return None
        return path.read_bytes()
    except OSError:
        return None


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically; False when the cache is not writable."""
    if len(data) > XSD_BYTES_MAX:
        raise ValueError(f"XSD of {len(data)} bytes exceeds {XSD_BYTES_MAX}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return False
    return True
