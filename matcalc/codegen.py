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

from .errors import UnsupportedError
from .printing.backends import BACKENDS, IMPORTS, helper_source
from .printing.code import CodePrinter, rank
from .printing.reorder import pull_negations
from .conventions import transposes
from .sizes import SCALAR, format_shape

RESERVED = {"np", "torch", "jax", "jnp", "value", "grad", "hess", "rng", "t", "seed", "delta",
            "approx", "exact", "err", "f_and_grad", "f_and_hess"}
CHECK_SIZES = (3, 4, 5, 2, 6, 7, 8, 9)


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
    expr, result = pull_negations(d.expr), pull_negations(d.result)
    pr.count([expr, result])
    out = "hess" if d.order == 2 else "grad"
    pr.assign("value", expr)
    pr.assign(out, result)
    r = rank(d.result.shape)
    if r == 2 and transposes(d.expr.shape, d.question.wrt_shapes, d.layout):
        pr.lines.append(f"{out} = {out}.T  # the array is in numerator layout "
                        f"(docs/design.md, Conventions)")
    full = _array_dims(d)
    if len(full) > 2 or (len(full) == 2 and r == 2 and list(d.result.shape) != full):
        # a Kronecker form is the array reshaped (C order): back to output + variable axes
        pr.lines.append(f"{out} = {pr.call('reshape', out, '(' + ', '.join(pr.dim(x) for x in full) + ',)').code}")
    for name, e in (("value", d.expr), (out, d.result)):
        if not any(n.op in ("var", "ones", "zeros", "eye") for n in e.walk()):  # a constant
            pr.lines.append(f"{name} = {BACKENDS[backend]['asarray'].format(name)}")
    fname = f"f_and_{out}"
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
        lines += _check_source(d, backend, fname, out, args, py, sizes)
    return "\n".join(lines) + "\n"


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


def _np_dims(shape) -> list[str]:
    return [str(x) for x in shape if x != 1]


def _count(shape) -> str:
    return "*".join(_np_dims(shape)) or "1"


def _module_doc(d, backend, fname) -> str:
    wrt = ", ".join(d.wrt)
    what = "Hessian" if d.order == 2 else "derivative"
    return (f"{what.capitalize()} of {_one_line(d.input)} by {wrt}, exported by matcalc "
            f"({backend}).\n\n    {fname}(...) returns (value, {what}).")


def _function_doc(d, fname, out) -> str:
    by = ", ".join(d.wrt)
    sym = "∂²f/∂" + by + "²" if d.order == 2 else "∂f/∂" + by
    lines = [f"f = {_one_line(d.input)};  {sym} = {_one_line(d.result)}", "",
             "Arguments:"]
    lines += [f"    {a}: {_describe(d.var_shapes[a])}" for a in _arguments(d)]
    out_shape = _np_dims(d.expr.shape) + [
        "(" + " + ".join(_count(d.var_shapes.get(w, SCALAR)) for w in d.wrt) + ")"
        if len(d.wrt) > 1 else None][: 1 if len(d.wrt) > 1 else 0] + (
        _np_dims(d.var_shapes[d.wrt[0]]) * d.order if len(d.wrt) == 1 else [])
    full = "(" + ", ".join(out_shape) + ("," if len(out_shape) == 1 else "") + ")"
    lines += ["", f"Returns (value, {out}): value is {_describe(d.expr.shape)}; {out} has "
              f"shape {full},", f"entry [s…, t…] = ∂f[s…]/∂{by}[t…] (docs/design.md: the array "
              f"Derivation.lambdify() returns, whatever the layout);",
              f"the closed form above is {format_shape(d.result.shape)}, {d.layout} layout."]
    return "\n    ".join(lines)


def _steps_comment(d) -> list[str]:
    try:
        text = d.steps_text()
    except Exception as e:  # noqa: BLE001 — the steps are a comment; the code stands alone
        text = f"(steps unavailable: {type(e).__name__})"
    return ["# Derivation (the steps of `matcalc derive --steps`):"] + [
        "#" + (" " + ln.rstrip() if ln.strip() else "") for ln in text.splitlines()]


def _check_source(d, backend, fname, out, args, py, sizes) -> list[str]:
    wrt = [py[w] for w in d.wrt]
    call = ", ".join(py[a] for a in args)
    sig = f"{call}, t={'1e-4' if d.order == 2 else '1e-6'}, seed=0"
    lines = ["", "", f"def check_{fname}({sig}):"]
    if d.order == 2:
        lines.append('    """Relative error of δᵀ H δ against the second central difference '
                     '(f(x+tδ) - 2 f(x) + f(x-tδ)) / t² along one random direction δ."""')
    else:
        lines.append('    """Relative error of the derivative against central differences '
                     '(f(x+tδ) - f(x-tδ)) / 2t along one random direction δ."""')
    lines += ["    import numpy", "    rng = numpy.random.default_rng(seed)"]
    lines += [f"    {py[a]} = numpy.asarray({py[a]}, dtype=float)" for a in args]
    lines += [f"    value, {out} = {fname}({call})", f"    {out} = numpy.asarray({out})"]
    lines += [f"    d_{w} = rng.standard_normal(numpy.shape({w}))" for w in wrt]

    def at(sign):
        moved = {w: f"{w} {sign} t * d_{w}" for w in wrt}
        return f"numpy.asarray({fname}({', '.join(moved.get(py[a], py[a]) for a in args)})[0])"
    lines += [f"    plus, minus = {at('+')}, {at('-')}"]
    if len(wrt) == 1:
        lines.append(f"    delta, k = d_{wrt[0]}, numpy.ndim(d_{wrt[0]})")
    else:
        flat = ", ".join(f"numpy.ravel(d_{w})" for w in wrt)
        lines.append(f"    delta, k = numpy.concatenate([{flat}]), 1")
    if d.order == 2:
        lines += ["    approx = (plus - 2 * numpy.asarray(value) + minus) / t ** 2",
                  f"    exact = numpy.tensordot(numpy.tensordot({out}, delta, axes=k), delta, "
                  f"axes=k)"]
    else:
        lines += ["    approx = (plus - minus) / (2 * t)",
                  f"    exact = numpy.tensordot({out}, delta, axes=k)"]
    lines += ["    err = numpy.linalg.norm(approx - exact)",
              "    return float(err / max(1.0, float(numpy.linalg.norm(exact))))"]
    # the __main__ block: small distinct sizes, inputs in (0.5, 1.5), square matrices
    # made diagonally dominant (so inv, det and logdet are well defined)
    values = {s: CHECK_SIZES[i % len(CHECK_SIZES)] for i, s in enumerate(sizes)}
    lines += ["", "", 'if __name__ == "__main__":', "    import numpy"]
    if backend == "jax":
        lines.append('    jax.config.update("jax_enable_x64", True)  # differences need float64')
    lines.append("    rng = numpy.random.default_rng(0)")
    lines += [f"    {sizes[s][0]} = {values[s]}" for s in sizes]
    for a in args:
        shape = d.var_shapes[a]
        dims = [sizes[x][0] if isinstance(x, str) else str(x) for x in shape if x != 1]
        size = "" if not dims else f", ({', '.join(dims)}{',' if len(dims) == 1 else ''})"
        line = f"    {py[a]} = rng.uniform(0.5, 1.5{size})"
        if len(dims) == 2 and shape[0] == shape[1]:
            line += f" + {dims[0]} * numpy.eye({dims[0]})"
        lines.append(line)
    tol = "1e-4" if d.order == 2 else "1e-6"
    lines += [f"    err = check_{fname}({call})",
              '    print(f"approximation error = {err:.3g}")',
              f"    raise SystemExit(0 if err < {tol} else 1)"]
    return lines
