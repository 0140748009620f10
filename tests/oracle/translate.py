"""The oracle's translator: an oracle tree as an autograd-differentiable NumPy computation.

Owns: `Evaluation` — evaluates a tree on 2-D arrays (a scalar is 1×1) with `autograd.numpy`,
so that `autograd.jacobian` of it is the truth; it records, at the point, the domain
violations (log/sqrt/real powers of non-positive numbers, division by ~0, ill-conditioned
inverses, overflow), the kinks close to the point (max/min/abs/relu with arguments
0 < |difference| < 1e-3) and the exact ties (equal arguments), whose branch is chosen by
`policy` {tie index: 0 first / 1 second} so that `truth` can differentiate every branch.
Independent of matcalc: the semantics are the README's language table.
"""
from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval

from .tree import Lit, Num, Ones, Op, Var, resolve

KINK = 1e-3          # a kink closer than this to the point makes the point unusable
TIE = 1e-12          # arguments this close (relative) are a tie: both branches are computed
BIG = 1e6            # any intermediate larger than this: the point is unusable


def _sigmoid(a):
    return 1.0 / (1.0 + anp.exp(-a))


FUNCS = {"exp": anp.exp, "log": anp.log, "sin": anp.sin, "cos": anp.cos, "tanh": anp.tanh,
         "sigmoid": _sigmoid, "softplus": lambda a: anp.logaddexp(0.0, a), "sqrt": anp.sqrt}


class Evaluation:
    """One evaluation of a tree at a point; `guard=False` skips the domain bookkeeping."""

    def __init__(self, sizes: dict, policy: dict | None = None, guard: bool = True):
        self.sizes, self.policy, self.guard = sizes, policy or {}, guard
        self.ties: list[int] = []          # indices of kink nodes that tie somewhere
        self.near: list[str] = []          # kinks near the point
        self.domain: list[str] = []        # domain violations
        self._kinks = 0

    @property
    def usable(self) -> bool:
        return not self.near and not self.domain

    def __call__(self, e, env: dict):
        """The value of `e` (2-D) with `env` {name: 2-D array, possibly autograd boxes}."""
        return self._eval(e, env)

    # -- kinks: max(a, b) is where(a - b > 0, a, b); ties go by the policy ---------------------
    def _select(self, a, b, first_if_greater: bool, what: str):
        index = self._kinks
        self._kinks += 1
        va, vb = np.asarray(getval(a), float), np.asarray(getval(b), float)
        margin = (va - vb) if first_if_greater else (vb - va)
        tie = np.abs(margin) <= TIE * (1 + np.abs(va) + np.abs(vb))
        if np.any(tie):
            self.ties.append(index)
        if np.any(~tie & (np.abs(margin) < KINK)):
            self.near.append(what)
        take_first = np.where(tie, self.policy.get(index, 0) == 0, margin > 0)
        return anp.where(take_first, a, b)

    def _need(self, ok: bool, what: str):
        if not ok:
            self.domain.append(what)

    def _eval(self, e, env):
        if isinstance(e, Var):
            return env[e.name]
        if isinstance(e, Num):
            return anp.array([[float(e.value)]])
        if isinstance(e, Ones):
            return anp.ones(tuple(resolve(d, self.sizes) for d in e.shape))
        if isinstance(e, Lit):
            rows = [[self(x, env) for x in row] for row in e.rows]
            if len(rows) == 1:
                return anp.concatenate(rows[0], axis=0)
            return anp.concatenate([anp.concatenate(r, axis=1) for r in rows], axis=0)
        args = [self(a, env) for a in e.args]
        out = self._op(e, args)
        if self.guard:
            v = np.asarray(getval(out), dtype=float)
            if not np.all(np.isfinite(v)) or np.max(np.abs(v), initial=0) > BIG:
                self.domain.append(f"{_name(e)} overflows")
        return out

    def _op(self, e, args):
        op, p = e.op, e.param
        a = args[0]
        va = np.asarray(getval(a), dtype=float)
        if op == "add":
            return a + args[1]
        if op == "sub":
            return a - args[1]
        if op == "mul":
            return a * args[1]
        if op == "div":
            self._need(np.min(np.abs(getval(args[1]))) >= 1e-2, "division by ~0")
            return a / args[1]
        if op == "neg":
            return -a
        if op in ("max", "min"):
            return self._select(a, args[1], op == "max", op)
        if op == "fn":
            if p == "abs":
                return self._select(a, -a, True, "abs")
            if p == "relu":
                return self._select(a, 0.0 * a, True, "relu")
            if p in ("log", "sqrt"):
                self._need(np.min(va) >= KINK, f"{p} of a number ≤ 0")
            return FUNCS[p](a)
        if op == "pow":
            if not float(p).is_integer():
                self._need(np.min(va) >= KINK, "a real power of a number ≤ 0")
            elif p < 0:
                self._need(np.min(np.abs(va)) >= 1e-2, "a negative power of ~0")
            return a ** (int(p) if float(p).is_integer() else float(p))
        if op == "T":
            return anp.transpose(a)
        if op == "matmul":
            return anp.dot(a, args[1])
        if op == "dot":
            return anp.reshape(anp.sum(a * args[1]), (1, 1))
        if op == "sum":
            return anp.reshape(anp.sum(a), (1, 1))
        if op == "mean":
            return anp.reshape(anp.mean(a), (1, 1))
        if op == "norm":
            self._need(np.sqrt(np.sum(va * va)) >= KINK, "norm of ~0")
            return anp.reshape(anp.sqrt(anp.sum(a * a)), (1, 1))
        if op in ("logsumexp", "softmax"):
            shifted = anp.exp(a - np.max(va))            # the shift is a constant
            if op == "softmax":
                return shifted / anp.sum(shifted)
            return anp.reshape(np.max(va) + anp.log(anp.sum(shifted)), (1, 1))
        if op in ("tr", "diag"):
            eye = anp.eye(va.shape[0])
            if op == "tr":
                return anp.reshape(anp.sum(a * eye), (1, 1))
            if va.shape[1] == 1:                              # vector -> diagonal matrix
                return eye * a
            return anp.sum(a * eye, axis=1, keepdims=True)    # square -> its diagonal
        if op in ("det", "logdet", "inv"):
            self._need(np.linalg.cond(va) < 1e6, f"{op} of an ill-conditioned matrix")
            if op == "inv":
                return anp.linalg.inv(a)
            det = anp.linalg.det(a)
            if op == "det":
                return anp.reshape(det, (1, 1))
            self._need(np.linalg.det(va) > 1e-6, "logdet of a matrix with det ≤ 0")
            return anp.reshape(anp.log(det), (1, 1))
        if op == "kron":
            b = args[1]
            (r1, c1), (r2, c2) = va.shape, np.shape(getval(b))
            return anp.reshape(a[:, None, :, None] * b[None, :, None, :], (r1 * r2, c1 * c2))
        raise ValueError(f"no translation for {op}")


def _name(e) -> str:
    return e.op if isinstance(e, Op) else type(e).__name__
