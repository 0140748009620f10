"""Text -> untyped expression tree, through the LALR grammar in grammar/matcalc.lark.

Owns: loading the grammar, turning Lark errors into labelled `ParseError`s with a caret,
the limits on input (length, nesting depth, characters), the rule language's own calls, and
how each dialect reads the operators (`matcalc.dialect`: in `matrixcalculus`, `*` is the
matrix product and `.*` `./` `.^` are element-wise; the default refuses MATLAB's operators
with a hint, `parse_hints`).  The functions a user may call are the operator registry's
(`matcalc.ops.functions(dialect)`); a call with keyword arguments (`sum(X, axis=0)`) is
read by `matcalc.axes`, a text of definitions (`h = …; expr`) with `matcalc.statements`.
Invariant: what leaves here is a tree of `Expr` with `shape=None` and source spans; shapes
are the job of `shapes.infer`.  No user text ever reaches eval/exec/sympify.
"""
from __future__ import annotations

import functools
from fractions import Fraction

from .axes import CALLS, read_call, split_arguments
from .dialect import DEFAULT, MATRIXCALCULUS, check_dialect
from .errors import ParseError
from .ops import CONSTANTS, functions
from .parse_errors import (MAX_DEPTH, MAX_LENGTH, char_hint, check_depth, check_text,  # noqa: F401
                           number, token_error)
from .parse_hints import (division_by_zero_error, matlab_operator_error,
                          module_prefix_error, statement_error)
from .resources import grammar_path
from .statements import Definitions, Program, grammar_text  # noqa: F401
from .tree import Expr


# only in rule files: the differential, shape-taking constants, and the engine's sweeps
PATTERN_FUNCTIONS: dict[str, tuple[str, int]] = {
    "d": ("d", 1), "ones": ("ones_like", 1), "zeros": ("zeros_like", 1), "eye": ("eye_like", 1),
    "count": ("count", 1), "jac": ("jac", 1), "grad": ("grad", 2),
    "reshape_like": ("reshape_like", 2), "undiff": ("undiff", 1),
}

MULOPS = {"*": "mul", "⊙": "mul", "⊗": "mul", "×": "mul", "/": "div", "⊘": "div",
          "@": "matmul", ".": "dot", "·": "dot", "⋅": "dot", ".*": "mul", "./": "div"}
# matrixcalculus.org: `*` multiplies as juxtaposition does (a scalar scales, arrays: matmul)
DIALECT_MULOPS = {MATRIXCALCULUS: {"*": "juxt"}}

@functools.lru_cache(maxsize=None)
def _lark():
    from lark import Lark
    return Lark.open(str(grammar_path()), parser="lalr", start=["start", "pattern"],
                     propagate_positions=True, maybe_placeholders=False, cache=True)


def parse_raw(text: str, *, pattern: bool = False, dialect: str | None = None) -> Expr:
    """Parse `text` into an untyped tree (shapes are inferred by `shapes.infer`); `dialect`
    is 'matcalc' (the default) or 'matrixcalculus' (`matcalc.dialect`)."""
    return parse_program(text, pattern=pattern, dialect=dialect).expr


def parse_program(text: str, *, pattern: bool = False, dialect: str | None = None) -> Program:
    """Parse a text of definitions (`h = …;` or one per line) and one final expression."""
    dialect = check_dialect(dialect)
    if not isinstance(text, str):
        raise ParseError(f"expected the expression as text, got {type(text).__name__}",
                         label="not-text")
    check_text(text)
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput
    parser = _lark()
    start = "pattern" if pattern else "start"
    try:
        tree = parser.parse(text if pattern else grammar_text(text), start=start)
    except UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        hint = char_hint(ch)
        raise ParseError(f"unexpected character {ch!r}", text=text,
                         span=(e.pos_in_stream, e.pos_in_stream + 1), hint=hint,
                         label="bad-character") from None
    except UnexpectedInput as e:
        raise statement_error(e, text) or token_error(e, text, start, parser) from None
    check_depth(tree, text)
    builder = _Builder(text, pattern, dialect)
    expr = builder.build(tree)
    defs = builder.defs
    return Program(expr, tuple((n, defs.nodes[n], defs.spans[n]) for n in defs.nodes),
                   tuple(defs.unused))


class _Builder:
    """Lark tree -> Expr (shape None).  Depth is bounded, so plain recursion is safe."""

    def __init__(self, text: str, pattern: bool, dialect: str = DEFAULT):
        self.text = text
        self.pattern = pattern
        self.dialect = dialect
        self.functions = functions(dialect)
        self.mulops = {**MULOPS, **DIALECT_MULOPS.get(dialect, {})}
        reserved = {n: "a function" for n in self.functions}
        reserved.update({"I": "the identity", "T": "the transpose (x^T)"})
        self.defs = Definitions(text, reserved)

    def err(self, message, span, hint=None, label="syntax"):
        return ParseError(message, text=self.text, span=span, hint=hint, label=label)

    def build(self, tree) -> Expr:
        from lark import Token
        if isinstance(tree, Token):
            return self.token(tree)
        meth = getattr(self, "t_" + tree.data)
        return meth(tree, _span(tree))

    def token(self, tok) -> Expr:
        span = (tok.start_pos, tok.end_pos)
        if tok.type == "NUMBER":
            return Expr("num", (), None, number(str(tok), span, self.text), span)
        if tok.type == "NAME":
            if tok == "I" and self.dialect == DEFAULT:     # matrixcalculus.org: a matrix I
                return Expr("eye", (), None, None, span)
            if self.pattern and tok in CONSTANTS:      # π in a rule is π (users may rename)
                return Expr(CONSTANTS[tok].name, (), None, None, span)
            if tok in self.functions:
                raise self.err(f"'{tok}' is a function: call it with parentheses, {tok}(…)",
                               span, label="function-without-call")
            if not self.pattern:
                ref = self.defs.use(str(tok), span)
                if ref is not None:
                    return ref
            return Expr("var", (), None, str(tok), span)
        if tok.type == "PVAR":
            if not self.pattern:
                raise self.err(f"pattern variable {tok} outside a rule file", span,
                               hint="pattern variables (?u) belong in rules/ only",
                               label="pattern-variable")
            return Expr("pvar", (), None, str(tok)[1:], span)
        if tok.type == "ONES":
            return Expr("ones", (), None, None, span)
        if tok.type == "ZEROS":
            return Expr("zeros", (), None, None, span)
        raise self.err(f"unexpected {tok!r}", span)

    # -- rules of the grammar ---------------------------------------------------------
    def t_start(self, t, span):
        parts = [c for c in t.children if not _is_semi(c)]
        for definition in parts[:-1]:
            name, expr = definition.children[0], definition.children[2]
            node = self.build(expr)
            self.defs.define(str(name), (name.start_pos, name.end_pos), node)
        return self.build(parts[-1])

    def t_pattern(self, t, span):
        return self.build(t.children[0])

    def _binary(self, op, t, span):
        a, b = self.build(t.children[0]), self.build(t.children[-1])
        return Expr(op, (a, b), None, None, span)

    def t_add(self, t, span):
        return self._binary("add", t, span)

    def t_sub(self, t, span):
        return self._binary("sub", t, span)

    def t_binop(self, t, span):
        tok = t.children[1]
        sym, tspan = str(tok), (tok.start_pos, tok.end_pos)
        if sym in (".*", "./") and self.dialect == DEFAULT:
            raise matlab_operator_error(sym, self.text, tspan)
        left = t.children[0]
        if getattr(left, "data", None) == "var":            # `NAME -> var`: its token
            left = left.children[0]
        if sym == "." and not self.pattern and getattr(left, "type", "") == "NAME":
            err = module_prefix_error(str(left), (left.start_pos, left.end_pos), tspan,
                                      _span(t.children[2]) or (t.children[2].start_pos,
                                                               t.children[2].end_pos),
                                      self.text)
            if err is not None:               # before the call is read: np.maximum(…)
                raise err
        node = self._binary(self.mulops[sym], t, span)
        if node.op == "div" and not self.pattern:
            err = division_by_zero_error(node, self.text)
            if err is not None:
                raise err
        return node

    def t_juxt(self, t, span):
        left, right = t.children
        # `x[0]`: a bracket glued to a name reads as indexing, which the language lacks
        if getattr(right, "data", None) == "literal" and _span(right) and left_end(left) == \
                _span(right)[0] and (getattr(left, "type", None) == "NAME" or
                                     getattr(left, "data", None) == "var"):
            raise self.err("indexing is not supported", _span(right),
                           hint="matcalc works with whole vectors and matrices; to scale by a "
                                "vector literal put a space or '*' before '['",
                           label="indexing")
        return self._binary("juxt", t, span)

    def t_pow(self, t, span):
        tok = t.children[1]
        if str(tok) == ".^" and self.dialect == DEFAULT:
            raise matlab_operator_error(".^", self.text, (tok.start_pos, tok.end_pos))
        return self._binary("pow", t, span)

    def t_neg(self, t, span):
        return Expr("neg", (self.build(t.children[1]),), None, None, span)

    def t_pos(self, t, span):
        return self.build(t.children[1])

    def t_transpose(self, t, span):
        return Expr("T", (self.build(t.children[0]),), None, None, span)

    def t_num(self, t, span):
        return self.token(t.children[0])

    t_var = t_pvar = t_ones = t_zeros = t_num

    def t_group(self, t, span):
        inner = self.build(t.children[1])
        return Expr(inner.op, inner.args, None, inner.value, span)

    def t_call(self, t, span):
        name_tok = t.children[0]
        name = str(name_tok)
        nspan = (name_tok.start_pos, name_tok.end_pos)
        items = [a for a in t.children[2].children if not _is_comma(a)]
        args, options = split_arguments(items, self.build, self.text, name, span)
        if not self.pattern and (options or name in CALLS):
            node = read_call(name, args, options, self.text, span, nspan, self.functions)
            if node is not None:
                return node
        if self.pattern and name in PATTERN_FUNCTIONS:
            op, arity = PATTERN_FUNCTIONS[name]
        elif name in self.functions:
            rec = self.functions[name]
            op, arity = rec.name, (-1 if rec.arity is None else rec.arity)
        else:
            close = _close_names(name, self.functions)
            hint = f"did you mean {close}?" if close else \
                f"write {name} * (…) for a product; known functions: " + \
                ", ".join(sorted(set(self.functions) - {"hcat", "vcat", "kron"}))
            raise self.err(f"unknown function '{name}'", nspan, hint=hint,
                           label="unknown-function")
        if arity >= 0 and len(args) != arity:
            raise self.err(f"{name}() takes {arity} argument{'s' if arity != 1 else ''}, "
                           f"got {len(args)}", span, label="wrong-arity",
                           hint=f"e.g. {_example_call(name, arity)}")
        if arity < 0 and not args:
            raise self.err(f"{name}() needs at least one argument", span, label="wrong-arity",
                           hint=f"e.g. {name}(x)")
        if name in self.functions and self.functions[name].expand is not None:
            try:
                op, args = self.functions[name].expand(*args)     # relu(z) is max(0, z)
            except ParseError as e:          # a macro refuses an operand (mpow's power): where
                raise self.err(e.message, e.span or span, hint=e.hint, label=e.label) from None
            args = [Expr("num", (), None, Fraction(a), nspan) if isinstance(a, int) else a
                    for a in args]
        return Expr(op, tuple(args), None, None, span)

    def t_literal(self, t, span):
        rows = [[self.build(x) for x in row.children if not _is_comma(x)]
                for row in t.children[1].children if not _is_semi(row)]
        if len(rows) == 1:           # [a, b, c] is a column
            return Expr("vcat", tuple(rows[0]), None, None, span)
        if len({len(r) for r in rows}) != 1:
            raise self.err("the rows of a matrix literal have different lengths", span,
                           label="ragged-literal",
                           hint="give every row as many entries: [a, b; c, d]")
        # [a, b; c, d]: rows (side by side, blocks as they are), stacked
        return Expr("vcat", tuple(Expr("hcat", tuple(r), None, None, span) for r in rows),
                    None, None, span)


def left_end(node):
    if hasattr(node, "end_pos"):
        return node.end_pos
    sp = _span(node)
    return sp[1] if sp else None


def _span(tree):
    m = tree.meta
    if m.empty:
        return None
    return (m.start_pos, m.end_pos)


def _is_comma(x) -> bool:
    return getattr(x, "type", None) == "COMMA"


def _is_semi(x) -> bool:
    return getattr(x, "type", None) == "SEMI"


def _example_call(name: str, arity: int) -> str:
    return {2: f"{name}(0, z)" if name in ("max", "min") else f"{name}(w, x)"}.get(
        arity, f"{name}(x)")


def _close_names(name: str, table) -> str | None:
    import difflib
    close = difflib.get_close_matches(name.lower(), list(table), n=1, cutoff=0.7)
    return f"{close[0]}(…)" if close else None
