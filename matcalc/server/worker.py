"""A playground worker: one child process that runs derivations, checks and tables on request.

Owns: the worker side of the pipe protocol and the jobs (`derive`, `check`, `parse`,
`table`).  The parent (`pool.py`) writes one JSON request per line on the worker's stdin; the
worker answers each with a header line `STATUS LENGTH\\n` and LENGTH bytes of UTF-8 JSON on
the pipe that was its stdout (fd 1 is pointed at stderr, so a stray print cannot corrupt the
protocol).  It starts with a `ready` header after warming up, and exits on end of input.
Invariant: user text only ever reaches the parser (`matcalc.derive`, `matcalc.parse`): nothing
here evaluates it; every `MatcalcError` becomes a 400 answer with message, span and hint, any
other exception a 500 answer; the parent enforces the time limit by killing the process.

    python -m matcalc.server.worker [--warm derive|check]
"""
from __future__ import annotations

import json
import os
import re
import sys
import time

MEMORY_LIMIT = 3 << 30          # bytes of address space per worker (RLIMIT_AS, POSIX only)
DERIVE_DEFAULTS = {"order": 1, "layout": "numerator"}


def error_body(e) -> dict:
    """The JSON of a `MatcalcError`: everything the page needs to draw the caret."""
    return {"error": {"kind": e.kind, "message": e.message, "label": e.label,
                      "text": e.text, "span": list(e.span) if e.span is not None else None,
                      "hint": e.hint}}


def _shapes(shapes):
    """A dict passes through; a string 'X:m,n y:m' (or ';'/newline separated) is read like
    the CLI's --shape options."""
    if not isinstance(shapes, str):
        return shapes or None
    from ..sizes import parse_shape_options as parse_shapes
    items = [s for s in re.split(r"[\s;]+", shapes.strip()) if s]
    return parse_shapes(items) or None


def _derive(req):
    import matcalc
    opts = dict(req.get("options") or {})
    if "shapes" in opts:
        opts["shapes"] = _shapes(opts["shapes"])
    return matcalc.derive(req["expr"], req["wrt"], **opts)


def _wrt_notes(d) -> list:
    """As the command line: a variable not in the expression is a note."""
    from ..answer import wrt_notes
    return wrt_notes(d.question)


def _inner(math: str) -> str:
    return re.sub(r"^<math[^>]*>|</math>$", "", math)


def _mathml(d) -> dict:
    """The result, and the left-hand side ∂/∂w (input), as MathML; None where it fails."""
    from ..printing.mathml import to_mathml
    from ..tree import Expr
    out = {}
    try:
        out["result"] = to_mathml(d.result, display=True)
        var = "<mo>,</mo>".join(_inner(to_mathml(Expr("var", (), d.var_shapes[w], w)))
                                for w in d.wrt)
        if len(d.wrt) > 1:
            var = f"<mrow><mo>(</mo>{var}<mo>)</mo></mrow>"
        num, den = ("<mo>∂</mo>", f"<mrow><mo>∂</mo>{var}</mrow>") if d.order == 1 else \
            ("<msup><mo>∂</mo><mn>2</mn></msup>", f"<mrow><mo>∂</mo><msup>{var}<mn>2</mn></msup></mrow>")
        out["lhs"] = f"<math display=\"block\"><mrow><mfrac>{num}{den}</mfrac>" \
                     f"{_inner(to_mathml(d.expr))}</mrow></math>"
    except Exception as e:          # noqa: BLE001 — the page falls back to the text form
        out = {"result": None, "lhs": None, "error": f"{type(e).__name__}: {e!s:.200}"}
    return out


def _text(d) -> str:
    """The command line's text answer: equation, `where` lines, shapes line."""
    from ..answer import text_answer
    return text_answer(d)


def _latex(d) -> dict:
    out = {"equation": None, "steps": None}
    try:
        out["equation"] = d._repr_latex_().strip("$")
        out["steps"] = d.steps_latex()
    except Exception:               # noqa: BLE001 — LaTeX is optional, as in to_dict
        pass
    return out


def _code(d, backends, with_check) -> dict:
    from .. import codegen
    from ..errors import MatcalcError
    out = {}
    for b in backends:
        try:
            out[b] = {"source": codegen.export(d, b, with_check=with_check)}
        except MatcalcError as e:
            out[b] = {"error": e.message, "hint": e.hint}
    return out


def job_derive(req) -> dict:
    t = time.perf_counter()
    d = _derive(req)
    notes = _wrt_notes(d)
    out = d.to_dict()
    text = _text(d)
    out["playground"] = {
        "mathml": _mathml(d), "text": text, "latex": _latex(d), "notes": notes,
        "shapes_line": text.splitlines()[-1].strip(),
        "code": _code(d, req.get("code") or (), bool(req.get("with_check"))),
        "ignored": req.get("ignored") or [], "seconds": round(time.perf_counter() - t, 4)}
    return out


def job_check(req) -> dict:
    t = time.perf_counter()
    d = _derive(req)
    report = d.check(sizes=req.get("sizes") or None)
    out = d.to_dict(check=report)
    out["playground"] = {"seconds": round(time.perf_counter() - t, 4)}
    return out


def job_parse(req) -> dict:
    from ..api import parse_with_shapes
    from ..sizes import format_shape
    expr, shapes = parse_with_shapes(req["expr"], _shapes(req.get("shapes")))
    return {"input": req["expr"], "text": str(expr), "shape": [str(s) for s in expr.shape],
            "shapes": {k: format_shape(v) for k, v in shapes.items()},
            "variables": sorted(expr.free_vars())}


def job_table(req) -> dict:
    from .. import tables
    return {"format": req["format"], "only": req.get("only"),
            "text": tables.render(format=req["format"], only=req.get("only"))}


JOBS = {"derive": job_derive, "check": job_check, "parse": job_parse, "table": job_table}


def answer(req) -> tuple[int, dict]:
    from ..errors import MatcalcError
    try:
        return 200, JOBS[req["op"]](req)
    except MatcalcError as e:
        return (500 if e.exit_status == 70 else 400), error_body(e)
    except RecursionError:
        return 400, {"error": {"kind": "error", "label": "too-deep", "message":
                               "the expression is too deeply nested to derive", "hint":
                               "name an inner part", "text": None, "span": None}}
    except MemoryError:
        return 500, {"error": {"kind": "error", "label": "out-of-memory", "message":
                               "the worker ran out of memory on this input", "hint": None,
                               "text": None, "span": None}}
    except Exception as e:          # noqa: BLE001 — reported, never a traceback to the page
        return 500, {"error": {"kind": "internal error", "label": "internal", "message":
                               f"{type(e).__name__}: {e!s:.300}", "hint": "please report it",
                               "text": None, "span": None}}


WARM_UP = [("max(0, w.x + b)", "w", 1), ("mean((y - max(0, X @ w + b))^2)", "w", 1),
           ("tr(A @ X @ B)", "X", 1), ("x' @ A @ x", "x", 2), ("[3x^2 y, 2x + y^8]", "x,y", 1)]


def warm_up(kind: str) -> None:
    """Import and exercise what the jobs need (a vector, a matrix, a Hessian and a Jacobian
    problem), so that the first request is about as fast as the rest."""
    for expr, wrt, order in WARM_UP:
        job_derive({"op": "derive", "expr": expr, "wrt": wrt, "options": {"order": order},
                    "code": ["numpy", "pytorch", "jax"]})
    if kind == "check":
        job_check({"op": "check", "expr": "x^2 y", "wrt": "x"})


def _limit_memory() -> None:
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > MEMORY_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, hard))
    except (ImportError, ValueError, OSError):
        pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    kind = argv[argv.index("--warm") + 1] if "--warm" in argv else "derive"
    proto = os.fdopen(os.dup(1), "wb")        # the protocol pipe; fd 1 now goes to stderr
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _limit_memory()

    def send(status: int, body) -> None:
        data = body if isinstance(body, bytes) else \
            json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        try:
            proto.write(f"{status} {len(data)}\n".encode("ascii") + data)
            proto.flush()
        except (BrokenPipeError, ValueError):     # the server has gone: so do we
            os._exit(0)

    try:
        warm_up(kind)
    except Exception as e:          # noqa: BLE001 — a broken install is said, not hidden
        print(f"matcalc serve: worker warm-up failed: {type(e).__name__}: {e}", file=sys.stderr)
    send(100, b"ready")
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
        except ValueError:
            send(500, {"error": {"kind": "internal error", "label": "protocol",
                                 "message": "bad request line", "hint": None, "text": None,
                                 "span": None}})
            continue
        status, body = answer(req)
        send(status, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
