"""``csdl serve`` runs with the resolved settings (``csdl.config``): ``--pricing`` and ``--config``
change the DPU figures of the DataSift API and of the workbench alike, over real HTTP.

With ``contains_conditions_per_step = 2`` five ORed ``contains`` on one target cost
0.1 × (5 // 2 + 1) = 0.3 DPU; with the packaged 4 per step 0.1 × (5 // 4 + 1) = 0.2 (docs/cost.md)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import ROOT, Client, start_process, start_server  # noqa: E402

FIVE = " OR ".join(f'twitter.text contains "w{i}"' for i in range(5))
CHEAPER_STEPS = "[dpu]\ncontains_conditions_per_step = 2\n"


def figures(base: str) -> tuple:
    """(workbench /api/cost DPU, API /v1.6/validate DPU, API /v1.6/compile then /v1.6/dpu)."""
    client = Client(base)
    try:
        workbench = client.request("POST", "/api/cost", json_body={"csdl": FIVE}).json()["dpu"]
        validate = client.post("/v1.6/validate", form={"csdl": FIVE}).json()["dpu"]
        compiled = client.post("/v1.6/compile", form={"csdl": FIVE}).json()
        stream = client.get("/v1.6/dpu", query={"hash": compiled["hash"]}).json()["dpu"]
    finally:
        client.close()
    return workbench, validate, compiled["dpu"], stream


def test_the_packaged_prices_without_an_override(tmp_path):
    base, stop = start_server(tmp_path)
    try:
        assert figures(base) == (0.2, "0.2", "0.2", 0.2)
    finally:
        stop()


def test_a_pricing_file_changes_the_api_and_the_workbench(tmp_path):
    pricing = tmp_path / "pricing.toml"
    pricing.write_text(CHEAPER_STEPS, encoding="utf-8")
    base, stop = start_server(tmp_path, pricing=str(pricing))
    try:
        assert figures(base) == (0.3, "0.3", "0.3", 0.3)
    finally:
        stop()


def _stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def test_csdl_serve_pricing_flag(tmp_path):
    pricing = tmp_path / "pricing.toml"
    pricing.write_text(CHEAPER_STEPS, encoding="utf-8")
    base, process = start_process("--store", str(tmp_path / "s.sqlite3"), "--pricing", str(pricing))
    try:
        assert figures(base) == (0.3, "0.3", "0.3", 0.3)
        assert any(f"pricing {pricing}" in line for line in process.log)  # the start-up line says which
    finally:
        _stop(process)


def test_csdl_serve_reads_the_configuration_it_is_given(tmp_path):
    (tmp_path / "prices.toml").write_text(CHEAPER_STEPS, encoding="utf-8")
    config = tmp_path / "csdl.toml"
    config.write_text('pricing = "prices.toml"\n', encoding="utf-8")
    base, process = start_process("--store", str(tmp_path / "s.sqlite3"), "--config", str(config))
    try:
        assert figures(base)[:2] == (0.3, "0.3")
    finally:
        _stop(process)


def test_csdl_serve_discovers_the_configuration_and_isolated_ignores_it(tmp_path):
    (tmp_path / "prices.toml").write_text(CHEAPER_STEPS, encoding="utf-8")
    (tmp_path / "csdl.toml").write_text('pricing = "prices.toml"\n', encoding="utf-8")
    base, process = start_process("--store", str(tmp_path / "s.sqlite3"), cwd=str(tmp_path))
    try:
        assert figures(base)[:2] == (0.3, "0.3")
    finally:
        _stop(process)
    base, process = start_process("--store", str(tmp_path / "s2.sqlite3"), "--isolated", cwd=str(tmp_path))
    try:
        assert figures(base)[:2] == (0.2, "0.2")
    finally:
        _stop(process)


def test_a_missing_pricing_file_is_refused_at_start_up(tmp_path):
    result = subprocess.run([sys.executable, "-m", "csdl", "serve", "--port", "0", "--store", str(tmp_path / "s"),
                             "--pricing", str(tmp_path / "nope.toml")], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "--pricing" in result.stderr and "nope.toml: no such pricing file" in result.stderr
