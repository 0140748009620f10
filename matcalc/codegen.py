"""Code export: a derivation as a self-contained NumPy / PyTorch / JAX module.

Owns: `export(d, backend, with_check)` — the `--format numpy|pytorch|jax [--with-check]` of
`matcalc derive`.  The module defines `f_and_grad(<variables>)` (order 1) or
`f_and_hess(<variables>)` (order 2) returning `(value, derivative)`; the derivative is the
array `d.lambdify()` returns (the conventions, docs/design.md: shape of the output + shape of the variable, the
Hessian n×n), whatever the printed layout.  With `with_check`, a `check_…` function compares
it with central differences along a random direction, and a `__main__` block runs that at
small random inputs.
Invariant: the source is text built from the typed trees (printing/code.py); nothing here
evaluates anything, and user text only reaches the module inside comments and an escaped
docstring.
"""
from __future__ import annotations

import keyword

from .errors import InternalError, UnsupportedError
from .printing.backends import BACKENDS, IMPORTS, helper_source
from .printing.code import CodePrinter, rank
from .printing.einsum import emit_index_form
from .printing.selftest import check_source
from .printing.reorder import order_together, pull_negations, pull_transposes, share_sums
from .conventions import transposes
from .sizes import format_shape

RESERVED = {"np", "torch", "jax", "jnp", "math", "numpy", "itertools", "value", "grad", "hess",
             "rng", "t", "seed", "point", "rounds", "dirs", "mixed", "approx", "exact", "err",
             "f_and_grad", "f_and_hess"} | {f"{p}d{k}" for p in ("", "f_and_") for k in range(3, 10)}


def export(d, backend: str = "numpy", with_check: bool = False) -> str:
    """Python source computing the value and the derivative of `d` (a `Derivation`).

    >>> import matcalc
    >>> src = export(matcalc.derive("w.x", "w", shapes={"w": "n", "x": "n"}))
    >>> "def f_and_grad(w, x):" in src and "grad = x" in src
    True
    """
    if backend not in BACKENDS:
        raise UnsupportedError(f"no code export to {backend!r}; choose one of "
                               f"{', '.join(BACKENDS)}", label="backend")
    args = _arguments(d)
    py = {a: (a + "_" if keyword.iskeyword(a) or a in RESERVED else a) for a in args}
    taken = set(py.values()) | RESERVED
    sizes = {}                                        # size name -> (python local, source)
    for a in args:
        shape = d.var_shapes[a]
        axes = [dim for dim in shape if dim != 1]
        for i, dim in enumerate(axes):
            if isinstance(dim, str) and dim not in sizes:
                local = dim if dim.isidentifier() and not keyword.iskeyword(dim) and \
                    dim not in taken else f"size_{len(sizes)}"
                taken.add(local)
                sizes[dim] = (local, f"{py[a]}.shape[{i}]")
    pr = CodePrinter(backend, {k: v[0] for k, v in sizes.items()}, py, taken)
    expr = pull_negations(d.expr)
    fname, out = function_name(d)
    form = _index_form(d)
    if form is not None:
        emit_index_form(pr, expr, form, out)
    else:
        _emit_matrix_form(d, pr, expr, out)
    fname = f"f_and_{out}"
    if BACKENDS[backend]["asarray"].startswith("_"):        # a helper (_tensor, _asarray)
        pr.helpers.add(BACKENDS[backend]["asarray"].split("(")[0])
    lines = [f'"""{_doc_safe(_module_doc(d, backend, fname))}"""', "", IMPORTS[backend], ""]
    lines += _steps_comment(d)
    for h in helper_source(backend, pr.helpers):
        lines += ["", h]
    lines += ["", "", f"def {fname}({', '.join(py[a] for a in args)}):",
              f'    """{_doc_safe(_function_doc(d, fname, out))}"""']
    lines += [f"    {py[a]} = {BACKENDS[backend]['asarray'].format(py[a])}" for a in args]
    lines += [f"    {sizes[s][0]} = {sizes[s][1]}" for s in sizes if s in pr.sizes_used]
    lines += [f"    {ln}" for ln in pr.lines]
    lines.append(f"    return value, {out}")
    if with_check:
        lines += check_source(d, backend, fname, out, args, py, sizes)
    return "\n".join(lines) + "\n"


def function_name(d) -> tuple[str, str]:
    """(function, derivative's local name): f_and_grad / grad for one round, f_and_hess /
    hess for two (a Hessian or a mixed second partial), f_and_d3 / d3 … beyond."""
    k = d.order
    out = "grad" if k == 1 else "hess" if k == 2 else f"d{k}"
    return f"f_and_{out}", out


def _index_form(d):
    """The index form the derivative is exported from (einsum per term), or None for the
    matrix form: tensor forms, mixed partials and Kronecker forms (the einsum never builds
    kron(I, ·)); a Kronecker form whose index form cannot be read is printed as it is."""
    if not (d.tensor or d.question.mixed or d.form == "kron"):
        return None
    try:
        return d.index
    except (UnsupportedError, InternalError):
        # (tensor/translate.py cannot read vec(A dX) yet: an InternalError there)
        if d.tensor or d.question.mixed:
            raise
        return None


def _emit_matrix_form(d, pr, expr, out) -> None:
    # one tree per value however the closed form associates it: transposes pulled out,
    # chains in one order, equal sums (or a sum and its negation) shared — then the CSE
    expr, result = (pull_negations(e) for e in share_sums(
        order_together([pull_transposes(e) for e in (expr, d.result)])))
    pr.adopt([expr, result])
    pr.count([expr, result])
    pr.assign("value", expr)
    pr.assign(out, result)
    r = rank(d.result.shape)
    if r == 2 and transposes(d.expr.shape, d.question.wrt_shapes, d.layout):
        pr.lines.append(f"{out} = {out}.T  # the array is in numerator layout "
                        f"(docs/design.md, Conventions)")
    full = _array_dims(d)
    if len(full) > 2 or (len(full) == 2 and r == 2 and list(d.result.shape) != full):
        # a Kronecker form is the array reshaped (C order): back to output + variable axes
        dims = "(" + ", ".join(pr.dim(x) for x in full) + ",)"
        pr.lines.append(f"{out} = {pr.call('reshape', out, dims).code}")
    for name, e in (("value", d.expr), (out, d.result)):
        if not any(n.op in ("var", "ones", "zeros", "eye") for n in e.walk()):  # a constant
            pr.lines.append(f"{name} = {BACKENDS[pr.backend]['asarray'].format(name)}")


def _arguments(d) -> list[str]:
    """The variables in order of first appearance, then any wrt variable the text lacks."""
    seen: list[str] = []
    stack = [d.expr]
    while stack:                                      # pre-order, left to right
        n = stack.pop()
        if n.op == "var" and n.value not in seen:
            seen.append(n.value)
        stack.extend(reversed(n.args))
    return seen + [w for w in d.wrt if w not in seen]


def _array_dims(d) -> list:
    """The derivative array's axes (symbolic): the output's, then the variable's per order."""
    if len(d.wrt) != 1 and not d.question.mixed:    # joint: the variables' vecs stacked
        return [x for x in d.expr.shape if x != 1] + [d.result.shape[-1]] * d.order
    if len(d.wrt) != 1:
        return [x for x in d.result.shape if x != 1]
    T = [x for x in d.var_shapes[d.wrt[0]] if x != 1]
    return [x for x in d.expr.shape if x != 1] + T * d.order


def _doc_safe(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _describe(shape) -> str:
    k = rank(shape)
    if k == 0:
        return "scalar (float)"
    if k == 1:
        n = shape[0] if shape[1] == 1 else shape[1]
        return f"{'row ' if shape[0] == 1 else ''}vector of length {n} (1-D)"
    return f"{format_shape(shape)} matrix (2-D)"


def _module_doc(d, backend, fname) -> str:
    wrt = ", ".join(d.wrt)
    what = "Hessian" if d.order == 2 else "derivative"
    return (f"{what.capitalize()} of {_one_line(d.input)} by {wrt}, exported by matcalc "
            f"({backend}).\n\n    {fname}(...) returns (value, {what}).")


def _function_doc(d, fname, out) -> str:
    by = ", ".join(d.wrt)
    k = d.order
    sym = "∂f/∂" + by if k == 1 else f"∂^{k}f/∂{by}^{k}" if not d.question.mixed else \
        f"∂^{k}f/" + "".join("∂" + w for w in d.wrt)
    lines = [f"f = {_one_line(d.input)};  {sym} = {_one_line(d.result)}", "",
             "Arguments:"]
    lines += [f"    {a}: {_describe(d.var_shapes[a])}" for a in _arguments(d)]
    dims = list(d.array_shape)
    full = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
    what = f"{format_shape(d.result.shape)}, {d.layout} layout" if not d.tensor else \
        f"the {d.form} form; the array is computed from its index form"
    lines += ["", f"Returns (value, {out}): value is {_describe(d.expr.shape)}; {out} has "
              f"shape {full},", "entry [s…, t…] = ∂f[s…]/∂(variables)[t…], the output's axes "
              "then each round's variable's (docs/design.md: the array Derivation.lambdify() "
              "returns, whatever the layout);", f"the closed form above is {what}."]
    return "\n    ".join(lines)


def _steps_comment(d) -> list[str]:
    try:
        text = d.steps_text()
    except Exception as e:  # noqa: BLE001 — the steps are a comment; the code stands alone
        text = f"(steps unavailable: {type(e).__name__})"
    return ["# Derivation (the steps of `matcalc derive --steps`):"] + [
        "#" + (" " + ln.rstrip() if ln.strip() else "") for ln in text.splitlines()]
