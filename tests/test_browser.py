"""The playground page in a real browser: headless Chromium driven over the DevTools protocol
(tests/cdp.py, standard library only) against a real `matcalc serve` on a loopback port.

Skipped, with the reason, where no Chromium is installed (`apt-get install chromium`, or
MATCALC_CHROMIUM=/path/to/chrome).  MATCALC_SCREENSHOTS=DIR saves the page at laptop
(1280×900) and phone (390×844) widths.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, quote

import pytest

from tests.cdp import Chromium, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium or Chrome installed (apt-get install chromium, or "
                             "set MATCALC_CHROMIUM): the page cannot be tested in a browser")


@pytest.fixture(scope="module")
def server():
    from matcalc.server import make
    app = make("127.0.0.1", 0, workers=1, check_workers=1, log=lambda m: None)
    try:
        assert app.wait_ready(120), "the workers did not start"
        yield app
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser():
    try:
        b = Chromium(CHROMIUM, 1280, 900)
    except (RuntimeError, OSError) as e:
        pytest.skip(f"Chromium is installed but did not start headless: {e}")
    try:
        yield b
    finally:
        b.close()


def text(b, selector):
    return b.js(f"document.querySelector({json.dumps(selector)}).textContent")


def fill(b, field, value):
    """Focus a field, select what is in it and type over it, key by key."""
    b.click(f"#{field}")
    b.js(f"document.getElementById('{field}').select()")
    if value:
        b.type(value)
    else:
        b.key("Delete", "Delete", 46)


def derived(b):
    b.wait_for("document.getElementById('status').textContent.startsWith('derived')")


def test_type_the_neuron_choose_w_read_answer_and_code(server, browser):
    b = browser
    b.goto(server.url + "#expr=sin(q)&wrt=q")
    derived(b)
    fill(b, "wrt", "")
    fill(b, "expr", "max(0, w.x + b)")
    b.wait_for("document.querySelector('#vars button[data-var=\"w\"]')")
    b.click('#vars button[data-var="w"]')             # choose w
    b.wait_for("document.getElementById('wrt').value === 'w'")
    derived(b)
    math = b.js("(() => { const m = document.querySelector('#math math'); "
                "const r = m.getBoundingClientRect(); "
                "return {text: m.textContent, display: getComputedStyle(m).display, "
                "width: r.width, height: r.height}; })()")
    assert "=step(w·x+b)xT" in re.sub(r"[\s\u2061]", "", math["text"]), math
    assert "math" in math["display"] and math["width"] > 100 and math["height"] > 20, math
    assert text(b, "#shapes-line") == "shape 1×n (numerator layout); inferred w: n, x: n, b: scalar"
    state = parse_qs(b.js("location.hash")[1:])
    assert state == {"expr": ["max(0, w.x + b)"], "wrt": ["w"]}, state    # a link to share

    b.click("#tab-numpy")
    b.wait_for("!document.getElementById('panel-numpy').hidden")
    code = text(b, "#code-numpy")
    assert "def f_and_grad(" in code and "import numpy as np" in code
    b.key("ArrowRight", "ArrowRight", 39)            # keyboard: on to the PyTorch tab
    assert b.js("document.activeElement.id") == "tab-pytorch"
    assert "import torch" in text(b, "#code-pytorch")

    b.click("#tab-steps")
    assert "step(" in text(b, "#steps") and b.js("document.querySelectorAll('#steps li').length") > 3
    b.click("#tab-check")
    b.click("#run-check")
    b.wait_for("document.querySelector('#check-out .verdict')", timeout=60)
    assert text(b, "#check-out .verdict").startswith("✓ proved")


def test_error_shows_the_caret_and_hint(server, browser):
    b = browser
    b.goto(server.url + "#expr=w.x&wrt=w")
    derived(b)
    fill(b, "expr", "max(0, w.x +")
    b.wait_for("!document.getElementById('error').hidden")
    assert text(b, "#error .error-msg") == "parse error: the expression ends too early"
    assert text(b, "#error mark") == "+"
    caret = b.js("(() => { const c = document.querySelector('#error .caret-line'); "
                 "const m = document.querySelector('#error mark').getBoundingClientRect(); "
                 "const r = [...c.childNodes].pop(); const range = document.createRange(); "
                 "range.selectNodeContents(r); const k = range.getBoundingClientRect(); "
                 "return {text: c.textContent, caretX: k.x, markX: m.x, "
                 "below: k.y > m.y}; })()")
    assert caret["text"].endswith("^") and caret["below"], caret
    assert abs(caret["caretX"] - caret["markX"]) < 2, caret          # the caret is under the +
    assert text(b, "#error .error-hint").startswith("hint: ")


def test_a_shared_link_reproduces_the_derivation(server, browser):
    b = browser
    b.goto(server.url + "#expr=" + quote("x' @ A @ x") + "&wrt=x&order=2&tab=latex")
    derived(b)
    assert b.js("document.getElementById('order').value") == "2"
    assert text(b, "#text-out").startswith("∂²/∂x² xᵀ A x = A + Aᵀ")
    assert b.js("!document.getElementById('panel-latex').hidden")
    assert "A" in text(b, "#latex-result")


def test_gallery_and_keyboard(server, browser):
    b = browser
    b.goto(server.url + "#expr=w.x&wrt=w")
    derived(b)
    assert b.js("document.querySelectorAll('#gallery button').length") >= 12
    i = b.js("[...document.querySelectorAll('#gallery code')]"
             ".findIndex((c) => c.textContent === 'tr(A @ X @ B)')")
    b.click(f"#gallery li:nth-child({i + 1}) button")
    b.wait_for("document.getElementById('expr').value === 'tr(A @ X @ B)'")
    derived(b)
    assert text(b, "#text-out").startswith("∂/∂X tr(A X B) = Aᵀ Bᵀ")
    b.js("document.activeElement.blur()")
    b.key("/", "Slash", 191)
    assert b.js("document.activeElement.id") == "expr"


@pytest.mark.skipif(not os.environ.get("MATCALC_SCREENSHOTS"),
                    reason="set MATCALC_SCREENSHOTS=DIR to save screenshots")
def test_screenshots(server, browser):
    out = Path(os.environ["MATCALC_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    b = browser
    for name, (w, h) in {"laptop": (1280, 900), "phone": (390, 844)}.items():
        b.resize(w, h, mobile=w < 600)
        b.goto(server.url + "#expr=" + quote("max(0, w.x + b)") + "&wrt=w&tab=numpy")
        derived(b)
        b.screenshot(out / f"playground-{name}.png", full_page=False)
        assert (out / f"playground-{name}.png").stat().st_size > 10_000
    b.resize(1280, 900)
