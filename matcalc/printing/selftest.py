"""The finite-difference self-test of an exported module (`--with-check`): the source of a
`check_<f>(...)` function and of the `__main__` block that runs it at small random inputs.

Owns: `check_source(d, backend, fname, out, args, py, sizes)`.  One method for every
derivative: the array is contracted with one random direction per round of differentiation
(the same variable k times for order k, one variable per round for a mixed partial, the
concatenation for several variables at once) and compared with the mixed central difference
of f(x + t₁δ₁ + … + t_kδ_k) in t₁…t_k, Richardson-extrapolated (steps t and t/2, error
O(t⁴)); the relative error is returned.  Only text is written here.
"""
from __future__ import annotations

CHECK_SIZES = (3, 4, 5, 2, 6, 7, 8, 9)


def rounds_of(d) -> list[list[str]]:
    """The variables of each round of differentiation."""
    if d.question.mixed:
        return [list(b) if isinstance(b, (list, tuple)) else [b] for b in d.question.blocks[0]]
    return [list(d.wrt)] * d.order


def tolerance(k: int) -> str:
    return "1e-6" if k == 1 else "1e-5"


def check_source(d, backend, fname, out, args, py, sizes) -> list[str]:
    rounds = [[py[n] for n in r] for r in rounds_of(d)]
    k = len(rounds)
    call = ", ".join(py[a] for a in args)
    step = {1: "1e-4", 2: "1e-3"}.get(k, f"{10 ** (-12 / (k + 2)):.1e}")
    lines = ["", "", f"def check_{fname}({call}, t={step}, seed=0):",
             '    """Relative error of the derivative array contracted with one random '
             'direction per round',
             '    of differentiation against the mixed central difference of '
             'f(x + t₁δ₁ + …) in t₁…t_k',
             '    (Richardson-extrapolated from the steps t and t/2)."""',
             "    import itertools", "    import numpy",
             "    rng = numpy.random.default_rng(seed)"]
    lines += [f"    {py[a]} = numpy.asarray({py[a]}, dtype=float)" for a in args]
    lines += [f"    point = {{{', '.join(f'{py[a]!r}: {py[a]}' for a in args)}}}",
              f"    rounds = {rounds!r}",
              f"    value, {out} = {fname}(**point)",
              f"    exact = numpy.asarray({out})",
              "    dirs = [{n: rng.standard_normal(numpy.shape(point[n])) for n in r} "
              "for r in rounds]",
              "",
              "    def mixed(h):",
              "        total = 0.0",
              "        for signs in itertools.product((1.0, -1.0), repeat=len(rounds)):",
              "            moved = dict(point)",
              "            for s, dr in zip(signs, dirs):",
              "                for n, u in dr.items():",
              "                    moved[n] = moved[n] + s * h * u",
              f"            total = total + numpy.prod(signs) * numpy.asarray({fname}(**moved)[0])",
              "        return total / (2 * h) ** len(rounds)",
              "",
              "    approx = (4 * mixed(t / 2) - mixed(t)) / 3",
              "    for r, dr in reversed(list(zip(rounds, dirs))):",
              "        if len(r) == 1:",
              "            exact = numpy.tensordot(exact, dr[r[0]], axes=numpy.ndim(dr[r[0]]))",
              "        else:",
              "            flat = numpy.concatenate([numpy.ravel(dr[n]) for n in r])",
              "            exact = numpy.tensordot(exact, flat, axes=1)",
              "    err = numpy.linalg.norm(approx - exact)",
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
    lines += [f"    err = check_{fname}({call})",
              '    print(f"approximation error = {err:.3g}")',
              f"    raise SystemExit(0 if err < {tolerance(k)} else 1)"]
    return lines
