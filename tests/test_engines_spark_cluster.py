"""Spark as a distributed engine: a real standalone cluster on loopback (one master, one worker,
started from the pyspark distribution's own classes through its ``bin/spark-class``), and
``spark-submit`` of ``csdl.engines.spark_submit``; both give the Python engine's exact output.
The cluster lives for this module and is stopped with it (its process groups killed)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("duckdb")
pytestmark = pytest.mark.slow  # three JVMs (`pytest -m "not slow"` leaves them out)

from csdl.engines import spark as spark_engine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILTER = os.path.join(ROOT, "examples", "filters", "brands.csdl")
POSTS = os.path.join(ROOT, "examples", "posts.jsonl")
START_TIMEOUT = 240  # seconds a JVM may take to start on a busy machine


def _spark_home() -> str:
    import pyspark

    return os.path.dirname(os.path.abspath(pyspark.__file__))


def _env(tmp) -> dict:
    env = dict(os.environ)
    env.update(SPARK_HOME=_spark_home(), SPARK_LOCAL_IP="127.0.0.1", SPARK_LOCAL_HOSTNAME="localhost",
               SPARK_LOG_DIR=str(tmp), SPARK_WORKER_DIR=str(tmp / "work"), PYSPARK_PYTHON=sys.executable,
               PYSPARK_DRIVER_PYTHON=sys.executable, CSDL_SPARK_DRIVER_MEMORY="1g")
    return env


def _require_java():
    problem = spark_engine.java_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"Spark cannot start: {problem}")
        pytest.skip(f"Spark cannot start: {problem}")


def _start(cls: str, args: list[str], log_path, env) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - closed by the fixture
    spark_class = os.path.join(_spark_home(), "bin", "spark-class")
    proc = subprocess.Popen([spark_class, cls, *args], stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    proc.log = log
    return proc


def _wait_for(proc, log_path, pattern: str) -> re.Match:
    """The first match of ``pattern`` in the process's log, waiting (bounded) for it to appear."""
    deadline = time.monotonic() + START_TIMEOUT
    regex = re.compile(pattern)
    while time.monotonic() < deadline:
        text = open(log_path, encoding="utf-8", errors="replace").read()
        found = regex.search(text)
        if found:
            return found
        if proc.poll() is not None:
            raise AssertionError(f"{log_path.name} exited ({proc.returncode}):\n{text[-3000:]}")
        proc_wait = 0.2
        try:
            proc.wait(timeout=proc_wait)  # returns early only if it dies
        except subprocess.TimeoutExpired:
            pass
    raise AssertionError(f"{log_path.name}: no {pattern!r} within {START_TIMEOUT}s:\n{open(log_path).read()[-3000:]}")


def _stop(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    proc.log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """``spark://127.0.0.1:PORT`` of a master with one registered worker (2 cores, 1 GB)."""
    _require_java()
    tmp = tmp_path_factory.mktemp("spark-cluster")
    env = _env(tmp)
    master_log, worker_log = tmp / "master.log", tmp / "worker.log"
    master = _start("org.apache.spark.deploy.master.Master", ["--host", "127.0.0.1", "--port", "0", "--webui-port", "0"],
                    master_log, env)
    procs = [master]
    try:
        url = _wait_for(master, master_log, r"Starting Spark master at (spark://127\.0\.0\.1:\d+)").group(1)
        worker = _start("org.apache.spark.deploy.worker.Worker",
                        ["--host", "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", "2", "--memory", "1g", url],
                        worker_log, env)
        procs.append(worker)
        _wait_for(worker, worker_log, r"Successfully registered with master")
        yield url, env
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _python_engine(tmp_path) -> tuple[bytes, dict]:
    out = tmp_path / "python.jsonl"
    done = subprocess.run([sys.executable, "-m", "csdl", "run", FILTER, POSTS, "--format", "json", "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return out.read_bytes(), json.loads(done.stdout)


def _same_summary(a: dict, b: dict) -> None:
    for key in ("read", "matched", "match_rate", "blank_lines", "bad_posts", "tags", "forecast"):
        assert a[key] == b[key], key


def test_csdl_run_on_a_standalone_cluster_gives_the_python_engines_output(cluster, tmp_path):
    url, env = cluster
    expected_posts, expected = _python_engine(tmp_path)
    out = tmp_path / "cluster.jsonl"
    done = subprocess.run([sys.executable, "-m", "csdl", "run", FILTER, POSTS, "--engine", "spark", "--master", url,
                           "--format", "json", "-o", str(out)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert out.read_bytes() == expected_posts
    _same_summary(summary, expected)
    assert summary["engine"]["name"] == "spark"


def test_spark_submit_of_the_entry_point_on_the_cluster(cluster, tmp_path):
    url, env = cluster
    expected_posts, expected = _python_engine(tmp_path)
    script = subprocess.run([sys.executable, "-m", "csdl.engines.spark_submit", "--path"], capture_output=True, text=True,
                            check=True).stdout.strip()
    out = tmp_path / "submitted.jsonl"
    submit = os.path.join(_spark_home(), "bin", "spark-submit")
    done = subprocess.run([submit, "--master", url, "--driver-memory", "1g", "--conf", "spark.executor.memory=512m",
                           script, FILTER, POSTS, "--output", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert out.read_bytes() == expected_posts
    _same_summary(json.loads(done.stdout), expected)
