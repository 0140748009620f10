"""Structured variables: symmetric and diagonal matrices (`--shape S:n,n,sym`, `n,n,diag`).

Owns: `structures(declared)`, `project_gradient`, `projector`, `project_index`,
`strip_symmetric`, `symmetric`, `substitute_for_check`.
The convention (docs/design.md): the derivative by a symmetric S is the derivative on the
space of symmetric matrices with the Frobenius inner product — the gradient sym(G) =
(G + Gᵀ)/2 of the unstructured G (Srinivasan & Panda 2023), the Jacobian J (I + K)/2 — by
default; on request (`sym="cookbook"`) the Matrix Cookbook's partial derivatives by the free
entries, G + Gᵀ − I ⊙ G (Cookbook §2.8.2).  By a diagonal D: I ⊙ G (Cookbook eq. 142).
Invariant: each projection is the derivative of f(P(Y)) by an unstructured Y at Y = S, with
P(Y) = (Y + Yᵀ)/2 or I ⊙ Y — which is how the checker proves it (`substitute_for_check`).
"""
from __future__ import annotations

from fractions import Fraction

from .rewrite import postwalk, replace
from .shaperules import mk
from .sizes import SCALAR, decl_structure
from .tree import Expr, eye, num

CONVENTIONS = ("sym", "cookbook")


def structures(declared: dict) -> dict:
    """{name: 'sym' | 'diag'} for the declarations that state a structure."""
    return {k: s for k, v in (declared or {}).items() if (s := decl_structure(v))}


def project_gradient(G: Expr, x: Expr, kind: str, convention: str) -> Expr:
    """The gradient of a scalar by a structured matrix x from the unstructured G."""
    if kind == "diag":
        return mk("mul", eye(x.shape[0]), G)
    if convention == "cookbook":
        return mk("sub", mk("add", G, mk("T", G)), mk("mul", eye(x.shape[0]), G))
    return mk("div", mk("add", G, mk("T", G)), num(2))


def projector(x: Expr, kind: str, convention: str) -> Expr:
    """P with J_structured = J P (row-major vec): (I + K)/2, I + K − diag(vec I), diag(vec I)."""
    n = x.shape[0]
    ident = eye(mk("vec", x).shape[0])
    if kind == "diag":
        return mk("diag", mk("vec", eye(n)))
    K = mk("commutation", x)
    if convention == "cookbook":
        return mk("sub", mk("add", ident, K), mk("diag", mk("vec", eye(n))))
    return mk("div", mk("add", ident, K), num(2))


def project_index(form, role: int, kind: str, convention: str):
    """The index form with the axes of round `role` projected (each term averaged with its
    copy whose two indices of that round are swapped, etc.)."""
    from .tensor.ir import Term
    groups = [g for g, r in zip(form.out, form.roles) if r == role]
    if len(groups) != 2:
        return form
    k, l = groups[0][0], groups[1][0]
    terms = []
    for t in form.terms:
        swapped = t.renamed({k: l, l: k})
        on_diag = Term(t.coef, t.factors, t.deltas + ((k, l),))
        if kind == "diag":
            terms.append(on_diag)
        elif convention == "cookbook":
            terms += [t, swapped, on_diag.scaled(-1)]
        else:
            terms += [t.scaled(Fraction(1, 2)), swapped.scaled(Fraction(1, 2))]
    import dataclasses                 # the tensor forms are dataclasses (not on a cold start)
    return dataclasses.replace(form, terms=terms)


def symmetric(e: Expr, sym: set, memo: dict | None = None) -> bool:
    """Structurally symmetric: a symmetric or diagonal variable, I, diag(v), and what sums,
    scalar multiples, inverses, element-wise functions and palindromic products
    (A B Aᵀ with B symmetric) of symmetric matrices make."""
    memo = {} if memo is None else memo
    if e in memo:
        return memo[e]
    op, a = e.op, e.args
    if e.shape == SCALAR:
        out = True
    elif e.shape[0] != e.shape[1]:
        out = False
    elif op == "var":
        out = e.value in sym
    elif op in ("eye", "zeros", "ones"):
        out = True
    elif op == "diag":
        out = a[0].is_vector or a[0].shape == SCALAR
    elif op in ("add", "sub", "mul", "div"):
        out = all(symmetric(x, sym, memo) for x in a)
    elif op in ("neg", "inv", "T", "pow") or (len(a) == 1 and e.shape == a[0].shape):
        out = symmetric(a[0], sym, memo)
    elif op == "matmul":
        chain = _factors(e)
        out = all(_transpose_equal(chain[i], chain[-1 - i], sym, memo)
                  for i in range(len(chain) // 2)) and \
            (len(chain) % 2 == 0 or symmetric(chain[len(chain) // 2], sym, memo))
    else:
        out = False
    memo[e] = out
    return out


def _factors(e: Expr) -> list:
    return _factors(e.args[0]) + _factors(e.args[1]) if e.op == "matmul" else [e]


def _transpose_equal(a: Expr, b: Expr, sym: set, memo) -> bool:
    """a = bᵀ, reading symmetric factors as their own transposes."""
    def t(x):
        if x.op == "T":
            return x.args[0]
        return x if symmetric(x, sym, memo) else mk("T", x)
    return a == t(b) or t(a) == b


def strip_symmetric(e: Expr, sym: set) -> Expr:
    """Every transpose of a symmetric subexpression dropped (inv(S)ᵀ is inv(S))."""
    if not sym:
        return e
    memo: dict = {}
    return postwalk(e, lambda n: n.args[0] if n.op == "T" and
                    symmetric(n.args[0], sym, memo) else n)


def substitute_for_check(expr: Expr, result, names: dict, convention: str, wrt=()):
    """(expr, result) to prove by the unstructured checker: each structured variable S
    replaced by P(S) in both (f(P(Y)) has the projected gradient at every Y), and a
    Cookbook derivative read back as the symmetric one (off-diagonal entries halved)."""
    m = {}
    for name, kind in names.items():
        v = next((n for t in (expr, result) if isinstance(t, Expr) for n in t.walk()
                  if n.op == "var" and n.value == name), None)
        if v is None:
            continue
        m[v] = mk("mul", eye(v.shape[0]), v) if kind == "diag" else \
            mk("div", mk("add", v, mk("T", v)), num(2))
    expr2 = replace(expr, m)
    if isinstance(result, Expr):
        res = replace(result, m)
        by = [v for v in m if v.value in wrt and names[v.value] == "sym"]
        if convention == "cookbook" and by:
            x = by[0]
            half = mk("div", mk("add", Expr("ones", (), x.shape), eye(x.shape[0])), num(2))
            res = mk("mul", res, half) if res.shape == x.shape else \
                mk("matmul", res, mk("diag", mk("vec", half)))
        return expr2, res
    from .tensor.ir import Term            # an index form: its factors
    terms = [Term(t.coef, tuple((replace(e, m), idx) for e, idx in t.factors), t.deltas)
             for t in result.terms]
    if convention == "cookbook":                      # off-diagonal entries halved back
        syms = {r for r, who in zip(result.roles, result.names)
                if r and names.get(who) == "sym" and who in wrt}
        for role in syms:
            k, l = [g[0] for g, r in zip(result.out, result.roles) if r == role]
            terms = [x.scaled(Fraction(1, 2)) for x in terms] + \
                [Term(x.coef / 2, x.factors, x.deltas + ((k, l),)) for x in terms]
    import dataclasses
    return expr2, dataclasses.replace(result, terms=terms)
