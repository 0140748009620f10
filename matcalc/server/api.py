"""The playground's JSON API contract: request bodies checked and turned into worker jobs.

Owns: the limits of a request (`LIMITS`), the whitelist of `matcalc.derive` keyword
arguments the API forwards (`DERIVE_OPTIONS`: extend it when derive() gains one), and
`job_for(route, body)`, which validates a decoded JSON body and returns the job a worker runs.
Invariant: a job holds only validated, bounded values of the expected types — strings are
passed to the parser, never evaluated; an option is forwarded only when it is whitelisted
and this build's `matcalc.derive` accepts it (an option at its default is dropped when not);
a request that breaks a rule raises `BadRequest` with a message naming the field.
"""
from __future__ import annotations

import functools
import inspect

LIMITS = {
    "body_bytes": 64 * 1024,        # a 10,000-character expression in JSON fits many times
    "expr_chars": 10_000,           # the server's own bound (the parser: 10,000 a statement)
    "nesting": 200,                 # the parser's own limit (matcalc.parser.MAX_DEPTH)
    "field_chars": 2_000,           # wrt, shapes, sizes and option strings
    "names": 50,                    # variables in wrt / entries in shapes and sizes
    "check_size": 50,               # largest concrete size a check may use
    "derive_seconds": 10.0,
    "check_seconds": 30.0,
    "table_seconds": 120.0,
}
BACKENDS = ("numpy", "pytorch", "jax")
TABLE_FORMATS = ("markdown", "latex", "html")

# derive() keyword -> (validator, default).  The default is what derive() does without it,
# so an option that this build lacks can be dropped silently when it is at its default.
DERIVE_OPTIONS = {
    "order": (lambda v: v in (1, 2) and not isinstance(v, bool), 1),
    "layout": (lambda v: v in ("numerator", "denominator"), "numerator"),
    "dialect": (lambda v: isinstance(v, str) and 0 < len(v) <= 40, "matcalc"),
    "form": (lambda v: isinstance(v, str) and 0 < len(v) <= 40, "auto"),
}
_KNOWN = {"expr", "wrt", "shapes", "code", "with_check", "sizes", "format", "only"}


class BadRequest(Exception):
    def __init__(self, message: str, label: str = "bad-request", hint: str | None = None,
                 status: int = 400):
        super().__init__(message)
        self.message, self.label, self.hint, self.status = message, label, hint, status


@functools.lru_cache(maxsize=1)
def supported_options() -> frozenset:
    """The whitelisted options this build's `matcalc.derive` takes (by its signature)."""
    import matcalc
    params = inspect.signature(matcalc.derive).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return frozenset(DERIVE_OPTIONS)
    return frozenset(k for k in DERIVE_OPTIONS if k in params)


def _string(body, key, required=False, limit=None):
    v = body.get(key)
    if v is None:
        if required:
            raise BadRequest(f"the request needs a field {key!r}", hint=_example())
        return None
    if not isinstance(v, str):
        raise BadRequest(f"{key!r} must be a string, not {type(v).__name__}")
    if len(v) > (limit or LIMITS["field_chars"]):
        raise BadRequest(f"{key!r} is longer than {limit or LIMITS['field_chars']:,} "
                         "characters", label="too-long")
    return v


def _example() -> str:
    return 'e.g. {"expr": "max(0, w.x + b)", "wrt": "w"}'


def _wrt(body):
    v = body.get("wrt")
    if isinstance(v, list):
        if not v or len(v) > LIMITS["names"] or not all(isinstance(x, str) and 0 < len(x) <= 100
                                                         for x in v):
            raise BadRequest("'wrt' must be a name, 'x,y', or a list of names",
                             label="bad-wrt")
        return v
    w = _string(body, "wrt", required=True)
    if not w.strip():
        raise BadRequest("name the variable(s) to differentiate by in 'wrt'", label="bad-wrt",
                         hint='e.g. "wrt": "w" or "wrt": "x,y"')
    return w


def _mapping(body, key, value_ok, what):
    """A {name: value} object or a string (parsed by the worker or the caller)."""
    v = body.get(key)
    if v is None or isinstance(v, str):
        return _string(body, key)
    if not isinstance(v, dict) or len(v) > LIMITS["names"] or not all(
            isinstance(k, str) and len(k) <= 100 and value_ok(x) for k, x in v.items()):
        raise BadRequest(f"{key!r} must be an object of {what} or a string", label=f"bad-{key}")
    return v


def _sizes(body):
    v = _mapping(body, "sizes", lambda x: isinstance(x, int) and not isinstance(x, bool),
                 "positive integers ({\"n\": 5})")
    if isinstance(v, str):
        if not v.strip():
            return None
        from ..sizes import parse_sizes
        from ..errors import MatcalcError
        try:
            v = parse_sizes(v)
        except MatcalcError as e:
            raise BadRequest(e.message, label="bad-sizes", hint=e.hint) from None
    for name, n in (v or {}).items():
        if not 1 <= n <= LIMITS["check_size"]:
            raise BadRequest(f"size {name}={n}: the playground checks at sizes 1 to "
                             f"{LIMITS['check_size']}", label="bad-sizes",
                             hint="the CLI takes larger ones: matcalc derive … --check-sizes")
    return v or None


def _options(body) -> tuple[dict, list]:
    opts, supported = {}, supported_options()
    for key, (ok, default) in DERIVE_OPTIONS.items():
        if key not in body or body[key] is None:
            continue
        if not ok(body[key]):
            raise BadRequest(f"{key!r} cannot be {body[key]!r}", label=f"bad-{key}")
        if key in supported:
            opts[key] = body[key]
        elif body[key] != default:
            raise BadRequest(f"this build of matcalc has no {key!r} option",
                             label="not-available", hint=f"leave {key!r} out")
    return opts, sorted(k for k in body if k not in _KNOWN and k not in DERIVE_OPTIONS)


def job_for(route: str, body) -> dict:
    """The worker job for a JSON body sent to /api/<route> (derive, check, parse, table)."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object", hint=_example())
    if route == "table":
        fmt = _string(body, "format") or "markdown"
        if fmt not in TABLE_FORMATS:
            raise BadRequest(f"'format' must be one of {', '.join(TABLE_FORMATS)}",
                             label="bad-format")
        return {"op": "table", "format": fmt, "only": _string(body, "only", limit=100)}
    expr = _string(body, "expr", required=True, limit=LIMITS["body_bytes"])
    if len(expr) > LIMITS["expr_chars"]:
        raise BadRequest(f"the expression is {len(expr):,} characters long; the limit is "
                         f"{LIMITS['expr_chars']:,}", label="too-long",
                         hint="split the expression or name subexpressions")
    shapes = _mapping(body, "shapes", lambda x: isinstance(x, (str, int)) and len(str(x)) < 100,
                      "declarations ({\"X\": \"m,n\", \"b\": \"scalar\"})")
    if isinstance(shapes, dict):
        shapes = {k: str(v) for k, v in shapes.items()}
    if route == "parse":
        return {"op": "parse", "expr": expr, "shapes": shapes}
    job = {"op": route, "expr": expr, "wrt": _wrt(body)}
    job["options"], job["ignored"] = _options(body)
    if shapes is not None:
        job["options"]["shapes"] = shapes
    if route == "check":
        job["sizes"] = _sizes(body)
        return job
    code = body.get("code", list(BACKENDS))
    if not isinstance(code, list) or not all(c in BACKENDS for c in code):
        raise BadRequest(f"'code' must be a list of backends from {', '.join(BACKENDS)}",
                         label="bad-code")
    job["code"] = list(dict.fromkeys(code))
    job["with_check"] = bool(body.get("with_check", False))
    return job


def info() -> dict:
    """GET /api/info: what this server offers; the page enables its controls from it."""
    import matcalc
    return {"version": matcalc.__version__, "options": sorted(supported_options()),
            "backends": list(BACKENDS), "table_formats": list(TABLE_FORMATS),
            "limits": dict(LIMITS)}
