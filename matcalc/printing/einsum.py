"""An index form (`matcalc.tensor.ir.IndexForm`) as NumPy / PyTorch / JAX statements: one
`einsum` call per term, summed, reshaped to the derivative array output + variable axes.

Owns: `emit_index_form(printer, value_expr, form, out)`.
Invariants: each factor of a term is printed once by the shared `CodePrinter` (its
subexpressions shared with the value's), reshaped only where its indices split an axis (a
Kronecker group); a delta is an identity matrix of its index's size, one per size, never a
dense δ tensor of more axes; a diagonal matrix or `I` never appears as a factor (the index form
has made them deltas), so nothing like `kron(I, ·)` or `diag(v)` is built.  Only text is
written here.
"""
from __future__ import annotations

from ..tensor.arrays import einsum_spec
from .code import ATOM, MUL, Val, p
from .reorder import pull_negations


def _size_code(pr, size) -> str:
    return pr.dim(size)


def _coef(c) -> str:
    f = float(c)
    return repr(f) if f.is_integer() or len(repr(f)) < 12 else f"{c.numerator} / {c.denominator}"


def emit_index_form(pr, value_expr, form, out: str) -> None:
    """Append to `pr.lines` the statements `value = …` and `<out> = …` (the array)."""
    factors = {}
    for t in form.terms:
        for e, _ in t.factors:
            factors.setdefault(e, pull_negations(e))
    # every occurrence counts: a factor in two terms is computed once, into a temporary
    pr.count([value_expr] + [factors[e] for t in form.terms for e, _ in t.factors])
    pr.assign("value", value_expr)
    out_idx = [i for g in form.out for i in g]
    eyes: dict = {}

    def operand(op) -> str:
        if op[0] == "factor":
            _, e, idx = op
            tree = pr.prepare(factors[e])
            v = pr.dense(pr.emit(tree), tree.shape)
            code = pr.arg(v)
            axes = [d for d in tree.shape if d != 1]
            want = [form.sizes[i] for i in idx]
            if [str(a) for a in axes] != [str(w) for w in want]:
                shape = ", ".join(_size_code(pr, w) for w in want)
                code = pr.call("reshape", code, f"({shape}{',' if len(want) == 1 else ''})").code
            return code
        size = form.sizes[op[1]]
        key = (op[0], str(size))
        if key not in eyes:
            name = pr.fresh()
            call = pr.call("eye" if op[0] == "delta" else "ones", _size_code(pr, size))
            pr.lines.append(f"{name} = {call.code}")
            eyes[key] = name
        return eyes[key]

    terms = []
    for t in form.terms:
        # scalar factors multiply the term outside the einsum (torch.einsum takes tensors)
        scalars = [pr.prepare(factors[e]) for e, idx in t.factors if not idx]
        t = type(t)(t.coef, tuple((e, idx) for e, idx in t.factors if idx), t.deltas)
        spec, ops = einsum_spec(t, out_idx)
        codes = [operand(op) for op in ops]
        ins, result = spec.split("->")
        if not codes:
            code = None
        elif len(codes) == 1 and ins == result:                # already the array
            code = codes[0] if codes[0].isidentifier() else f"({codes[0]})"
        else:
            extra = ", optimize=True" if pr.backend == "numpy" and len(codes) > 2 else ""
            code = f"{pr.fn['einsum']}('{spec}', {', '.join(codes)}{extra})"
        for tree in scalars:
            v = pr.dense(pr.emit(tree), tree.shape)
            code = p(v, MUL + 1) if code is None else f"{p(v, MUL)} * {code}"
        c = float(t.coef)
        if code is None:
            terms.append(Val(_coef(t.coef), ATOM, const=True))
        elif c == 1:
            terms.append(Val(code))
        elif c == -1:
            terms.append(Val("-" + code, MUL))
        else:
            terms.append(Val(f"{_coef(t.coef)} * {code}", MUL))
    groups = [tuple(form.sizes[i] for i in g) for g in form.out]
    dims = [" * ".join(_size_code(pr, s) for s in g) for g in groups]
    shape = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
    if not terms:
        pr.lines.append(f"{out} = " + (pr.call("zeros", shape).code if dims else "0.0"))
    for k, v in enumerate(terms):
        pr.lines.append(f"{out} = {v.code}" if k == 0 else
                        f"{out} = {out} - {v.code[1:]}" if v.code.startswith("-") else
                        f"{out} = {out} + {v.code}")
    if any(len(g) > 1 for g in form.out):           # a Kronecker group is one axis, row-major
        pr.lines.append(f"{out} = {pr.call('reshape', out, shape).code}")
    pr.lines.append(f"{out} = {pr.fn['asarray'].format(out)}")

