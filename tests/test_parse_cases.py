"""What users type (docs/language.md) -> the typed tree: printed text, shape, variables' shapes.

One row per case: (input, declared shapes, expected printed tree, expected shape of the
result, expected shapes of the variables).  `None` in a column means "not checked here".
Shapes are written as in declarations: "scalar", "n" (a column), "1×n", "m×n".
"""
from __future__ import annotations

import pytest

import matcalc

N, M = "n", "m"
VEC = {"w": "n", "x": "n"}
MAT = {"A": "m,n", "x": "n"}

CASES = [
    # -- numbers ---------------------------------------------------------------------------
    ("0", None, "0", "scalar", {}),
    ("2", None, "2", "scalar", {}),
    ("0.5", None, "0.5", "scalar", {}),
    ("1e-3", None, "0.001", "scalar", {}),
    (".25", None, "0.25", "scalar", {}),
    ("1E3", None, "1000", "scalar", {}),
    ("1e300", None, "1e300", "scalar", {}),
    # -- variables: ASCII, Greek, subscripts -------------------------------------------------
    ("x", None, "x", "scalar", {"x": "scalar"}),
    ("W1", None, "W1", "scalar", {"W1": "scalar"}),
    ("x_i", None, "x_i", "scalar", {"x_i": "scalar"}),
    ("β", None, "β", "scalar", {"β": "scalar"}),
    ("β x", {"x": "n"}, "β x", "n", {"β": "scalar", "x": "n"}),
    ("x₁ + x₂", None, "x₁ + x₂", "scalar", None),
    # -- + - * / ^ and the element-wise spellings ---------------------------------------------
    ("x + y", None, "x + y", "scalar", {"x": "scalar", "y": "scalar"}),
    # an undeclared name combined element-wise with an array is an array of that shape
    ("x - y", {"x": "n"}, "x - y", "n", {"x": "n", "y": "n"}),
    ("x - y", {"x": "n", "y": "scalar"}, "x - y", "n", {"x": "n", "y": "scalar"}),
    ("x − y", None, "x - y", "scalar", None),
    ("x * y", None, "x y", "scalar", None),
    ("x / y", None, "x / y", "scalar", None),
    ("x ^ 2", None, "x^2", "scalar", None),
    ("x ⊙ y", {"x": "n", "y": "n"}, "x ⊙ y", "n", None),
    ("x ⊗ y", {"x": "n", "y": "n"}, "x ⊙ y", "n", None),
    ("x * y", {"x": "n", "y": "n"}, "x ⊙ y", "n", None),
    ("x ⊘ y", {"x": "n", "y": "n"}, "x / y", "n", None),
    ("x / 2", {"x": "n"}, "x / 2", "n", None),
    ("2 ^ x", {"x": "n"}, "2^x", "n", None),
    ("A ⊙ B", {"A": "m,n"}, "A ⊙ B", "m×n", {"A": "m×n", "B": "m×n"}),
    ("A * b", {"A": "m,n"}, "A b", "m×n", {"A": "m×n", "b": "scalar"}),   # * scales
    ("A / b", {"A": "m,n"}, "A / b", "m×n", {"A": "m×n", "b": "scalar"}),
    # -- @ and juxtaposition -------------------------------------------------------------------
    ("A @ x", None, "A x", "n", {"A": "n×m", "x": "m"}),
    ("A @ x", MAT, "A x", "m", {"A": "m×n", "x": "n"}),
    ("A x", MAT, "A x", "m", {"A": "m×n", "x": "n"}),
    ("A x", {"A": "m,n"}, "A x", "m", {"A": "m×n", "x": "n"}),
    ("x' @ A @ x", None, "xᵀ A x", "scalar", {"x": "n", "A": "n×n"}),
    ("x'y", None, "xᵀ y", "scalar", {"x": "n", "y": "n"}),
    ("x y'", {"x": "n", "y": "m"}, "x yᵀ", "n×m", None),
    ("I x", {"x": "n"}, "I x", "n", None),
    ("I @ x", {"x": "n"}, "I x", "n", None),
    ("A B", {"A": "m,n", "B": "n,k"}, "A B", "m×k", None),
    ("diag(x) y", None, "diag(x) y", "n", {"x": "n", "y": "n"}),
    # -- dot product ---------------------------------------------------------------------------
    ("w.x", None, "w·x", "scalar", {"w": "n", "x": "n"}),
    ("w·x", None, "w·x", "scalar", {"w": "n", "x": "n"}),
    ("dot(w, x)", None, "w·x", "scalar", {"w": "n", "x": "n"}),
    ("w.x", {"w": "3"}, "w·x", "scalar", {"w": "3", "x": "3"}),
    # -- transpose -----------------------------------------------------------------------------
    ("x'", None, "xᵀ", "1×n", {"x": "n"}),
    ("xᵀ", None, "xᵀ", "1×n", {"x": "n"}),
    ("x.T", None, "xᵀ", "1×n", {"x": "n"}),
    ("A'", None, "Aᵀ", "m×n", {"A": "n×m"}),
    ("(x')'", None, "xᵀᵀ", "n", None),
    ("exp(x)'", {"x": "n"}, "exp(x)ᵀ", "1×n", None),
    # -- unary minus and precedence -------------------------------------------------------------
    ("-x", None, "-x", "scalar", None),
    ("-x^2", None, "-x^2", "scalar", None),
    ("(-x)^2", None, "(-x)^2", "scalar", None),
    ("a.b + c", None, "a·b + c", "scalar", {"a": "n", "b": "n", "c": "scalar"}),
    ("2x", None, "2 x", "scalar", None),
    ("2x", {"x": "n"}, "2 x", "n", None),
    ("x^2^3", None, "x^2^3", "scalar", None),
    ("x^-1", None, "x^-1", "scalar", None),
    ("a + b * c", None, "a + b c", "scalar", None),
    ("(a + b) * c", None, "(a + b) c", "scalar", None),
    ("a - (b - c)", None, "a - (b - c)", "scalar", None),
    ("a / (b / c)", None, "a / (b / c)", "scalar", None),
    ("-x'", {"x": "n"}, "-xᵀ", "1×n", None),
    ("x' A x + b' x + c", {"x": "n"}, "xᵀ A x + bᵀ x + c", "scalar",
     {"x": "n", "A": "n×n", "b": "n", "c": "scalar"}),
    # -- element-wise functions ---------------------------------------------------------------
    *[(f"{f}(x)", {"x": "n"}, f"{p}(x)", "n", None) for f, p in [
        ("exp", "exp"), ("log", "log"), ("ln", "log"), ("sin", "sin"), ("cos", "cos"),
        ("tan", "tan"), ("tanh", "tanh"), ("sigmoid", "sigmoid"), ("σ", "sigmoid"),
        ("softplus", "softplus"), ("sqrt", "sqrt"), ("abs", "abs"), ("step", "step")]],
    ("relu(z)", None, "max(0, z)", "scalar", None),
    ("max(0, w.x + b)", None, "max(0, w·x + b)", "scalar",
     {"w": "n", "x": "n", "b": "scalar"}),
    ("min(x, y)", {"x": "n"}, "min(x, y)", "n", {"x": "n", "y": "n"}),
    ("min(x, y)", {"x": "n", "y": "scalar"}, "min(x, y)", "n", {"x": "n", "y": "scalar"}),
    # -- reductions ------------------------------------------------------------------------------
    ("sum(x)", None, "sum(x)", "scalar", {"x": "n"}),
    ("mean(x)", None, "mean(x)", "scalar", {"x": "n"}),
    ("norm(x)", None, "norm(x)", "scalar", {"x": "n"}),
    ("norm(A)", {"A": "m,n"}, "norm(A)", "scalar", None),
    ("logsumexp(x)", None, "logsumexp(x)", "scalar", {"x": "n"}),
    ("sum(A)", {"A": "m,n"}, "sum(A)", "scalar", None),
    # -- vector functions ------------------------------------------------------------------------
    ("softmax(x)", None, "softmax(x)", "n", {"x": "n"}),
    ("diag(v)", None, "diag(v)", "n×n", {"v": "n"}),
    ("diag(A)", None, "diag(A)", "n", {"A": "n×n"}),
    ("𝟏' x", {"x": "n"}, "𝟏ᵀ x", "scalar", None),
    # -- vector and matrix literals --------------------------------------------------------------
    ("[3*x^2*y, 2*x + y^8]", None, "[3 x^2 y, 2 x + y^8]", "2", {"x": "scalar", "y": "scalar"}),
    ("[1, 2; 3, 4]", None, "[1, 2; 3, 4]", "2×2", {}),
    ("[x, y]", {"x": "n"}, "[x, y]", "n+1", {"x": "n", "y": "scalar"}),
    ("2 [x, y]", None, "2 [x, y]", "2", None),
    # -- matrix functions -------------------------------------------------------------------------
    ("tr(A)", None, "tr(A)", "scalar", {"A": "n×n"}),
    ("trace(A B)", {"A": "m,n"}, "tr(A B)", "scalar", {"A": "m×n", "B": "n×m"}),
    ("det(X)", None, "det(X)", "scalar", {"X": "n×n"}),
    ("logdet(X)", None, "logdet(X)", "scalar", {"X": "n×n"}),
    ("inv(X)", None, "inv(X)", "n×n", {"X": "n×n"}),
    ("inv(X) @ y", None, "inv(X) y", "n", {"X": "n×n", "y": "n"}),
    ("det(A) + tr(B)", None, "det(A) + tr(B)", "scalar", {"A": "n×n", "B": "m×m"}),
    # -- declarations ----------------------------------------------------------------------------
    ("x", {"x": "scalar"}, "x", "scalar", {"x": "scalar"}),
    ("x", {"x": "n"}, "x", "n", {"x": "n"}),
    ("x", {"x": "m,n"}, "x", "m×n", {"x": "m×n"}),
    ("x", {"x": "3"}, "x", "3", {"x": "3"}),
    ("x", {"x": "3,4"}, "x", "3×4", {"x": "3×4"}),
    ("x", {"x": "3×4"}, "x", "3×4", None),
    ("x", {"x": (2, "k")}, "x", "2×k", None),
    ("x + 1", {"x": "1,n"}, "x + 1", "1×n", {"x": "1×n"}),
    # -- inference: fresh sizes, unconstrained -> scalar, constants ------------------------------
    ("x + y", None, "x + y", "scalar", {"x": "scalar", "y": "scalar"}),
    ("W @ x + b", None, "W x + b", "n", {"W": "n×m", "x": "m", "b": "n"}),
    ("W x + b", {"x": "m"}, "W x + b", "n", {"W": "n×m", "x": "m", "b": "n"}),
    ("W @ x + b", {"b": "scalar"}, "W x + b", "n", {"W": "n×m", "x": "m", "b": "scalar"}),
    ("X @ w - y", None, "X w - y", "n", {"X": "n×m", "w": "m", "y": "n"}),
    ("w.x + b", None, "w·x + b", "scalar", {"w": "n", "x": "n", "b": "scalar"}),
    ("lam * norm(w)^2", None, "lam norm(w)^2", "scalar", {"lam": "scalar", "w": "n"}),
    ("(x - mu)' @ inv(S) @ (x - mu)", None, "(x - mu)ᵀ inv(S) (x - mu)", "scalar",
     {"x": "n", "mu": "n", "S": "n×n"}),
    ("(x - mu)' @ inv(S) @ (x - mu)", {"mu": "n"}, "(x - mu)ᵀ inv(S) (x - mu)", "scalar",
     {"x": "n", "mu": "n", "S": "n×n"}),
    ("x' @ inv(A + x @ x') @ x", None, "xᵀ inv(A + x xᵀ) x", "scalar",
     {"x": "n", "A": "n×n"}),
    ("max(0, W @ x + b)", None, "max(0, W x + b)", "n", {"W": "n×m", "x": "m", "b": "n"}),
    ("2 A x", {"x": "m"}, "2 A x", "n", {"A": "n×m", "x": "m"}),
    ("c x", None, "c x", "scalar", {"c": "scalar", "x": "scalar"}),
    ("x + 𝟏", None, "x + 𝟏", "n", {"x": "n"}),
    ("I", None, "I", "n×n", {}),
    ("A @ B @ C", None, "A B C", "n×p", {"A": "n×m", "B": "m×k", "C": "k×p"}),
    ("kron(A, B)", {"A": "2,2", "B": "3,3"}, "kron(A, B)", "6×6", None),
    # -- kron: a free I is sized by the product around it (matcalc's own tensor outputs) ---------
    ("diag(1 - tanh(W x)^2) kron(I, xᵀ)", {"W": "m,n", "x": "n"},
     "diag(1 - tanh(W x)^2) kron(I, xᵀ)", "m×m*n", None),
    ("W2 diag(step(W1 x)) kron(I, x')", {"W2": "k,m", "W1": "m,n", "x": "n"},
     "W2 diag(step(W1 x)) kron(I, xᵀ)", "k×m*n", None),
    ("kron(I, x) + kron(x, I)", {"x": "n"}, "kron(I, x) + kron(x, I)", "m*n×m", None),
    ("kron(I, x) @ y", {"x": "3", "y": "2"}, "kron(I, x) y", "6", None),
    ("A kron(I, x)", {"A": "p,n*k", "x": "n"}, "A kron(I, x)", "p×k", None),
    ("A kron(I, x)", {"A": "p,12", "x": "3"}, "A kron(I, x)", "p×4", None),
    ("z + kron(kron(I, x), y)", {"x": "n", "y": "m", "z": "k*n*m,k"},
     "z + kron(kron(I, x), y)", "k*n*m×k", None),
    ("kron([x, 1], x)", {"x": "n"}, "kron([x, 1], x)", "n*n+n", None),   # (n+1)·n, not n+1*n
    ("y + [x, A w]", {"x": "n", "y": "n+3", "w": "m"}, "y + [x, A w]", "n+3",
     {"x": "n", "y": "n+3", "w": "m", "A": "3×m"}),
    ("kron(a, u) + u", {"a": "scalar", "u": "m"}, "kron(a, u) + u", "m", None),
    # -- printing: calls are atoms; an element-wise chain left of a product is grouped -------------
    ("diag(u) kron(I, xᵀ)", {"u": "m", "x": "n"}, "diag(u) kron(I, xᵀ)", "m×m*n", None),
    ("sigmoid(W x) ⊙ (1 - sigmoid(W x)) ⊙ a xᵀ", {"W": "m,n", "x": "n", "a": "m"},
     "(sigmoid(W x) ⊙ (1 - sigmoid(W x)) ⊙ a) xᵀ", "m×n", None),
    ("a ⊘ b xᵀ", {"a": "m", "b": "m", "x": "n"}, "(a / b) xᵀ", "m×n", None),
    ("a ⊙ (b xᵀ)", {"a": "m,n", "b": "m", "x": "n"}, "a ⊙ (b xᵀ)", "m×n", None),
]


def fmt(shape) -> str:
    r, c = shape
    if (r, c) == (1, 1):
        return "scalar"
    if c == 1:
        return str(r)
    return f"{r}×{c}"


@pytest.mark.parametrize("text, shapes, printed, shape, var_shapes", CASES,
                         ids=[c[0] + (f" {c[1]}" if c[1] else "") for c in CASES])
def test_parse_case(text, shapes, printed, shape, var_shapes):
    e, found = matcalc.parse_with_shapes(text, shapes)
    assert str(e) == printed
    assert fmt(e.shape) == shape
    if var_shapes is not None:
        assert {k: fmt(v) for k, v in found.items()} == var_shapes
    # what prints re-parses to the same tree under the shapes found
    assert matcalc.parse(printed, found) == e


@pytest.mark.parametrize("text, shapes", [
    ("kron(I, x) + u", {"x": "3", "u": "12"}),      # kron(I, x) is 3k×k: no k makes it 12×1
    ("kron(I, I) + A", {"A": "9,9"}),               # k·l = 9 has many solutions: not guessed
    ("A kron(I, x)", {"A": "p,7", "x": "3"}),
])
def test_kron_sizes_that_do_not_fit(text, shapes):
    with pytest.raises(matcalc.ShapeError, match="Kronecker product"):
        matcalc.parse(text, shapes)


def test_differential_prints_dx_for_a_variable():
    from matcalc.tree import Expr
    x, A = matcalc.parse("x", VEC), matcalc.parse("A", MAT)
    assert str(Expr("d", (x,), x.shape)) == "dx"
    assert str(Expr("d", (A,), A.shape)) == "dA"
    xt = matcalc.parse("x'", VEC)
    assert str(Expr("d", (xt,), xt.shape)) == "d(xᵀ)"


def test_enough_cases():
    assert len(CASES) >= 60


def test_block_literal_rows_keep_their_blocks():
    """[A, 2A; A, A] is the 2n×2m block matrix (its rows were once read as transposed
    columns, which transposed every block: a wrong value with no error)."""
    import numpy as np
    from matcalc.evaluate import evaluate
    e = matcalc.parse("[A, 2*A; B, A]", {"A": "n,m", "B": "n,m"})
    assert e.shape == ("n+n", "m+m") or str(e.shape) == str(("n+n", "m+m"))
    A, B = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    got = evaluate(e, {"A": A, "B": B})
    np.testing.assert_array_equal(got, np.block([[A, 2 * A], [B, A]]))


# -- the parser: matcalc.lalr over matcalc/_parse_tables.py (python -m matcalc.parser_gen) -----

def _lark_reference():
    lark = pytest.importorskip("lark")
    from matcalc.resources import grammar_path
    return lark, lark.Lark.open(str(grammar_path()), parser="lalr", lexer="contextual",
                                start=["start", "pattern"], propagate_positions=True,
                                maybe_placeholders=False)


_META = ("empty", "line", "column", "start_pos", "end_line", "end_column", "end_pos")


def _plain(t):
    """A parse tree as data: rule names, tokens and every position Lark records."""
    if hasattr(t, "children"):
        return (str(t.data), tuple(getattr(t.meta, f, None) for f in _META),
                [_plain(c) for c in t.children])
    return (t.type, str(t), t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)


def _bad_texts(n=300, seed=17):
    """The known-bad examples, then random strings of the language's pieces (seeded)."""
    import random
    from matcalc.parse_errors import ERROR_EXAMPLES
    pieces = ["x", "W1", "α", "x₁", "2", ".5", "1e3", "3.", "(", ")", "[", "]", ",", ";", "=",
              "+", "-", "−", "*", "/", "@", ".", "·", "⊙", "^", "'", "ᵀ", "⊤", ".T", ".^",
              ".*", "exp(", "max(", "?u", "𝟏", " ", "\n", "!", "{", "é", "^ ⊤", "2x", "T"]
    rnd = random.Random(seed)
    return [s for v in ERROR_EXAMPLES.values() for s in v] + \
        ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 10))) for _ in range(n)]


def test_the_generated_tables_are_the_grammars():
    from matcalc import parser_gen
    text = parser_gen.OUT.read_text(encoding="utf-8")
    assert parser_gen.recorded_digest(text) == parser_gen.grammar_digest(), \
        "grammar/matcalc.lark changed: run python -m matcalc.parser_gen"
    pytest.importorskip("lark")
    assert parser_gen.generate() == text, "run python -m matcalc.parser_gen"   # reproducible


def test_the_parser_gives_lark_s_trees():
    """The same trees (rules, tokens, spans, lines and columns) as Lark reading the grammar."""
    _, ref = _lark_reference()
    from matcalc.parser import _parser
    from matcalc.statements import grammar_text
    texts = [c[0] for c in CASES] + ["h = tanh(W1 @ x); z = W2 @ h; norm(z - y)^2",
                                     "[a, b; c, d]'", "2x^2 - x.T @ A @ x",
                                     "h = x\n  # a comment\nsum(h ^\n⊤)", "x ^ ⊤ .T"]
    for text in map(grammar_text, texts):
        assert _plain(_parser().parse(text, start="start")) == \
            _plain(ref.parse(text, start="start")), text
    for pattern in ["d(?u * ?v) = d(?u) * ?v + ?u * d(?v)", "exp(log(?u)) → ?u"]:
        for side in pattern.replace("→", "=").split(" = "):
            assert _plain(_parser().parse(side, start="pattern")) == \
                _plain(ref.parse(side, start="pattern"))
    for text in _bad_texts(300, seed=3):        # what parses in one parses alike in the other
        for start in ("start", "pattern"):
            try:
                want = _plain(ref.parse(text, start=start))
            except Exception:
                continue
            assert _plain(_parser().parse(text, start=start)) == want, (text, start)


@pytest.mark.parametrize("warm", [False, True], ids=["programs", "compiled"])
def test_a_warm_lexer_lexes_as_a_cold_one(monkeypatch, warm):
    """A terminal tried WARM times in a process is matched by its compiled regular expression
    (matcalc/lalr_lexer.py): the same trees as Lark's either way."""
    from matcalc import lalr_lexer
    from matcalc.parser import _parser
    from matcalc.statements import grammar_text
    _, ref = _lark_reference()
    monkeypatch.setattr(lalr_lexer, "WARM", 0 if warm else 10 ** 9)
    monkeypatch.setattr(lalr_lexer, "_MATCHERS", {})
    monkeypatch.setattr(_parser(), "_lexers", {})
    texts = [c[0] for c in CASES] + list(_bad_texts(200, seed=11))
    for text in map(grammar_text, texts):
        try:
            want = _plain(ref.parse(text, start="start"))
        except Exception:
            continue
        assert _plain(_parser().parse(text, start="start")) == want, text
    used = [w for w in lalr_lexer._MATCHERS.values() if w.uses or w.rx is not None]
    assert used and all((w.rx is not None) == warm for w in used)


def test_the_parser_gives_lark_s_errors():
    """Bad input fails alike: the same exception, position, token, expected terminals, parser
    stack depth, accepted terminals, example label — hence the same ParseError."""
    lark, ref = _lark_reference()
    from matcalc import lalr
    from matcalc.parse_errors import ERROR_EXAMPLES, token_error
    from matcalc.parser import _parser

    def failure(parser, errors, text, start):
        try:
            parser.parse(text, start=start)
        except errors.UnexpectedInput as e:
            tok = getattr(e, "token", None)
            out = [type(e).__name__, e.pos_in_stream, e.line, e.column,
                   sorted(getattr(e, "expected", None) or e.allowed),
                   len(e.state.state_stack)]
            if tok is not None:
                out += [(tok.type, str(tok), tok.start_pos, tok.end_pos), sorted(e.accepts),
                        e.match_examples(lambda s: parser.parse(s, start=start),
                                         ERROR_EXAMPLES, use_accepts=True),
                        str(token_error(e, text, start, parser))]
            return out
        return None

    compared = 0
    for text in _bad_texts():
        for start in ("start", "pattern"):
            want = failure(ref, lark.exceptions, text, start)
            assert failure(_parser(), lalr, text, start) == want, (text, start)
            compared += want is not None
    assert compared > 300


def test_the_terminals_match_as_their_regular_expressions():
    """matcalc.lalr's matcher gives `re.match`'s end on every terminal, at every position."""
    import random
    import re
    from matcalc import _parse_tables, lalr
    _, ref = _lark_reference()
    regexps = {t.name: re.compile(t.pattern.to_regexp()) for t in ref.terminals}
    pieces = list("xyzT_09.eE+-−*/@·^'ᵀ⊤ \n\t(),;=?α₁𝟏é") + [".T", "^ ⊤", "1e", ".5", "1e-"]
    rnd = random.Random(5)
    for _ in range(1500):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8)))
        for pos in range(len(s) + 1):
            for name, _newline, program in _parse_tables.TERMINALS:
                m = regexps[name].match(s, pos)
                assert lalr.match_terminal(program, s, pos) == (m.end() if m else -1), \
                    (name, s, pos)
