"""`mcuforge search` on Ray Tune, end to end on digits: a local search on a small board (candidates
rejected before training, the winner's recipe reproduced by `mcuforge run`), and the same search
on a Ray cluster started on this machine (a head and one worker) through --address.

Small on purpose (CI has 2 cores): 1 epoch per candidate, 2 CPUs for Ray, no dashboard."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from conftest import require_module, require_tool

pytestmark = [pytest.mark.slow, pytest.mark.train, pytest.mark.cross, pytest.mark.qemu]

REPO = Path(__file__).resolve().parents[1]
# RAY_AUTH_MODE: `ray start --head` (Ray >= 2.5x) turns token authentication on by default; this
# throwaway loopback cluster goes without, so the test needs no token file.
ENV = {**os.environ, "RAY_DISABLE_USAGE_STATS": "1", "TF_NUM_INTRAOP_THREADS": "1",
       "TF_NUM_INTEROP_THREADS": "1", "RAY_AUTH_MODE": "disabled"}


def _recipe(tmp_path: Path, space: dict, name: str) -> Path:
    data = yaml.safe_load((REPO / "models" / "digits_cnn.yaml").read_text())
    data["name"] = name
    data["search"] = {"space": space, "epochs": 1, "candidates": 8}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _mcuforge(*args: str, timeout: float = 600) -> dict:
    proc = subprocess.run([sys.executable, "-m", "mcuforge", *args, "--json", "--quiet"],
                          capture_output=True, text=True, env=ENV, timeout=timeout, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _require_search_tools() -> None:
    require_module("ray")
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")


def test_local_search_prunes_and_the_winner_reproduces(tmp_path):
    _require_search_tools()
    # 6 candidates; width 32 needs more than the 8 KB of RAM / 32 KB of flash of nucleo_l031k6
    recipe = _recipe(tmp_path, {"model.width": [4, 8, 32], "features.size": [12, 16]}, "tiny")
    out = tmp_path / "search"
    got = _mcuforge("search", str(recipe), "--board", "nucleo_l031k6", "--out", str(out))
    cands = {c["name"]: c for c in got["candidates"]}
    assert len(cands) == 6
    rejected = sorted(n for n, c in cands.items() if not c["searched"])
    assert rejected == ["tiny_4", "tiny_5"], got["candidates"]
    for name in rejected:     # rejected from the compiler's figures, never trained
        c = cands[name]
        assert c["ram_bytes"] > 8192 or c["flash_bytes"] > 32768
        assert "B >" in c["reason"]
        assert not (out / "trials" / name).exists()
    assert got["counts"] == {"candidates": 6, "rejected": 2, "trials": 4,
                             "finished": sum(t["status"] == "finished" for t in got["trials"])}
    finished = [t for t in got["trials"] if t["status"] == "finished"]
    assert finished
    for t in finished:
        assert t["fits"] and t["instructions"] > 0 and t["macs"] > 0 and t["arena_bytes"] > 0
        assert t["counted_on"] == "mps2_an385"
        assert t["latency_ms"] == pytest.approx(t["instructions"] / 32e6 * 1000)
    assert "1 cycles per instruction (assumed) / 32 MHz" in got["latency_assumption"]
    best = got["winner"]
    assert best["int8_accuracy"] == max(t["int8_accuracy"] for t in finished)
    assert best["index"] in got["pareto"]
    assert (out / "search.json").is_file()

    # --resume picks up Ray's experiment state: every trial is done, so nothing trains again
    keras_files = sorted((out / "trials").glob("*/model.keras"))
    stamps = [f.stat().st_mtime_ns for f in keras_files]
    resumed = _mcuforge("search", str(recipe), "--board", "nucleo_l031k6", "--out", str(out),
                        "--resume")
    errors = [t.get("error") for t in resumed["trials"] if t["status"] != "finished"]
    assert resumed["trials"] == got["trials"], errors
    assert resumed["winner"] == best
    assert [f.stat().st_mtime_ns for f in keras_files] == stamps

    # the winner's recipe is an ordinary recipe: `mcuforge run` trains it again, exactly
    again = _mcuforge("run", got["winner_recipe"], "--out", str(tmp_path / "again"))
    assert again["int8_accuracy"] == best["int8_accuracy"]
    assert again["float_accuracy"] == best["float_accuracy"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_node(args: list[str], temp_dir: str) -> subprocess.Popen:
    """`ray start ... --block`: the node lives as long as this process, which stops what it
    started when it is terminated (so the test stops only its own nodes, by process id)."""
    # the `ray` script of this interpreter's Ray (its workers then run this interpreter too)
    return subprocess.Popen([sys.executable, "-m", "ray.scripts.scripts", "start", *args, "--num-cpus", "1", "--block",
                             "--disable-usage-stats", "--temp-dir", temp_dir],
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(node: subprocess.Popen) -> None:
    """SIGTERM to the node's process group (its own session: only what this test started), then
    SIGKILL to what is left of it (Ray's GCS server can outlive `ray start --block`)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(node.pid, sig)
        except ProcessLookupError:
            break
        try:
            node.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(2 if sig == signal.SIGTERM else 0)
    node.wait()


def _wait_for_port(port: int, node: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert node.poll() is None, "ray start --head exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the Ray head did not listen on {port}")


def test_search_on_a_ray_cluster_through_address(tmp_path):
    _require_search_tools()
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="mfray")   # short: Ray's socket paths must fit
    head = _ray_node(["--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
                      "--include-dashboard=false"], temp_dir)
    nodes = [head]
    try:
        _wait_for_port(port, head)
        nodes.append(_ray_node(["--address", f"127.0.0.1:{port}"], temp_dir))
        # width 32 is over the latency limit at 25 MHz (counted before training)
        recipe = _recipe(tmp_path, {"model.width": [4, 8, 32], "features.size": [12]}, "cluster")
        got = _mcuforge("search", str(recipe), "--board", "mps2_an386", "--out",
                        str(tmp_path / "search"), "--address", f"127.0.0.1:{port}",
                        "--max-latency-ms", "20")
        assert got["address"] == f"127.0.0.1:{port}"
        wide = got["candidates"][2]
        assert not wide["searched"] and wide["latency_ms"] > 20 and "latency" in wide["reason"]
        # ASHA may stop the weaker of the two after its first epoch
        statuses = [t["status"] for t in got["trials"]]
        assert len(statuses) == 2 and "finished" in statuses, statuses
        assert set(statuses) <= {"finished", "stopped early (ASHA)"}, got["trials"]
        assert all(t["latency_ms"] <= 20 for t in got["trials"] if t["status"] == "finished")
        assert got["winner"] is not None and Path(got["winner_recipe"]).is_file()
        assert got["counted_on"] == "mps2_an386"
    finally:
        for node in reversed(nodes):
            _stop(node)
        shutil.rmtree(temp_dir, ignore_errors=True)
