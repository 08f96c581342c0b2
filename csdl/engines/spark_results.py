"""Bringing a Spark run's answer to the driver in one pass over the posts, without their bulk.

The frame of a run has one row per line or Parquet row: ``_file`` (index into the file list),
``_block`` and ``_id`` (where it stands, below), ``_status``, ``_epoch``, ``_created``,
``_source``, ``_matched``, ``_python``, ``_out`` and the tag columns (``results.Collector``).
Most rows are posts that did not match and whose timestamp SQL read: the executors only count
them (an ``observe``d aggregate of the same pass: count, first and last timestamp), and the
driver receives the other rows as Arrow batches. No cache, no shuffle, no second pass over the
filter.

Line numbers: Spark reads a JSON Lines file in blocks (``_metadata.file_block_start``) and
``monotonically_increasing_id`` numbers the lines of a task consecutively, so a line's number is
the lines of the file's earlier blocks, plus its id less the block's first id, plus one. The
lines per block come from a job that only reads and counts them (no parsing, no filter); Parquet
rows carry their number (``_id``).
"""

from __future__ import annotations


def gather(frame):
    """(pyarrow Table of the rows the driver must see, (posts, first, last) of the others)."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    bulk = (F.col("_status") == 3) & ~F.col("_matched") & F.col("_epoch").isNotNull() & ~F.col("_python")
    counted = Observation("csdl_bulk")
    watched = frame.observe(counted, F.count(F.when(bulk, F.lit(1))).alias("n"), F.min(F.when(bulk, F.col("_epoch"))).alias("lo"),
                            F.max(F.when(bulk, F.col("_epoch"))).alias("hi"))
    table = watched.where(~bulk).toArrow()
    totals = counted.get
    return table, (totals["n"] or 0, totals["lo"], totals["hi"])


def block_lines(lines) -> list[tuple]:
    """(file, block, first id, lines of the file's earlier blocks) of every block of ``lines``
    (a frame with ``__file``, ``__block``, ``__id``), counted by Spark without parsing a line."""
    from pyspark.sql import functions as F

    rows = lines.groupBy("__file", "__block").agg(F.count(F.lit(1)).alias("n"), F.min("__id").alias("first")).collect()
    out, previous, running = [], None, 0
    for row in sorted(rows, key=lambda r: (r["__file"], r["__block"])):
        if row["__file"] != previous:
            previous, running = row["__file"], 0
        out.append((row["__file"], row["__block"], row["first"], running))
        running += row["n"]
    return out


def deliver(table, totals, collector, blocks=None) -> None:
    """Feed ``collector``: the bulk counts, then the rows of ``table`` in input order with their
    line numbers (from ``blocks``, or ``_id`` itself where None: Parquet)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    posts, first, last = totals
    if posts:
        collector.add_totals(posts, posts, first, last)
    if not table.num_rows:
        return
    numbers = table.column("_id") if blocks is None else _line_numbers(table, blocks)
    rows = table.append_column("_n", numbers.cast(pa.int64()))
    rows = rows.take(pc.sort_indices(rows, sort_keys=[("_file", "ascending"), ("_n", "ascending")]))
    for batch in rows.to_batches(max_chunksize=65_536):
        collector.add_batch(batch)


def _line_numbers(rows, blocks):
    """The line number of each row in its file: its id less its block's first id, plus the
    lines of the file's earlier blocks, plus one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def key(files, starts):  # (file, block start) as one integer: starts stay below 2**44 bytes
        return pc.add(pc.multiply(pc.cast(files, pa.int64()), 1 << 44), pc.cast(starts, pa.int64()))

    known = key(pa.array([b[0] for b in blocks], pa.int64()), pa.array([b[1] for b in blocks], pa.int64()))
    offsets = pa.array([base + 1 - first for _, _, first, base in blocks], pa.int64())
    where = pc.index_in(key(rows.column("_file"), rows.column("_block")), value_set=known)
    return pc.add(rows.column("_id"), pc.take(offsets, where))
