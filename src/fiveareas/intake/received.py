"""Land a file as received: a Parquet file already in the lake's form, none of whose rows is
held back, is copied into the lake byte for byte instead of being written again.

Writing the accepted rows is the largest part of collecting typed Parquet (a third of the
CPU of a 10M-loan book), and for such a file it would only rewrite the same rows in the same
order with the same types. The lake file is then the evidence itself: its hash is the hash
the catalog recorded for the submitted file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from fiveareas.model.template import template

# Codecs that DuckDB, Spark and pyarrow all read without an extra library (Brotli and the
# old Hadoop LZ4 framing are left out: the lake gets its own zstd copy of such a file).
CODECS = {"SNAPPY", "ZSTD", "GZIP", "UNCOMPRESSED", "LZ4_RAW"}


def lake_form(path: Path, dataset: str) -> bool:
    """Is the Parquet file what the lake would write for its rows? The template's columns in
    its order, each of its type and optional; a lake codec; no blank text, by the
    statistics of every row group (the lake holds a blank as no value); and every column
    chunk the statistics show all null decodes (the engine skips those, so the checks
    would not have found damage there)."""
    try:
        with pq.ParquetFile(path) as meta:
            return _lake_form(meta, dataset)
    except Exception:  # unreadable here: the engine's own reading says why
        return False


def _lake_form(meta: pq.ParquetFile, dataset: str) -> bool:
    schema = meta.schema_arrow
    want = template()[dataset].arrow_schema()
    if not schema.remove_metadata().equals(want):
        return False
    text = {i for i, f in enumerate(schema) if f.type == "string"}
    md = meta.metadata
    unread: dict[str, list[int]] = {}  # column -> row groups
    for g in range(md.num_row_groups):
        group = md.row_group(g)
        for i in range(group.num_columns):
            col = group.column(i)
            stats = col.statistics
            if col.compression not in CODECS or stats is None or not stats.has_null_count:
                return False
            if stats.null_count == group.num_rows:
                unread.setdefault(schema.names[i], []).append(g)
            elif i in text and not (stats.has_min_max and stats.min >= "!"):
                return False  # a blank sorts below '!': '', ' ', tab
    for name, groups in unread.items():
        meta.read_row_groups(groups, columns=[name])  # damage there: not in the lake's form
    return True


def land(path: Path, target: Path) -> None:
    """Put the file at `target`: a second name for it (the collector's own copy of what it
    received, `readers.receive`, which nothing writes to), or a copy where the file system
    has no hard links."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, target)
    except OSError:
        shutil.copyfile(path, target)
