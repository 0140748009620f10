"""Shared test helpers: comparing closed forms up to the order of the operands of commutative
operators (sums, scalar and element-wise products, dot, max, min: the registry says which)."""
from __future__ import annotations

import matcalc
from matcalc.ops import REGISTRY
from matcalc.simplify import present, simplify


def _flat(e, op):
    if e.op == op:
        return _flat(e.args[0], op) + _flat(e.args[1], op)
    return [e]


def key(e) -> str:
    """A string equal for trees that differ only in the order of terms and scalar factors."""
    op = e.op
    if op in ("add", "sub"):
        terms = []

        def collect(n, sign):
            if n.op == "add":
                collect(n.args[0], sign), collect(n.args[1], sign)
            elif n.op == "sub":
                collect(n.args[0], sign), collect(n.args[1], -sign)
            else:
                terms.append(("+" if sign > 0 else "-") + key(n))
        collect(e, 1)
        return "sum(" + ",".join(sorted(terms)) + ")"
    if op == "mul":
        factors = sorted(key(f) for f in _flat(e, "mul"))
        return "prod(" + ",".join(factors) + ")"
    if REGISTRY.get(op) is not None and REGISTRY[op].commutative:
        return f"{op}(" + ",".join(sorted(key(a) for a in e.args)) + ")"
    if op in ("ones", "zeros", "eye"):
        return op
    if op in ("var", "size"):
        return f"v:{e.value}"
    if op == "num":
        return f"n:{e.value}"
    return f"{op}(" + ",".join(key(a) for a in e.args) + ")"


def closed_form(text: str, var_shapes: dict):
    """The expected closed form, parsed with the problem's shapes and put in normal form."""
    declared = {k: ",".join(str(d) for d in v) for k, v in var_shapes.items()}
    e = matcalc.parse(text, declared)
    return present(simplify(e))


def assert_same_form(derivation, expected: str):
    exp = closed_form(expected, derivation.var_shapes)
    got = derivation.result
    assert key(got) == key(exp), f"got {got}, expected {exp} ({expected})"


def assert_checked(derivation, methods=("exact", "numeric")):
    report = derivation.check(methods=methods)
    assert report.passed, str(report)
    assert all(m.passed for m in report.methods if not m.skipped), str(report)
    return report
