"""The answer as a person reads it on a terminal, on the playground page or in a log: the
equation, the shared parts named, the shapes line — and the notes about the question
(a variable that does not occur).  The command line and the server print this one text.

Owns: `text_answer(d) -> str`, `wrt_notes(question) -> list[str]`, `operator(wrt, order)`,
`format_var_shapes` (inferred shapes after the word 'inferred').
"""
from __future__ import annotations

from .errors import UsageError
from .sizes import format_decl, format_dim, format_shape


def operator(wrt, order: int, mixed: bool = False) -> str:
    """∂/∂x, ∂²/∂x², ∂/∂(x, y), ∂²/∂(x, y)², and the mixed ∂²/∂x∂y."""
    if mixed and len(set(wrt)) == 1:
        wrt = wrt[:1]
    elif mixed:
        sup = str(order).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return f"∂{sup}/" + "".join(f"∂{w}" for w in wrt)
    var = wrt[0] if len(wrt) == 1 else "(" + ", ".join(wrt) + ")"
    if order == 1:
        return f"∂/∂{var}"
    sup = str(order).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"∂{sup}/∂{var}{sup}"


def format_var_shapes(var_shapes, declared=None, structure=None) -> str:
    """{'w': ('n', 1), 'b': (1, 1)} -> 'w: n, b: scalar' (the declaration syntax, × for
    matrices); with `declared` (names), the inferred shapes follow the word 'inferred':
    'X: N×n; inferred w: n, b: scalar'."""
    def one(name, shape):
        word = {"sym": " symmetric", "diag": " diagonal"}.get((structure or {}).get(name), "")
        return f"{name}: {format_decl(shape).replace(',', '×')}{word}"
    if not var_shapes:
        return "no variables"
    if declared is None:
        return ", ".join(one(n, s) for n, s in var_shapes.items())
    given = [one(n, s) for n, s in var_shapes.items() if n in declared]
    guessed = [one(n, s) for n, s in var_shapes.items() if n not in declared]
    parts = [", ".join(given)] if given else []
    if guessed:
        parts.append("inferred " + ", ".join(guessed))
    return "; ".join(parts)


def differential_operator(order: int) -> str:
    return "d" if order == 1 else "d" + str(order).translate(
        str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


STRUCTURE_NOTES = {
    ("sym", "sym"): "{x} is symmetric: the derivative on symmetric matrices, sym(G) = "
                    "(G + Gᵀ)/2 of the unstructured G",
    ("sym", "cookbook"): "{x} is symmetric: the Matrix Cookbook's derivative by the free "
                         "entries, G + Gᵀ − I ⊙ G",
    ("diag", "sym"): "{x} is diagonal: the derivative on diagonal matrices, I ⊙ G",
    ("diag", "cookbook"): "{x} is diagonal: the derivative on diagonal matrices, I ⊙ G",
}


def structure_notes(q) -> list:
    return [STRUCTURE_NOTES[(q.structure[x], q.sym)].format(x=x)
            for x in dict.fromkeys(q.wrt) if x in q.structure]


def text_answer(d) -> str:
    """The equation, its `where` lines and the shapes line; a tensor-valued derivative says
    how its form is arranged, and shows its differential too."""
    lines = _text_lines(d)
    lines += ["  " + n for n in structure_notes(d.question)]
    return "\n".join(lines)


def _text_lines(d) -> list:
    main, where = d.display()
    expr = d.expr
    if d.question.definitions:                 # the expression as its text named its parts
        from .naming import with_names
        expr, _ = with_names(d.expr, d.question.definitions)
    names = d.question.blocks[0] if d.question.mixed else d.wrt
    shapes = format_var_shapes(d.var_shapes, d.question.declared, d.question.structure)
    array = "×".join(format_dim(x, grouped=True) for x in d.array_shape) or "scalar"
    if d.form == "differential":
        lines = [f"{differential_operator(d.order)}({expr}) = {main}"]
        lines += [f"  where {name} = {definition}" for name, definition in where]
        lines.append(f"  the derivative is the array of shape {array} (the output's axes, "
                     f"then {', '.join(names)}'s); --form index writes it out; {shapes}")
        return lines
    if d.form == "index":
        from .tensor.notation import einsum_text, index_text
        return [index_text(d.index, "f", d.order) + f"   (f = {d.expr})",
                f"  einsum: {einsum_text(d.index)}",
                f"  the array has shape {array}; {shapes}"]
    lines = [f"{operator(names, d.order, d.question.mixed)} {expr} = {main}"]
    lines += [f"  where {name} = {definition}" for name, definition in where]
    if d.form == "kron":
        lines.append(f"  shape {format_shape(d.result.shape)}: the Jacobian ∂vec(·)/∂"
                     f"{_by(d, names)}ᵀ of the derivative array {array}, {_vec_words(d)}; "
                     f"{shapes}")
        differential = d.blocks[0].differential if d.blocks else None
        if differential is not None and len(str(differential)) < 120:
            lines.append(f"  {differential_operator(d.order)}({d.expr}) = {differential}")
    else:
        lines.append(f"  shape {format_shape(d.result.shape)} ({d.layout} layout); {shapes}")
    return lines


def did_you_mean(name: str, names) -> str | None:
    names = sorted(names)
    same = [n for n in names if n.lower() == name.lower()]
    import difflib                      # only for a --wrt the text does not hold
    close = same or difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return close[0] if close else None


def known(names) -> str:
    return ("its variables are " + ", ".join(sorted(names))) if names else \
        "it has no variables"


def wrt_notes(q) -> list:
    """A variable of `wrt` absent from the expression is a note (its derivative is 0: d/dx 99
    = 0 is the paper's first example) — unless it is part of a name written together with
    another (`x'Ax` by A) or nearly a name the expression has (`--wrt X` for `x`): those are
    errors that say what was meant."""
    from .reading import run_together
    names = q.expr.free_vars()
    notes = []
    for w in q.absent:
        for n in sorted(names):
            parts = run_together(n, names | set(q.wrt) | set(q.declared))
            if parts and w in parts:
                raise UsageError(f"--wrt {w}: {w} does not appear in the expression",
                                 text=q.text, span=(0, len(q.text)), label="unknown-wrt",
                                 hint=f"'{n}' is read as one name; write {' '.join(parts)} "
                                      f"(or {' @ '.join(parts)}) for the product")
        close = did_you_mean(w, names)
        if close is not None:
            raise UsageError(f"--wrt {w}: {w} does not appear in the expression "
                             f"({known(names)})", label="unknown-wrt",
                             hint=f"did you mean --wrt {close}? (names are case-sensitive)")
        notes.append(f"{w} does not appear in the expression ({known(names)}): the "
                     f"derivative by {w} is 0")
    return notes


def _vec_words(d) -> str:
    if d.question.vec == "column":
        return ("vec column-major (Magnus & Neudecker; vec and commutation inside the "
                "formula stay row-major)")
    return "vec row-major (C order)"


def _by(d, names) -> str:
    """What a Kronecker form's columns run over: vec(X), or the concatenation (vec(W), x)."""
    def one(n):
        return f"vec({n})" if 1 not in d.var_shapes[n] else n
    if len(d.wrt) > 1 and not d.question.mixed:
        return "(" + ", ".join(one(n) for n in d.wrt) + ")"
    return f"vec({names[-1]})"
