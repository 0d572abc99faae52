"""`mcuforge report`: the page a person looks at, checked in a real browser.

Two tiny runs are made once for the module with `mcuforge run` (which writes the report at its
end): a keyword-spotting one (synthetic speech, DS-CNN) and a digits one (scikit-learn digits,
CNN), a few epochs each. The pages are opened in headless Chromium through the DevTools protocol:
no console message of level error, no exception, every figure decoded (its <img> has a size), a
screenshot taken. Then one layer of the int8 model is damaged on purpose (its output scale made 16
times coarser, in the flatbuffer) and the report must name that layer first.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import require_module, require_tool
from mcuforge.cli import main
from test_pipeline_e2e import tiny_kws_recipe

KWS_RECIPE = tiny_kws_recipe(epochs=3)

DIGITS_RECIPE = """\
name: tiny_digits
task: image_classification
dataset:
  kind: digits
  seed: 0
features:
  kind: image
  size: 16
  channels: 1
model:
  architecture: cnn
  width: 4
  blocks: 2
training:
  epochs: 3
  batch_size: 64
quantization:
  representative_samples: 32
"""

FIGURES = ("fig-training-history", "fig-confusion-float", "fig-confusion-int8", "fig-quant-layers",
           "fig-arena-timeline", "fig-flash", "fig-ram")
MAX_BYTES = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Both run folders, each made by `mcuforge run` (report.html included)."""
    require_module("tensorflow")
    require_module("matplotlib")
    root = tmp_path_factory.mktemp("report_runs")
    made = {}
    mp = pytest.MonkeyPatch()
    mp.setenv("MCUFORGE_CACHE", str(root / "cache"))
    try:
        for name, text in (("kws", KWS_RECIPE), ("digits", DIGITS_RECIPE)):
            recipe = root / f"{name}.yaml"
            recipe.write_text(text)
            out = root / name
            assert main(["run", str(recipe), "--out", str(out), "--quiet"]) == 0
            made[name] = out
    finally:
        mp.undo()
    return made


# ---- a small DevTools-protocol client ------------------------------------------------------------

class Browser:
    """Headless Chromium driven over its DevTools websocket: console errors, exceptions and
    failed loads are collected while a page loads."""

    def __init__(self, workdir: Path):
        websocket = require_module("websocket")
        exe = require_tool("chromium", "chromium-browser", "google-chrome")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", "--remote-allow-origins=*", f"--user-data-dir={workdir}",
             "--window-size=1100,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            self._connect(websocket)
        except BaseException:
            self.proc.kill()
            self.proc.wait(10)
            raise

    def _connect(self, websocket) -> None:
        url = None
        deadline = time.monotonic() + 60
        assert self.proc.stderr is not None
        while url is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            url = found.group(1) if found else None
        assert url, "chromium did not start its DevTools endpoint"
        self.ws = websocket.create_connection(url, timeout=30)
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def call(self, method: str, session: str | None = None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                assert "error" not in reply, reply
                return reply.get("result", {})
            self.events.append(reply)

    def page(self, method: str, **params):
        return self.call(method, self.session, **params)

    def open(self, path: Path) -> list[str]:
        """Loads ``path``; returns the console errors, exceptions and failed loads seen."""
        self.events = []
        for domain in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            self.page(domain)
        self.page("Page.navigate", url=path.resolve().as_uri())
        deadline = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            assert time.monotonic() < deadline, "the page did not load"
            self.events.append(json.loads(self.ws.recv()))
        problems = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                problems.append(f"console: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                problems.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                problems.append(f"log: {params['entry'].get('text')}")
            elif method == "Network.loadingFailed":
                problems.append(f"load failed: {params.get('errorText')}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    problems.append(f"network request: {url}")
        return problems

    def evaluate(self, expression: str):
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"]["value"]

    def screenshot(self, path: Path) -> None:
        data = self.page("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


class _Tables(HTMLParser):
    """The text of every cell of the table with a given id, row by row."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def table(html: str, table_id: str) -> list[list[str]]:
    parser = _Tables(table_id)
    parser.feed(html)
    return parser.rows


# ---- the tests -------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.train
@pytest.mark.parametrize("name", ["kws", "digits"])
def test_report_renders_in_chromium(runs, browser, name, tmp_path):
    report = runs[name] / "report.html"
    assert report.is_file()
    assert report.stat().st_size < MAX_BYTES
    problems = browser.open(report)
    assert problems == []
    images = browser.evaluate("Array.from(document.images).map(i => [i.id, i.alt, i.naturalWidth,"
                              " i.naturalHeight])")
    drawn = {i: (alt, w, h) for i, alt, w, h in images}
    for fig in FIGURES:
        assert fig in drawn, f"{fig} missing from the {name} report"
        alt, width, height = drawn[fig]
        assert alt and width > 100 and height > 100, (fig, drawn[fig])
    sections = browser.evaluate("Array.from(document.querySelectorAll('section')).map(s => s.id)")
    assert sections == ["training", "quantization", "memory", "speed", "fit"]
    # nothing was left out: training and quantization had their float model and TensorFlow
    assert browser.evaluate("document.querySelectorAll('p.omitted').length") == 0
    shot = tmp_path / f"{name}.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    html = report.read_text()
    classes = json.loads((runs[name] / "quantize_metrics.json").read_text())["classes"]
    pr = table(html, "table-precision-recall")
    assert [row[0] for row in pr[1:]] == classes
    fit = table(html, "table-fit")
    assert len(fit) - 1 == len(json.loads(_boards_json())["boards"])


def _boards_json() -> str:
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["boards", "--json"]) == 0
    return buf.getvalue().strip().splitlines()[-1]


def _quant_vector_offset(model: bytes, tensor: int, field: int, name: str) -> int:
    """Byte offset of the first element of a vector of tensor ``tensor``'s quantization, found
    with the project's flatbuffer reader (schema: Model.subgraphs = 2, SubGraph.tensors = 0,
    Tensor.quantization = 4; QuantizationParameters.scale = 2, zero_point = 3)."""
    from mcuforge.tflite.flatbuf import FlatBuffer

    fb = FlatBuffer(model, "model.tflite")
    subgraph = fb.root("model").tables(2, "subgraphs", "subgraph {}")[0]
    quant = subgraph.tables(0, "tensors", "tensor {}")[tensor].table(4, "quantization")
    start, length = quant._vector_header(field, name, "vector")
    assert length == 1
    return start


def _tensor_zero_point_offset(model: bytes, tensor: int) -> int:
    return _quant_vector_offset(model, tensor, 3, "zero_point")


@pytest.mark.slow
@pytest.mark.train
def test_report_names_a_damaged_layer_first(runs, tmp_path, capsys):
    """The output zero point of one conv of the KWS model moved from -128 to 64: the tensor now
    holds real values up to a quarter of the range it was calibrated for, so that layer clips.
    A zero point is read the same way by the op that writes the tensor and the ops that read it,
    so the damage stays in that one layer (a scale would not: the next op's bias is quantized
    with its input's scale)."""
    from mcuforge.tflite.reader import read_model

    run = tmp_path / "kws"
    shutil.copytree(runs["kws"], run, ignore=shutil.ignore_patterns("report.html"))
    graph = read_model(run / "model.tflite")
    convs = [op for op in graph.operators if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D")]
    victim = convs[1]          # not the first: its inputs carry the error of the layer before
    data = bytearray((run / "model.tflite").read_bytes())
    at = _tensor_zero_point_offset(bytes(data), victim.outputs[0])
    (zero_point,) = struct.unpack_from("<q", data, at)
    assert zero_point == graph.tensor(victim.outputs[0]).quant.zero_point[0] == -128   # after a ReLU
    struct.pack_into("<q", data, at, 64)
    (run / "model.tflite").write_bytes(bytes(data))

    assert main(["report", str(run), "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["worst_layer"] == victim.index
    assert result["flagged_layers"][0] == victim.index
    ranking = table((run / "report.html").read_text(), "table-quant-ranking")
    assert ranking[1][:3] == ["1", str(victim.index), victim.opcode]
    assert ranking[1][-1] == "yes"

    # in the undamaged run's report (written by `mcuforge run`) the same layer does not stand out
    clean = table((runs["kws"] / "report.html").read_text(), "table-quant-ranking")
    assert [row[-1] for row in clean[1:] if row[1] == str(victim.index)] == [""]


@pytest.mark.slow
@pytest.mark.train
def test_report_of_a_c_folder_says_what_it_leaves_out(runs, browser, tmp_path, capsys):
    c_dir = tmp_path / "c"
    shutil.copytree(runs["digits"] / "c", c_dir)
    out = tmp_path / "c_report.html"
    assert main(["report", str(c_dir), "--out", str(out), "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result["omitted"]) == {"training", "quantization"}
    assert "no float model" in result["omitted"]["quantization"]
    assert browser.open(out) == []
    ids = browser.evaluate("Array.from(document.images).map(i => i.id)")
    assert ids == ["fig-arena-timeline", "fig-flash", "fig-ram"]


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.cross
@pytest.mark.qemu
def test_report_board_measures_per_layer_speed(runs, browser, tmp_path, capsys, monkeypatch):
    """--board measures every layer on the emulated board (two backends and one vector here, to
    stay cheap) and saves it; a report without --board shows what was saved."""
    from mcuforge.report import speed

    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    monkeypatch.setattr(speed, "BACKENDS", ("portable", "optimized"))
    monkeypatch.setattr(speed, "VECTORS", 1)
    run = tmp_path / "digits"
    shutil.copytree(runs["digits"], run, ignore=shutil.ignore_patterns("report.html"))
    assert main(["report", str(run), "--board", "mps2_an386", "--json", "--quiet"]) == 0
    capsys.readouterr()
    saved = json.loads((run / "speed" / "mps2_an386.json").read_text())
    assert [r["backend"] for r in saved["rows"]] == ["portable", "optimized"]
    for row in saved["rows"]:
        assert row["bit_exact"] == row["vectors"] == 1
        assert sum(la["instructions"] for la in row["layers"]) <= row["instructions"]
    (run / "report.html").unlink()
    assert main(["report", str(run), "--quiet"]) == 0
    assert browser.open(run / "report.html") == []
    ids = browser.evaluate("Array.from(document.images).map(i => i.id)")
    assert "fig-speed-mps2_an386" in ids
    body = table((run / "report.html").read_text(), "table-speed-mps2_an386")
    assert body[0] == ["op", "opcode", "portable", "optimized"]
    assert body[-2][1] == "inference"
    assert body[-2][2] == f"{saved['rows'][0]['instructions']:,}"
    # the memory of the board's default kernels (optimized on the M4F) now comes from that build
    memory = {row[0]: row for row in table((run / "report.html").read_text(), "table-memory")[1:]}
    optimized = saved["rows"][1]
    assert memory["mps2_an386"][2] == "build (size.json)"
    assert memory["mps2_an386"][9] == f"{optimized['stack_used_bytes']:,} (measured)"


def test_browser_check_sees_console_errors_and_broken_figures(browser, tmp_path):
    """The check the reports pass can fail: a page with a console error, a script exception, a
    network request and an image that does not decode."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img id="fig-x" alt="x" src="data:image/png;base64,AAAA">'
                    '<script>console.error("boom"); fetch("http://192.0.2.1/x");</script>'
                    '<script>undefined_function();</script></body></html>')
    problems = browser.open(page)
    assert any(p.startswith("console:") and "boom" in p for p in problems), problems
    assert any(p.startswith("exception:") for p in problems), problems
    assert any("network request: http://192.0.2.1/x" in p for p in problems), problems
    assert browser.evaluate("document.images[0].naturalWidth") == 0


def test_report_errors_are_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "no such folder" in err
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 1
    assert "neither a run folder" in capsys.readouterr().err
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.tflite").write_bytes(b"not read before the checks below")
    (run / "notes.html").write_text("<p>mine</p>")
    assert main(["report", str(run), "--out", str(run / "notes.html")]) == 1
    err = capsys.readouterr().err
    assert "is not a report mcuforge wrote" in err and "--force" in err
    assert (run / "notes.html").read_text() == "<p>mine</p>"
    assert main(["report", str(run), "--board", "nucleo_f746zg"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "nucleo_f746zg" in err
    assert not (run / "report.html").exists()
