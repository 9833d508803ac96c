"""A revision's rows as one compressed, column-wise payload (JSON via orjson, then zlib).

Plain data only — never pickle — so a payload read back from the database cannot run code.
"""
from __future__ import annotations

import zlib

import orjson
import pandas as pd

FORMAT = 1


def encode(frame: pd.DataFrame, columns: list[str]) -> bytes:
    """The named columns of ``frame`` as bytes; NaN becomes null."""
    body = {"format": FORMAT, "columns": columns, "data": {c: frame[c].tolist() for c in columns}}
    return zlib.compress(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), 1)


def decode(payload: bytes, numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """The frame ``encode`` stored; ``numeric`` columns come back as float64 (null as NaN)."""
    body = orjson.loads(zlib.decompress(payload))
    if body.get("format") != FORMAT:
        raise ValueError(f"unknown revision payload format {body.get('format')!r}")
    frame = pd.DataFrame(body["data"], columns=body["columns"])
    for col in numeric:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame
