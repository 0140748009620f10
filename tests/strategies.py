"""Hypothesis strategies shared by the test-suite: well-shaped expressions as *text*.

`well_shaped()` draws text over the declared variables `SHAPES` (scalars, n- and m-vectors,
m×n and n×n matrices) using every operator and function of the language (docs/language.md) and
every spelling of each (`*` `⊙` `⊗`, `/` `⊘`, `@` and juxtaposition, `.` `·` `dot()`,
`'` `ᵀ` `.T`), nested at most `max_depth` deep.  Whatever it draws parses under `SHAPES` to
the drawn shape, so tests of the parser, printers, engine and checker can all reuse it:

    @given(well_shaped_with_shape())
    def test_x(case):
        text, shape = case
        e = matcalc.parse(text, SHAPES)
        assert e.shape == shape

`mutated()` draws well-shaped text with random edits (insertions, deletions, swaps of
grammar characters): mostly-malformed input for the "only MatcalcError" property.
"""
from __future__ import annotations

import re

from hypothesis import strategies as st

SHAPES = {"a": "scalar", "b": "scalar", "c": "scalar", "x": "n", "y": "n", "w": "n", "u": "m",
          "A": "m,n", "B": "m,n", "S": "n,n"}
# the declared shapes as typed trees carry them
SIZES = ("n", "m")
S1 = (1, 1)
VARS = {S1: ["a", "b", "c"], ("n", 1): ["x", "y", "w"], ("m", 1): ["u"],
        ("m", "n"): ["A", "B"], ("n", "n"): ["S"]}
NUMBERS = ["0", "1", "2", "3", "0.5", "1e-3", ".25", "10"]
EWISE = ["exp", "log", "ln", "sin", "cos", "tan", "tanh", "sigmoid", "σ", "relu", "softplus",
         "sqrt", "abs", "step", "sign"]
REDUCE = ["sum", "mean", "norm", "logsumexp"]
MUL = ["*", "⊙", "⊗"]
DIV = ["/", "⊘"]
DOTS = ["{}.{}", "{}·{}", "dot({}, {})", "{} · {}"]
TRANSPOSE = ["{}'", "{}ᵀ", "{}.T"]


_NAME = re.compile(r"[A-Za-z_\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*")


def _p(s: str) -> str:
    """Parenthesise anything but a name or a call, so the drawn text has the drawn tree."""
    return s if _NAME.fullmatch(s) or (s.endswith(")") and _NAME.fullmatch(s.split("(")[0])
                                       and _balanced_call(s)) else f"({s})"


def _balanced_call(s: str) -> bool:
    depth = 0
    for i, ch in enumerate(s):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch == ")" and i != len(s) - 1:
            return False
    return True


def _real(text: str) -> bool:
    """False for a text matcalc refuses because a number in it has no real value (log(0),
    sqrt(1 - 5), x / (1 - 1)): the strategies promise texts that read."""
    import matcalc
    try:
        matcalc.parse(text, SHAPES)
    except matcalc.ParseError as e:
        return e.label not in ("not-real", "division-by-zero")
    except Exception:  # noqa: BLE001 — any other outcome is the test's to judge
        pass
    return True


def expr(shape=S1, depth: int = 4):
    """Text whose typed tree under SHAPES has `shape` ((1, 1), ("n", 1), ("m", "n")…), and
    whose numbers have real values."""
    return _expr(shape, depth).filter(_real)


@st.composite
def _expr(draw, shape=S1, depth: int = 4) -> str:
    r, c = shape
    if depth <= 0 or draw(st.integers(0, 5)) == 0:
        return draw(_leaf(shape))
    sub = lambda s: expr(s, depth - 1)  # noqa: E731
    choices = ["ewise", "neg", "binary", "pow", "maxmin", "transpose", "matmul", "kron"]
    if shape == S1:
        choices += ["dot", "reduce", "square", "literal", "scalar_mm"]
    if c == 1 and r != 1:
        choices += ["softmax"] + (["diag_extract"] if r == "n" else [])
    if r == c == "n":
        choices += ["diag", "inv"]
    kind = draw(st.sampled_from(choices))
    if kind == "ewise":
        return f"{draw(st.sampled_from(EWISE))}({draw(sub(shape))})"
    if kind == "neg":
        return "-" + _p(draw(sub(shape)))
    if kind == "binary":
        op = draw(st.sampled_from(["+", "-"] + MUL + DIV))
        left_scalar, right_scalar = draw(st.sampled_from(
            [(False, False), (True, False), (False, True)]))
        left = draw(sub(S1 if left_scalar else shape))
        right = draw(sub(S1 if right_scalar else shape))
        if op in DIV and right.strip("()") in ("0", "𝟎"):
            right = "2"          # a literal zero divisor is refused (division-by-zero)
        return f"{_p(left)} {op} {_p(right)}"
    if kind == "pow":
        exponent = draw(st.sampled_from(["2", "3", "0.5", "-1"]) | sub(S1))
        if draw(st.booleans()) or shape != S1:
            return f"{_p(draw(sub(shape)))}^{_p(exponent)}"
        return f"{_p(draw(sub(S1)))}^{_p(exponent)}"
    if kind == "maxmin":
        f = draw(st.sampled_from(["max", "min"]))
        return f"{f}({draw(st.just('0') | sub(shape))}, {draw(sub(shape))})"
    if kind == "transpose":
        return draw(st.sampled_from(TRANSPOSE)).format(_p(draw(sub((c, r)))))
    if kind in ("matmul", "scalar_mm"):
        k = draw(st.sampled_from(SIZES + (1,)))
        left, right = draw(sub((r, k))), draw(sub((k, c)))
        # juxtaposition of two arrays is the matrix product; with a 1×1 side it would scale
        if (r, k) != S1 and (k, c) != S1 and draw(st.booleans()):
            return f"{_p(left)} {_p(right)}"
        return f"{_p(left)} @ {_p(right)}"
    if kind == "dot":
        n = draw(st.sampled_from(SIZES))
        return draw(st.sampled_from(DOTS)).format(_p(draw(sub((n, 1)))), _p(draw(sub((n, 1)))))
    if kind == "reduce":
        arg_shape = draw(st.sampled_from([("n", 1), ("m", 1), ("m", "n"), (1, "n")]))
        return f"{draw(st.sampled_from(REDUCE))}({draw(sub(arg_shape))})"
    if kind == "square":
        f = draw(st.sampled_from(["tr", "trace", "det", "logdet"]))
        return f"{f}({draw(sub(('n', 'n')))})"
    if kind == "literal":
        entries = draw(st.lists(sub(S1), min_size=1, max_size=3))
        if draw(st.booleans()):
            return f"sum([{', '.join(entries)}])"
        rows = draw(st.lists(st.lists(sub(S1), min_size=2, max_size=2), min_size=2,
                             max_size=2))
        return f"tr([{'; '.join(', '.join(row) for row in rows)}])"
    if kind == "softmax":
        return f"softmax({draw(sub(shape))})"
    if kind == "diag_extract":
        return f"diag({draw(sub(('n', 'n')))})"
    if kind == "diag":
        return f"diag({draw(sub(('n', 1)))})"
    if kind == "inv":
        return f"inv({draw(sub(shape))})"
    if kind == "kron":
        # sizes multiply: a scalar factor keeps the shape, a column ⊗ a row is the outer product
        a, b = draw(st.sampled_from([(S1, shape), (shape, S1), ((r, 1), (1, c))]))
        return f"kron({draw(sub(a))}, {draw(sub(b))})"
    raise AssertionError(kind)


@st.composite
def _leaf(draw, shape) -> str:
    r, c = shape
    options = list(VARS.get(shape, []))
    if shape == S1:
        options += NUMBERS
    if (c, r) in VARS and shape != S1:
        t = draw(st.sampled_from(TRANSPOSE))
        options += [t.format(v) for v in VARS[(c, r)]]
    if shape == S1:
        options += ["𝟏ᵀ x", "x' y", "u'u"]
    if not options:                    # e.g. m×m: build it from what is declared
        return f"A {draw(st.sampled_from(['Bᵀ', 'Aᵀ']))}" if shape == ("m", "m") else \
            f"{draw(_leaf((r, 'n')))} @ {draw(_leaf(('n', c)))}"
    return draw(st.sampled_from(options))


SHAPE_CHOICES = [S1, ("n", 1), ("m", 1), (1, "n"), ("m", "n"), ("n", "m"), ("n", "n")]


@st.composite
def well_shaped_with_shape(draw, max_depth: int = 6):
    """(text, shape): text parses under SHAPES to a tree of that shape."""
    shape = draw(st.sampled_from(SHAPE_CHOICES))
    depth = draw(st.integers(1, max_depth))
    return draw(expr(shape, depth)), shape


def well_shaped(max_depth: int = 6):
    """Text of a well-shaped expression over SHAPES."""
    return well_shaped_with_shape(max_depth).map(lambda case: case[0])


GRAMMAR_CHARS = list("()[]+-*/^@.,;' _0123456789xyzAIeT?") + \
    ["ᵀ", "·", "⊙", "⊘", "𝟏", "σ", "exp(", "max(", ".T", "**", "\n", "\x00", "é"]


@st.composite
def mutated(draw, max_depth: int = 4):
    """Well-shaped text with 1–4 random edits: mostly malformed, sometimes still valid."""
    text = draw(well_shaped(max_depth))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        piece = draw(st.sampled_from(GRAMMAR_CHARS))
        if edit == "insert":
            text = text[:i] + piece + text[i:]
        elif edit == "delete":
            text = text[:i] + text[i + 1:]
        elif edit == "replace":
            text = text[:i] + piece + text[i + 1:]
        else:
            j = draw(st.integers(i, len(text)))
            text = text[:j] + text[i:j] + text[j:]
    return text
