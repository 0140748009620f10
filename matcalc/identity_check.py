"""Verifying `[[identity]]` records (matcalc.identities): `verify(identity, rulebook)` derives
the identity (row-major vec, and column-major where the record names the `vec` its source
uses), compares it with `expect` and proves it with `Derivation.check()`.

Owns: `verify`, `derive`, `same`, `closed_form`, `key`.
Invariant: a derivation that fails, does not print as its `expect`, or fails its check is a
RuleFileError naming the record's file and id.
"""
from __future__ import annotations

from .errors import MatcalcError, RuleFileError
from .identities import Identity


def derive(ident: Identity, vec: str = "row", rulebook=None):
    import matcalc
    return matcalc.derive(ident.expr, ident.wrt, shapes=ident.shapes, order=ident.order,
                          form=ident.form, vec=vec, rulebook=rulebook)


def verify(ident: Identity, rulebook=None) -> dict:
    """{vec order: Derivation}, each printed as its expected text and proved by
    `Derivation.check()`; else a RuleFileError naming the file and id."""
    out = {}
    for vec, text in ident.orders():
        label = f"{ident.where()} ({'column-major' if vec == 'column' else 'row-major'} vec)"
        try:
            d = derive(ident, vec, rulebook)
            report = d.check()
        except MatcalcError as e:
            raise RuleFileError(f"{label}: cannot be derived: {e.message}") from None
        if not same(d, text):
            raise RuleFileError(f"{label}: matcalc gives {d.result}, the record expects "
                                f"{text}")
        if not report.passed:
            raise RuleFileError(f"{label}: failed its check:\n{report}")
        out[vec] = d
    return out


def same(d, text: str) -> bool:
    """The derivation prints as `text`, or equals it read back, up to the order of
    commutative operands (a differential's dX compares as printed)."""
    if str(d.result) == text.strip():
        return True
    try:
        return key(d.result) == key(closed_form(text, d.var_shapes))
    except MatcalcError:
        return False


def closed_form(text: str, var_shapes: dict):
    """`text` read with the derivation's shapes, in normal form."""
    import matcalc
    from .simplify import present, simplify
    declared = {k: ",".join(str(d) for d in v) for k, v in var_shapes.items()}
    return present(simplify(matcalc.parse(text, declared)))


def key(e) -> str:
    """Equal for trees that differ only in the order of the operands of commutative
    operators (sums, scalar products, and the registry's commutative ones)."""
    from .ops import REGISTRY
    if e.op in ("add", "sub"):
        terms: list = []

        def collect(n, sign):
            if n.op in ("add", "sub"):
                collect(n.args[0], sign)
                collect(n.args[1], sign if n.op == "add" else -sign)
            else:
                terms.append(("+" if sign > 0 else "-") + key(n))
        collect(e, 1)
        return "sum(" + ",".join(sorted(terms)) + ")"
    if e.op == "mul":
        return "prod(" + ",".join(sorted(key(f) for f in _flat(e, "mul"))) + ")"
    if REGISTRY.get(e.op) is not None and REGISTRY[e.op].commutative:
        return f"{e.op}(" + ",".join(sorted(key(a) for a in e.args)) + ")"
    if e.op in ("ones", "zeros", "eye"):
        return e.op
    if e.op in ("var", "size", "num"):
        return f"{e.op}:{e.value}"
    return f"{e.op}(" + ",".join(key(a) for a in e.args) + ")"


def _flat(e, op):
    return _flat(e.args[0], op) + _flat(e.args[1], op) if e.op == op else [e]
