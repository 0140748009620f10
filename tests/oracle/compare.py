"""The oracle's judge: one problem through matcalc's public API and code exports, against the
autograd truth.

Owns: `judge(problem, seed)` -> `Outcome` (correct / refused / wrong / no point) and the
comparison rules: `lambdify()` and the `f_and_grad`/`f_and_hess`/`f_and_d3` of each export
(NumPy always; PyTorch and JAX where they import, in float64) must give the derivative array
of shape S + T·order (S + T₁ + T₂ for a mixed partial) and the truth's values (rtol 1e-6,
atol 1e-8 scaled by the largest entry); exports must also return the value.  A
`MatcalcError` from `derive` other than `InternalError`/`ParseError`/`ShapeError` (the text
is well typed) is a refusal, and so is one from `lambdify()` that every export raises too
(the derivative was found but its array cannot be formed: labelled `array …`); anything else
raised anywhere is a wrong answer — unless `known.py` describes it (a defect reported to the
owner of a file the oracle's owners may not edit): then it is a "known defect", counted apart.  Exec'd source is matcalc's own generated module.
"""
from __future__ import annotations

import importlib
import inspect
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

import matcalc
from matcalc.codegen import export, function_name

from .known import known_defect
from .problem import Problem
from .truth import Truth, find_truth, truth_at

RTOL, ATOL = 1e-6, 1e-8
NOT_REFUSALS = (matcalc.InternalError, matcalc.ParseError, matcalc.ShapeError)
NO_REAL_VALUE = ("not-real", "division-by-zero")     # ParseError labels that are right
BACKEND_MODULES = {"numpy": "numpy", "pytorch": "torch", "jax": "jax"}


def available_backends() -> dict:
    """{backend: None if usable else the reason it is skipped}."""
    out = {}
    for backend, module in BACKEND_MODULES.items():
        try:
            mod = importlib.import_module(module)
            if module == "jax":
                mod.config.update("jax_enable_x64", True)
            out[backend] = None
        except Exception as e:                    # an optional backend that does not import
            out[backend] = f"{module} does not import: {type(e).__name__}: {e}"
    return out


BACKENDS = available_backends()


@dataclass
class Outcome:
    kind: str                         # correct | refused | wrong | known defect | no point
    label: str = ""                   # refusal label / reason there is no point
    failures: list = field(default_factory=list)    # (channel, what, detail) when wrong
    problem: Problem | None = None
    truth: Truth | None = None

    @property
    def signature(self) -> str:
        return "; ".join(sorted({f"{c}: {w}" for c, w, _ in self.failures}))

    def report(self) -> str:
        lines = [self.problem.describe(self.truth.point if self.truth else None)]
        if self.truth is not None:
            lines.append(f"  truth {np.round(self.truth.deriv, 6).tolist()}")
        lines += [f"  {c}: {w}: {d}" for c, w, d in self.failures]
        return "\n".join(lines)


def refusal_key(e: matcalc.MatcalcError) -> str:
    """The label and the gist of the message (quoted expressions, names and sizes blanked),
    for counting refusals."""
    msg = re.sub(r"'[^']*'", "'…'", e.message)
    msg = re.sub(r"\b[A-Za-z]\b", "_", msg)
    msg = re.sub(r"\d+", "#", msg)
    msg = re.sub(r"[_#]×[_#]", "m×n", msg)
    return f"{e.label}: {msg[:64]}"


def _short(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"


def _as_array(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=float)


def _compare(channel, got, want, what, failures):
    got = _as_array(got)
    if got.shape != want.shape:
        failures.append((channel, f"{what} shape", f"got {got.shape}, want {want.shape}"))
        return
    scale = 1.0 + float(np.max(np.abs(want), initial=0.0))
    if not np.allclose(got, want, rtol=RTOL, atol=ATOL * scale):
        bad = np.nan if not np.all(np.isfinite(got)) else float(np.max(np.abs(got - want)))
        failures.append((channel, f"{what} wrong",
                         f"max error {bad:.3g}; got {np.round(got, 6).tolist()}"))


def _exported(d, backend: str, problem: Problem, point: dict):
    src = export(d, backend)
    ns = {"__name__": f"oracle_{backend}"}
    exec(compile(src, f"<matcalc export {backend}>", "exec"), ns)   # matcalc's own output
    fn = ns[function_name(d)[0]]
    params = list(inspect.signature(fn).parameters)
    args = [point[p] for p in params]
    return fn(*args)


def judge(problem: Problem, seed: int, point: dict | None = None,
          backends=None) -> Outcome:
    """Derive, find the truth (at `point`, or a sampled usable one), compare `lambdify()` and
    the exports to `backends` (default: every backend that imports)."""
    try:
        if problem.mixed:
            d = matcalc.partial(problem.text, *problem.wrt, shapes=problem.shapes,
                                form=problem.form)
        else:
            d = matcalc.derive(problem.text, problem.wrt_arg, shapes=problem.shapes,
                               order=problem.order, layout=problem.layout, form=problem.form)
    except NOT_REFUSALS as e:
        if isinstance(e, matcalc.ParseError) and e.label in NO_REAL_VALUE:
            # the text writes a number with no real value (sqrt(-1), log(0)): the refusal is
            # the right answer
            return Outcome("refused", refusal_key(e), problem=problem)
        return Outcome("wrong", failures=[("derive", type(e).__name__, _short(e))],
                       problem=problem)
    except matcalc.MatcalcError as e:
        return Outcome("refused", refusal_key(e), problem=problem)
    except Exception as e:                       # noqa: BLE001 — any other error is a bug
        return Outcome("wrong", failures=[("derive", type(e).__name__, _short(e))],
                       problem=problem)
    truth = truth_at(problem, point) if point is not None else find_truth(problem, seed)
    if not isinstance(truth, Truth):
        return Outcome("no point", truth, problem=problem)
    failures: list = []
    array_refusal = None
    want_d, want_v = truth.deriv, truth.value
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _compare("lambdify", d.lambdify()(**truth.point), want_d, "derivative", failures)
        except NOT_REFUSALS as e:
            failures.append(("lambdify", type(e).__name__, _short(e)))
        except matcalc.MatcalcError as e:        # no array: a refusal if no export has one
            array_refusal = e
            failures.append(("lambdify", type(e).__name__, _short(e)))
        except Exception as e:                   # noqa: BLE001
            failures.append(("lambdify", type(e).__name__, _short(e)))
        for backend, reason in BACKENDS.items():
            if reason is not None or (backends is not None and backend not in backends):
                continue
            try:
                value, deriv = _exported(d, backend, problem, truth.point)
            except Exception as e:               # noqa: BLE001
                failures.append((f"export {backend}", type(e).__name__, _short(e)))
                continue
            _compare(f"export {backend}", deriv, want_d, "derivative", failures)
            _compare(f"export {backend}", value, want_v, "value", failures)
    if array_refusal is not None and all(w == type(array_refusal).__name__
                                         for _, w, _ in failures):
        return Outcome("refused", "array " + refusal_key(array_refusal), problem=problem)
    if failures:
        known = known_defect(problem, failures)
        if known is not None:
            return Outcome("known defect", known.id, failures, problem, truth)
    return Outcome("wrong" if failures else "correct", failures=failures, problem=problem,
                   truth=truth)
