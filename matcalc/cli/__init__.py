"""The `matcalc` command (docs/design.md, Command line): derive, parse, table, serve.

Owns: the argument parser (argparse: it starts faster than click; one block per subcommand
in `build_parser`, every option with a help line, examples in each epilog), `main`, and the
exit statuses — 0 success, 2 bad input (every `MatcalcError` and argparse usage errors), 1 a
failed check, 130 interrupted, 70 an internal error.  The subcommands are `commands`'s, the
checks of the options `checks`'s, the output (notes, ASCII) `output`'s, the help texts
`help`'s.  Invariant: a user never sees a traceback (unless MATCALC_DEBUG=1), and plain
`derive` / `parse` never import SymPy or NumPy.
"""
from __future__ import annotations

import argparse
import os
import re
import sys

from ..errors import MatcalcError
from .checks import parse_shapes, parse_sizes
from .commands import run_derive, run_parse, run_serve, run_table
from ..answer import format_var_shapes
from .output import (ascii_output, error, make_output_safe, needs_ascii,
                     silence_stdout)

__all__ = ["main", "build_parser", "parse_shapes", "parse_sizes", "format_var_shapes"]

EX_INTERNAL = 70      # os.EX_SOFTWARE
EX_INTERRUPTED = 130


class _RAW(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal's width as `shutil.get_terminal_size` would
    (COLUMNS, else the terminal, else 80): argparse builds one for every option it adds, and
    would import shutil (with zlib, bz2 and lzma) for it on every start."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_width() if width is None else width)

    def _get_help_string(self, action):
        text = super()._get_help_string(action)
        if _TABLE_NAMES in text:            # read rules/ only when the help is shown
            from . import help as h
            text = text.replace(_TABLE_NAMES, ", ".join(h.table_names()))
        return text


_TABLE_NAMES = "{the tables of rules/}"


_WIDTH: list = []


def _terminal_width() -> int:
    """The help's width, found once per process (argparse makes a formatter per option)."""
    if not _WIDTH:
        try:
            width = int(os.environ.get("COLUMNS", ""))
        except ValueError:
            width = 0
        if width <= 0:
            try:
                width = os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
            except (AttributeError, ValueError, OSError):
                width = 80
        _WIDTH.append(width - 2)                         # as argparse does with the size
    return _WIDTH[0]


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from . import help as h
    p = argparse.ArgumentParser(prog="matcalc", formatter_class=_RAW, epilog=h.MAIN_EPILOG,
                                description="Symbolic matrix calculus in the notation of Parr "
                                "& Howard: closed-form Jacobians, the steps, and a proof.")
    p.add_argument("--version", action="version", version=f"matcalc {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{derive,parse,table,serve}")
    sub.required = True

    d = sub.add_parser("derive", help="differentiate an expression", formatter_class=_RAW,
                       description='Differentiate EXPR by --wrt, e.g. matcalc derive '
                                   '"max(0, w.x + b)" --wrt w', epilog=h.derive_epilog())
    _expr_options(d)
    d.add_argument("--wrt", required=True, metavar="VAR[,VAR...]",
                   help="the variable(s) to differentiate by, separated by commas")
    _shape_option(d)
    d.add_argument("--order", type=int, default=1, metavar="K",
                   help="1: the Jacobian / gradient (default); 2: the Hessian; any K up to 8")
    d.add_argument("--form", default="auto",
                   choices=("auto", "matrix", "kron", "differential", "index"),
                   help="how to write the answer: the paper's matrix, the vec/Kronecker "
                        "Jacobian, the differential d(f) = …, or index notation with einsum "
                        "(auto, the default: the first that reads well)")
    d.add_argument("--vec", choices=("row", "column"), default="row",
                   help="the vec of a Kronecker form: row (default), rows stacked (C order, "
                        "NumPy's reshape); column, columns stacked (Magnus & Neudecker, the "
                        "Matrix Cookbook: ∂vec(AXB)/∂vec(X)ᵀ = Bᵀ ⊗ A)")
    d.add_argument("--sym", choices=("sym", "cookbook"), default="sym",
                   help="by a symmetric matrix (--shape S:n,n,sym): sym (default), the "
                        "gradient on symmetric matrices (G + Gᵀ)/2; cookbook, the Matrix "
                        "Cookbook's G + Gᵀ − I ⊙ G")
    d.add_argument("--mixed", action="store_true",
                   help="differentiate by the --wrt variables in turn: --wrt x,y --mixed is "
                        "∂²f/∂x∂y")
    d.add_argument("--layout", choices=("numerator", "denominator"), default="numerator",
                   help="numerator (default, the paper's: ∂(scalar)/∂x is a row) or "
                        "denominator (column gradients)")
    d.add_argument("--steps", action="store_true", help="show the derivation step by step")
    d.add_argument("--check", action="store_true",
                   help="prove the result independently (SymPy, entry by entry; finite "
                        "differences)")
    d.add_argument("--check-sizes", metavar="n=5,m=2",
                   help="the sizes --check uses (implies --check); names from the shape line")
    d.add_argument("--format", default="text",
                   choices=("text", "latex", "json", "numpy", "pytorch", "jax"),
                   help="text (default), latex, json (docs/outputs.md), or a Python module "
                        "computing value and derivative: numpy, pytorch, jax")
    d.add_argument("--with-check", action="store_true",
                   help="with --format numpy|pytorch|jax: add a finite-difference self-test")
    _reading_options(d)
    d.set_defaults(run=run_derive)

    q = sub.add_parser("parse", help="show the typed tree with inferred shapes",
                       formatter_class=_RAW, epilog=h.PARSE_EPILOG,
                       description="Show how matcalc reads EXPR: the tree and every shape.")
    _expr_options(q)
    _shape_option(q)
    q.add_argument("--format", default="text", choices=("text", "latex", "json"),
                   help="text (default), latex, or json (with the tree)")
    _reading_options(q)
    q.set_defaults(run=run_parse)

    t = sub.add_parser("table", help="regenerate the reference tables from rules/",
                       formatter_class=_RAW, epilog=h.TABLE_EPILOG,
                       description="Regenerate the paper's reference tables (§8) from "
                                   "rules/; every entry is derived and checked.")
    t.add_argument("--format", default="markdown", choices=("markdown", "latex", "html"),
                   help="markdown (default), latex (a standalone document) or html (one "
                        "offline file, MathML)")
    t.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    t.add_argument("--only", metavar="NAME",
                   help="one table: " + _TABLE_NAMES)
    t.add_argument("--list", action="store_true", help="list the tables' names and exit")
    t.set_defaults(run=run_table)

    s = sub.add_parser("serve", help="the local web playground (docs/playground.md)",
                       formatter_class=_RAW, epilog=h.SERVE_EPILOG,
                       description="Serve the playground page and its JSON API on this machine.")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; anything else warns)")
    s.add_argument("--port", type=int, default=None,
                   help="port (default 8765, or a free one if taken; 0: any free port)")
    s.add_argument("--open", action="store_true", help="open the page in a browser")
    s.add_argument("--workers", type=int, default=2, help="derivation worker processes")
    s.set_defaults(run=run_serve)
    return p


def _expr_options(p):
    p.add_argument("expr", metavar="EXPR", nargs="?",
                   help="the expression ('-' reads it from stdin); definitions first: "
                        "\"h = tanh(W @ x); sum(h)\"")
    p.add_argument("-f", "--file", metavar="FILE",
                   help="read the expression from FILE: definitions one per line "
                        "(h = tanh(W1 @ x)), # comments, the expression last")


def _shape_option(p):
    p.add_argument("--shape", action="append", default=[], metavar="NAME:DIMS",
                   help="declare a shape: w:n (vector), A:m,n (matrix), b:scalar, x:3; "
                        "repeat for each name")


def _reading_options(p):
    p.add_argument("--dialect", choices=("matcalc", "matrixcalculus"), default="matcalc",
                   help="matcalc (default) or matrixcalculus: matrixcalculus.org's syntax "
                        "(* the matrix product, .* ./ .^ element-wise, a-g scalars, h-z "
                        "vectors, A-Z matrices)")
    p.add_argument("--ascii", action="store_true",
                   help="plain ASCII output: x' for xᵀ, * for ⊙, 1 for 𝟏, d/dx for ∂/∂x "
                        "(automatic when the terminal cannot show Unicode)")


def main(argv=None) -> int:
    make_output_safe()
    parser = build_parser()
    argv, dashed = _protect_leading_minus(sys.argv[1:] if argv is None else list(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:             # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else 2
    if getattr(args, "expr", None) in dashed:
        args.expr = args.expr[1:]
    plain = getattr(args, "ascii", False) or (needs_ascii() and
                                               getattr(args, "format", "") in ("text", "latex"))
    with ascii_output(plain):
        code = _run(args)
    if argv is None:        # the command is the process, and it ends here
        _exit_now(code)
    return code


def _exit_now(code) -> None:
    """End the process with `code` once its output is out: flush stdout and stderr, run the
    atexit handlers, then `os._exit`, skipping the interpreter's teardown (freeing every
    module, the loaded rulebook, the parser's tables one object at a time), a fifth of a
    cold derive's wall time (bench/results/cold-start-floor.txt).  Only when nothing else
    could need that teardown: one thread, an integer status, streams that flush cleanly;
    otherwise the interpreter exits as usual."""
    threading = sys.modules.get("threading")        # not imported: no thread was started
    if not (code is None or isinstance(code, int)) or \
            (threading is not None and threading.active_count() != 1):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):       # a closed pipe: the interpreter's exit reports it
        return
    import atexit
    atexit._run_exitfuncs()             # once: from here on the process ends here
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()              # what a handler printed
        except (OSError, ValueError):
            pass
    os._exit(code or 0)


def _run(args) -> int:
    try:
        return args.run(args)
    except MatcalcError as e:
        if e.exit_status == EX_INTERNAL:
            error(f"{e}\n  please report it (run with MATCALC_DEBUG=1 for the traceback)")
            return EX_INTERNAL
        error(str(e))
        return 2
    except KeyboardInterrupt:
        error("interrupted")
        return EX_INTERRUPTED
    except BrokenPipeError:             # `matcalc table | head`
        silence_stdout()
        return 0
    except Exception as e:              # noqa: BLE001 — the promise is: no tracebacks
        if os.environ.get("MATCALC_DEBUG") == "1":
            raise
        error(f"internal error: {type(e).__name__}: {e!s:.300}, please report it "
              "(run with MATCALC_DEBUG=1 for the traceback)")
        return EX_INTERNAL


def _protect_leading_minus(argv):
    """`matcalc derive "-x^2" --wrt x`: argparse would take -x^2 for an option.  The options
    of matcalc are long (--wrt), so any other word with a leading '-' is an expression: hide the
    minus behind a space while argparse looks, and take the space off after.  (`-f FILE` is the
one short option.)"""
    out, dashed = [], set()
    for tok in argv:
        if tok.startswith("-") and tok not in ("-", "-h", "-f", "--") and \
                not re.fullmatch(r"--[a-z][a-z-]*(=.*)?", tok, re.S):
            tok = " " + tok
            dashed.add(tok)
        out.append(tok)
    return out, dashed
