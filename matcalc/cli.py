"""The `matcalc` command (docs/design.md, Command line): derive, parse, table.

Owns: argument parsing (argparse: it starts faster than click), the text / LaTeX / JSON
renderings of a derivation for the terminal, and the exit statuses — 0 success, 2 bad
input (every `MatcalcError` and argparse usage errors), 1 a failed check, 130 interrupted,
70 an internal error.  Invariant: a user never sees a traceback (unless MATCALC_DEBUG=1),
and plain `derive` / `parse` never import SymPy or NumPy: the engine, code export and
tables are imported only by the paths that need them.
"""
from __future__ import annotations

import argparse
import os
import re
import sys

from .answer import format_var_shapes, text_answer, wrt_notes
from .sizes import parse_shape_options as parse_shapes, parse_sizes
from .errors import MatcalcError, UsageError

EX_INTERNAL = 70      # os.EX_SOFTWARE
EX_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    p = argparse.ArgumentParser(prog="matcalc", description="Symbolic matrix calculus in the "
                                "notation of Parr & Howard: closed-form Jacobians, the steps, "
                                "and a proof.")
    p.add_argument("--version", action="version", version=f"matcalc {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{derive,parse,table,serve}")
    sub.required = True

    d = sub.add_parser("derive", help="differentiate an expression",
                       description='e.g. matcalc derive "max(0, w.x + b)" --wrt w')
    d.add_argument("expr", metavar="EXPR", help="the expression ('-' reads it from stdin)")
    d.add_argument("--wrt", required=True, metavar="VAR[,VAR...]",
                   help="the variable(s) to differentiate by")
    _shape_option(d)
    d.add_argument("--order", type=int, default=1, metavar="K",
                   help="the order of the derivative: 2 for a Hessian, any K from 1 to 8")
    d.add_argument("--form", default="auto",
                   choices=("auto", "matrix", "kron", "differential", "index"),
                   help="how to write the answer: the paper's matrix, the vec/Kronecker "
                        "Jacobian, the differential d(f) = …, or index notation with einsum "
                        "(auto: the first that reads well)")
    d.add_argument("--mixed", action="store_true",
                   help="differentiate by the --wrt variables in turn: --wrt x,y --mixed is "
                        "∂²f/∂x∂y")
    d.add_argument("--layout", choices=("numerator", "denominator"), default="numerator")
    d.add_argument("--steps", action="store_true", help="show the derivation step by step")
    d.add_argument("--check", action="store_true", help="verify the result independently")
    d.add_argument("--check-sizes", metavar="n=5,m=2", help="sizes for --check")
    d.add_argument("--format", default="text",
                   choices=("text", "latex", "json", "numpy", "pytorch", "jax"))
    d.add_argument("--with-check", action="store_true",
                   help="with --format numpy|pytorch|jax: add a self-check to the code")
    d.set_defaults(run=run_derive)

    q = sub.add_parser("parse", help="show the typed tree with inferred shapes")
    q.add_argument("expr", metavar="EXPR", help="the expression ('-' reads it from stdin)")
    _shape_option(q)
    q.add_argument("--format", default="text", choices=("text", "latex", "json"))
    q.set_defaults(run=run_parse)

    t = sub.add_parser("table", help="regenerate the reference tables from rules/")
    t.add_argument("--format", default="markdown", choices=("markdown", "latex", "html"))
    t.add_argument("--output", metavar="FILE")
    t.add_argument("--only", metavar="NAME", help="one table")
    t.set_defaults(run=run_table)

    s = sub.add_parser("serve", help="the local web playground (docs/playground.md)",
                       description="Serve the playground page and its JSON API on this machine.")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; anything else warns)")
    s.add_argument("--port", type=int, default=None,
                   help="port (default 8765, or a free one if taken; 0: any free port)")
    s.add_argument("--open", action="store_true", help="open the page in a browser")
    s.add_argument("--workers", type=int, default=2, help="derivation worker processes")
    s.set_defaults(run=run_serve)
    return p


def _shape_option(p):
    p.add_argument("--shape", action="append", default=[], metavar="NAME:DIMS",
                   help="declare a shape: w:n (vector), A:m,n (matrix), b:scalar, x:3")


def main(argv=None) -> int:
    _make_output_safe()
    parser = build_parser()
    argv, dashed = _protect_leading_minus(sys.argv[1:] if argv is None else list(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:             # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else 2
    if getattr(args, "expr", None) in dashed:
        args.expr = args.expr[1:]
    try:
        return args.run(args)
    except MatcalcError as e:
        if e.exit_status == EX_INTERNAL:
            _error(f"{e}\n  please report it (run with MATCALC_DEBUG=1 for the traceback)")
            return EX_INTERNAL
        _error(str(e))
        return 2
    except KeyboardInterrupt:
        _error("interrupted")
        return EX_INTERRUPTED
    except BrokenPipeError:             # `matcalc table | head`
        _silence_stdout()
        return 0
    except Exception as e:              # noqa: BLE001 — the promise is: no tracebacks
        if os.environ.get("MATCALC_DEBUG") == "1":
            raise
        _error(f"internal error: {type(e).__name__}: {e!s:.300}, please report it "
               "(run with MATCALC_DEBUG=1 for the traceback)")
        return EX_INTERNAL


def _protect_leading_minus(argv):
    """`matcalc derive "-x^2" --wrt x`: argparse would take -x^2 for an option.  Every option
    of matcalc is long (--wrt), so any other word with a leading '-' is an expression: hide the
    minus behind a space while argparse looks, and take the space off after."""
    out, dashed = [], set()
    for tok in argv:
        if tok.startswith("-") and tok not in ("-", "-h", "--") and \
                not re.fullmatch(r"--[a-z][a-z-]*(=.*)?", tok, re.S):
            tok = " " + tok
            dashed.add(tok)
        out.append(tok)
    return out, dashed


# -- commands ------------------------------------------------------------------------------

def run_parse(args) -> int:
    from .api import parse_with_shapes
    from .sizes import format_shape
    text = _read_expr(args.expr)
    expr, var_shapes = parse_with_shapes(text, parse_shapes(args.shape))
    if args.format == "latex":
        from .printing.latex import to_latex
        print(to_latex(expr))
    elif args.format == "json":
        from .printing.latex import to_latex
        _print_json({"input": text, "text": str(expr), "latex": to_latex(expr),
                     "shape": [str(d) for d in expr.shape],
                     "shapes": {k: [str(d) for d in v] for k, v in var_shapes.items()},
                     "tree": _tree_dict(expr)})
    else:
        print(str(expr))
        print(f"  shape {format_shape(expr.shape)}; {format_var_shapes(var_shapes)}")
    return 0


def run_derive(args) -> int:
    import matcalc
    text = _read_expr(args.expr)
    if args.with_check and args.format not in ("numpy", "pytorch", "jax"):
        raise UsageError("--with-check goes with --format numpy, pytorch or jax",
                         label="bad-option")
    q = matcalc.Question.ask(text, args.wrt, parse_shapes(args.shape) or None,
                             order=args.order, layout=args.layout, form=args.form,
                             mixed=args.mixed)
    for note in wrt_notes(q):
        _error("note: " + note)
    sizes = parse_sizes(args.check_sizes) if args.check_sizes else None
    d = matcalc.derive(q)
    report = d.check(sizes=sizes) if (args.check or sizes) else None
    failed = report is not None and not report.passed
    if args.format == "json":
        out = d.to_dict()
        if report is not None and "check" not in out:
            out["check"] = report.to_dict()
        _print_json(out)
    elif args.format == "latex":
        print(d.latex)
        if args.steps:
            print(d.steps_latex())
        if report is not None:
            print(str(report), file=sys.stderr if not failed else sys.stdout)
    elif args.format in ("numpy", "pytorch", "jax"):
        codegen = _optional("matcalc.codegen", "code export")
        print(codegen.export(d, args.format, with_check=args.with_check))
    else:
        print(text_answer(d))
        if args.steps:
            print(d.steps_text())
        if report is not None:
            print(str(report))
    return 1 if failed else 0


def run_table(args) -> int:
    tables = _optional("matcalc.tables", "the reference tables")
    out = tables.render(format=args.format, only=args.only)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(out if out.endswith("\n") else out + "\n")
    else:
        print(out)
    return 0


def run_serve(args) -> int:
    from .server import run                # only `matcalc serve` imports the server
    return run(args)


# -- helpers ---------------------------------------------------------------------------------

def _tree_dict(e) -> dict:
    node = {"op": e.op, "shape": [str(d) for d in e.shape]}
    if e.value is not None:
        node["value"] = str(e.value)
    if e.args:
        node["args"] = [_tree_dict(a) for a in e.args]
    return node


def _read_expr(expr: str) -> str:
    if expr != "-":
        return expr
    from .parser import MAX_LENGTH
    return sys.stdin.read(MAX_LENGTH + 1).strip()


def _optional(module: str, what: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name == module:
            raise UsageError(f"{what}: not available yet in this build of matcalc",
                             label="not-available") from None
        raise


def _print_json(obj) -> None:
    import json
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _error(message: str) -> None:
    print(f"matcalc: {message}", file=sys.stderr)


def _make_output_safe() -> None:
    """ᵀ, ∂ and ⊙ on a terminal that cannot show them become escapes, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if (stream.encoding or "").lower().replace("-", "") != "utf8":
                stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
