"""Bringing a Spark run's answer to the driver in one job, without the bulk of the posts.

The frame of a run has one row per line or Parquet row: ``_file`` (index into the file list),
``_block`` and ``_id`` (where it stands, below), ``_status``, ``_epoch``, ``_created``,
``_source``, ``_matched``, ``_python``, ``_out`` and the tag columns (``results.Collector``).
Most rows are posts that did not match and whose timestamp SQL read: they are only counted.
One aggregation groups every such row of a block into one row (count, first and last timestamp)
and every other row into a row of its own, so the executors count and the driver receives the
blocks' counts and the rows it must look at. No cache, no second pass over the data.

Line numbers: Spark reads a JSON Lines file in blocks (``_metadata.file_block_start``) and
``monotonically_increasing_id`` numbers the lines of a task consecutively. A line's number is the
lines of the file's earlier blocks, plus its id less the block's first id, plus one. Parquet rows
carry their number (``_id``) and ``_block`` is 0 (``numbered``).
"""

from __future__ import annotations

KEYS = ("_file", "_block", "_id")


def gather(frame):
    """The aggregated frame: one row per block (``_key`` NULL) holding the counts of its bulk
    posts, and one row per other line (``_key`` its ``_id``)."""
    from pyspark.sql import functions as F

    bulk = (F.col("_status") == 3) & ~F.col("_matched") & F.col("_epoch").isNotNull() & ~F.col("_python")
    rest = [c for c in frame.columns if c not in KEYS]
    keys = [F.col("_file"), F.col("_block"), F.when(~bulk, F.col("_id")).alias("_key")]
    keys += [F.when(~bulk, F.col(c)).alias(c) for c in rest]
    return frame.groupBy(*keys).agg(
        F.count(F.lit(1)).alias("_count"), F.min("_id").alias("_first"),
        F.min(F.when(bulk, F.col("_epoch"))).alias("_lo"), F.max(F.when(bulk, F.col("_epoch"))).alias("_hi"))


def deliver(table, collector, *, numbered: bool) -> None:
    """Feed the gathered ``table`` (a pyarrow Table) to ``collector``: the bulk counts, then the
    other rows in input order with their line numbers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    bulk = table.filter(pc.is_null(table.column("_key")))
    if bulk.num_rows:
        posts = pc.sum(bulk.column("_count")).as_py() or 0
        collector.add_totals(posts, posts, pc.min(bulk.column("_lo")).as_py(), pc.max(bulk.column("_hi")).as_py())
    rows = table.filter(pc.is_valid(table.column("_key")))
    if not rows.num_rows:
        return
    numbers = rows.column("_key") if numbered else _line_numbers(rows, table)
    rows = rows.append_column("_n", numbers.cast(pa.int64()))
    rows = rows.take(pc.sort_indices(rows, sort_keys=[("_file", "ascending"), ("_n", "ascending")]))
    for batch in rows.to_batches(max_chunksize=65_536):
        collector.add_batch(batch)


def _line_numbers(rows, table):
    """The line number of each of ``rows`` in its file, from the blocks of the whole ``table``:
    per (file, block) the first id in the block and the lines of the file's earlier blocks."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offsets = pa.nulls(rows.num_rows, pa.int64())
    files, blocks = rows.column("_file"), rows.column("_block")
    for f, block, first, base in _blocks(table):
        here = pc.and_(pc.equal(files, f), pc.equal(blocks, block))
        offsets = pc.if_else(here, base + 1 - first, offsets)
    return pc.add(rows.column("_key"), offsets)


def _blocks(table):
    """(file, block, first id, lines of the file's earlier blocks) for every block."""
    blocks = table.group_by(["_file", "_block"]).aggregate([("_count", "sum"), ("_first", "min")])
    blocks = blocks.sort_by([("_file", "ascending"), ("_block", "ascending")])
    out, previous, running = [], None, 0
    for f, block, n, first in zip(*(blocks.column(c).to_pylist() for c in ("_file", "_block", "_count_sum", "_first_min")), strict=True):
        if f != previous:
            previous, running = f, 0
        out.append((f, block, first, running))
        running += n
    return out
