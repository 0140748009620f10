"""How readable an answer is: its printed size in tokens, and the leftovers a person would
have simplified away.

Owns: `tokens(text)`, `token_count(expr)` (the size of the printed form, shared parts named
once when that is shorter: `printed_size`), and `leftovers(expr)` (zeros, identities, ones
and foldable constants left standing in a closed form).

**Tokens.** The printed text (matcalc's Unicode notation) cut into: names (`x`, `W1`,
`sigmoid`, `𝟏`, `I`), numbers (`2`, `0.5`, `1e-3`), operators (`+ - / ^ ⊙ ⊘ · @ ᵀ` and
`,` `;` `=`) and brackets (each `(`, `)`, `[`, `]`).  Juxtaposition (a product written with
a space) is no token.  So `xᵀ` is 2 tokens, `diag(x)` 4, `(2 / N) X` 6.  With shared parts,
the size is the main line's plus, for each `h₁ = …`, the name, `=` and the definition.

Invariant: a function of the printed text only — the same measure for matcalc's answer and
for the textbook's form it is compared with.
"""
from __future__ import annotations

from .printing.tokens import shared_size, token_count, tokens  # noqa: F401
from .tree import SCALAR, Expr

def printed_size(e: Expr) -> int:
    """Tokens of the shorter of `e` printed plainly and with repeated parts named once."""
    from .printing.cse import shared_display
    main, defs = shared_display(e)
    return shared_size(main, defs)


def form_key(e: Expr) -> str:
    """A string equal for trees that differ only in the order of the operands of commutative
    operators (sums, scalar and element-wise products, dot, max, min)."""
    from .ops import REGISTRY
    op = e.op
    if op in ("add", "sub"):
        out: list = []
        stack = [(e, 1)]
        while stack:
            n, s = stack.pop()
            if n.op == "add":
                stack += [(n.args[0], s), (n.args[1], s)]
            elif n.op == "sub":
                stack += [(n.args[0], s), (n.args[1], -s)]
            else:
                out.append(("+" if s > 0 else "-") + form_key(n))
        return "sum(" + ",".join(sorted(out)) + ")"
    if REGISTRY.get(op) is not None and REGISTRY[op].commutative:
        flat, stack = [], [e]
        while stack:
            n = stack.pop()
            if n.op == op:
                stack += list(n.args)
            else:
                flat.append(form_key(n))
        return f"{op}(" + ",".join(sorted(flat)) + ")"
    if op in ("var", "size", "num"):
        return f"{op}:{e.value}"
    return f"{op}{e.shape}(" + ",".join(form_key(a) for a in e.args) + ")"


# -- leftovers ----------------------------------------------------------------------------

def _is_zero(e: Expr) -> bool:
    return e.op == "zeros" or (e.op == "num" and e.value == 0) or \
        (e.op == "T" and _is_zero(e.args[0]))


def _is_ones(e: Expr) -> bool:
    return e.op == "ones" or (e.op == "T" and e.args[0].op == "ones")


_EXACT_AT = {  # functions whose value at a rational the simplifier folds
    "exp": (0,), "log": (1,), "sin": (0,), "cos": (0,), "tan": (0,), "tanh": (0,),
    "sigmoid": (0,), "sqrt": (0, 1), "abs": None, "step": None, "sign": None,
}


def leftovers(e: Expr) -> list[str]:
    """What a person would have simplified away in `e`, one description each: a zero that is
    not the whole answer, `I` or `𝟏` as a factor, `𝟏ᵀ diag(v)`, `a^1`, `1 a`, `(Aᵀ)ᵀ`,
    `−(−a)`, `exp(log(a))`, a foldable function of a number.  Empty for a clean answer.
    Zeros inside matrix literals and the 0 of `max(0, z)` are the notation, not leftovers;
    a zero the input divides by (or takes the log of, or raises to a power) is the input's
    own, where it is undefined."""
    found: list[str] = []
    exempt: set[int] = set()
    if _is_zero(e):
        return []
    for n in _preorder(e):
        if id(n) in exempt:
            continue
        op, a = n.op, n.args
        if op in ("vcat", "hcat", "max", "min"):
            exempt.update(id(x) for x in a if x.op == "num" or _is_zero(x))
            continue
        if (op == "div" and _is_zero(a[1])) or (op == "pow" and _is_zero(a[0])) or \
                (op == "log" and _is_zero(a[0])):
            exempt.update(_ids(n))            # the input is undefined there: its own zeros
            continue
        if _is_zero(n) and n.op != "T":
            found.append(f"zero {n}")
        elif op == "matmul" and any(x.op == "eye" for x in a):
            found.append(f"identity factor in {n}")
        elif op == "matmul" and _ones_diag(n):
            found.append(f"𝟏ᵀ diag(v) in {n}")
        elif op == "mul" and any(_is_ones(x) for x in a) and all(x.shape != SCALAR for x in a):
            found.append(f"⊙ 𝟏 in {n}")
        elif op == "mul" and any(x.op == "num" and x.value == 1 for x in a):
            found.append(f"1 × in {n}")
        elif op == "pow" and a[1].op == "num" and a[1].value in (0, 1):
            found.append(f"power {a[1]} in {n}")
        elif op in ("T", "neg", "inv") and a[0].op == op:
            found.append(f"double {op} in {n}")
        elif op == "T" and a[0].op in ("eye", "diag") and a[0].shape[0] == a[0].shape[1]:
            found.append(f"transposed symmetric {n}")
        elif op == "diag" and _is_ones(a[0]) and a[0].is_vector:
            found.append(f"diag(𝟏) in {n}")
        elif op in ("exp", "log") and a[0].op == ("log" if op == "exp" else "exp"):
            found.append(f"{op} of its inverse in {n}")
        elif op in _EXACT_AT and a[0].op == "num" and \
                (_EXACT_AT[op] is None or a[0].value in _EXACT_AT[op]):
            found.append(f"unfolded constant {n}")
        elif op in ("sum",) and _is_ones(a[0]):
            found.append(f"sum of ones {n}")
    return found


def _ids(e: Expr) -> set:
    return {id(n) for n in e.walk()}


def _factors(e: Expr) -> list:
    return _factors(e.args[0]) + _factors(e.args[1]) if e.op == "matmul" else [e]


def _ones_diag(e: Expr) -> bool:
    fs = _factors(e)
    return any(f.op == "T" and f.args[0].op == "ones" and g.op == "diag" and g.args[0].is_vector
               for f, g in zip(fs, fs[1:]))


def _preorder(e: Expr):
    stack, seen = [e], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        stack.extend(reversed(n.args))
