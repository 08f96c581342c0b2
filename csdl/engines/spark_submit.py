"""Entry point for ``spark-submit``: run a filter on a Spark cluster's own session.

    spark-submit --master spark://host:7077 \\
        --conf spark.driver.extraJavaOptions=-XX:-DontCompileHugeMethods \\
        --conf spark.executor.extraJavaOptions=-XX:-DontCompileHugeMethods \\
        "$(python -m csdl.engines.spark_submit --path)" filter.csdl hdfs:///posts/2024/ --output matched.jsonl

The driver reads the filter and writes the matching posts (JSON Lines) and the summary (the same
one ``csdl run --format json`` prints) on the driver's machine; the executors need ``csdl``
installed (``pip install 'datasift-csdl[spark]'``, or ``pip install '.[spark]'`` from a checkout). Exit codes as ``csdl run``: 0 done, 2 a filter that
cannot run or data that cannot be read. The two ``--conf`` let HotSpot compile the large methods
Spark generates for a filter, as the sessions csdl starts do (docs/engines.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="spark_submit.py", description="Run a CSDL filter on this Spark session.")
    parser.add_argument("filter", help="the .csdl file")
    parser.add_argument("data", help="JSON Lines or Parquet: a file, a directory or a glob")
    parser.add_argument("--output", "-o", help="write the matching posts (JSON Lines) here")
    parser.add_argument("--library", help="directory resolving stream/tags hashes")
    parser.add_argument("--path", action="store_true", help="print this script's path (for spark-submit) and exit")
    if argv is None and "--path" in sys.argv[1:]:
        print(os.path.abspath(__file__))
        return 0
    args = parser.parse_args(argv)
    from csdl.extras import MissingExtra, require_extra

    try:
        require_extra("spark", purpose="csdl.engines.spark_submit")
    except MissingExtra as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    from csdl.compiler import compile as compile_filter
    from csdl.diagnostics import CSDLError
    from csdl.engines.running import RunError, run

    try:
        with open(args.filter, encoding="utf-8") as f:
            text = f.read()
        compiled = compile_filter(text, library=args.library)
    except OSError as exc:
        print(f"error: {args.filter}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except CSDLError as exc:
        _print_diagnostics(args.filter, exc.diagnostics)
        return 2
    from pyspark.sql import SparkSession  # present: require_extra above

    # spark-submit's own session (its --master, its configuration)
    session = SparkSession.builder.appName("csdl").config("spark.sql.caseSensitive", "true").getOrCreate()
    sink = open(args.output, "wb") if args.output else None  # noqa: SIM115 - closed below
    try:
        summary = run(compiled, args.data, engine="spark", output=sink, library=args.library, spark_session=session,
                      filter_name=args.filter, posts_name=args.data, engine_logs=True)
    except CSDLError as exc:
        _print_diagnostics(args.filter, exc.diagnostics)
        return 2
    except RunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if sink is not None:
            sink.close()
    print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    return 0


def _print_diagnostics(path: str, diagnostics) -> None:
    for d in diagnostics:
        print(f"{path}:{d.span.line}:{d.span.column}: {d.code} {d.message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
