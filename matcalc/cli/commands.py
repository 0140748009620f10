"""The subcommands: `derive`, `parse`, `table` — each reads its arguments, asks matcalc, and
prints text (the shapes line marks the inferred shapes), LaTeX, JSON or code.

Owns: `run_derive`, `run_parse`, `run_table`, and the notes printed on stderr before any
output (how the text was read; a --wrt absent from it).  Plain `derive` and `parse` import
neither SymPy nor NumPy: the checker, code export and tables are imported only when asked.
"""
from __future__ import annotations

import sys

from ..errors import UsageError
from ..answer import format_var_shapes, text_answer, wrt_notes
from .checks import check_declared, check_sizes, parse_shapes, parse_sizes
from .output import note, print_json


def run_parse(args) -> int:
    from ..reader import read
    from ..sizes import format_shape
    text = read_expr(args.expr, args.file)
    declared = parse_shapes(args.shape)
    reading = read(text, declared or None, args.dialect)
    check_declared(declared, reading.expr.free_vars())
    for message in reading.notes:
        note(message)
    expr, var_shapes = reading.expr, reading.shapes
    if args.format == "latex":
        from ..printing.latex import to_latex
        print(to_latex(expr))
    elif args.format == "json":
        from ..printing.latex import to_latex
        print_json({"input": text, "text": str(expr), "latex": to_latex(expr),
                    "shape": [str(d) for d in expr.shape],
                    "shapes": {k: [str(d) for d in v] for k, v in var_shapes.items()},
                    "inferred": list(reading.inferred), "notes": list(reading.notes),
                    "tree": _tree_dict(expr)}, args.ascii)
    else:
        from ..naming import with_names
        named, where = with_names(expr, reading.definitions)
        print(str(named))
        for name, body in where:
            print(f"  where {name} = {body}")
        print(f"  shape {format_shape(expr.shape)}; "
              f"{format_var_shapes(var_shapes, set(declared))}")
    return 0


def run_derive(args) -> int:
    import matcalc
    text = read_expr(args.expr, args.file)
    if args.with_check and args.format not in ("numpy", "pytorch", "jax"):
        raise UsageError("--with-check goes with --format numpy, pytorch or jax",
                         label="bad-option")
    declared = parse_shapes(args.shape)
    q = matcalc.Question.ask(text, args.wrt, declared or None, order=args.order,
                             layout=args.layout, form=args.form, mixed=args.mixed,
                             dialect=args.dialect, sym=args.sym, vec=args.vec)
    check_declared(declared, q.expr.free_vars(), q.wrt)
    sizes = parse_sizes(args.check_sizes) if args.check_sizes else None
    if sizes:
        check_sizes(sizes, q.shapes)
    for message in q.notes:
        note(message)
    for message in wrt_notes(q):
        note(message)
    d = matcalc.derive(q)
    report = d.check(sizes=sizes) if (args.check or sizes) else None
    failed = report is not None and not report.passed
    if args.format == "json":
        out = d.to_dict()
        if report is not None and "check" not in out:
            out["check"] = report.to_dict()
        print_json(out, args.ascii)
    elif args.format == "latex":
        print(d.latex)
        if args.steps:
            print(d.steps_latex())
        if report is not None:
            print(str(report), file=sys.stderr if not failed else sys.stdout)
    elif args.format in ("numpy", "pytorch", "jax"):
        codegen = optional("matcalc.codegen", "code export")
        print(codegen.export(d, args.format, with_check=args.with_check))
    else:
        print(text_answer(d))
        if args.steps:
            print(d.steps_text())
        if report is not None:
            print(str(report))
    return 1 if failed else 0


def run_serve(args) -> int:
    from ..server import run                # only `matcalc serve` imports the server
    return run(args)


def run_table(args) -> int:
    from .help import table_names
    if args.list:
        print("\n".join(table_names()))
        return 0
    names = table_names()
    if args.only is not None and names and args.only not in names:   # say so before deriving
        import difflib
        close = difflib.get_close_matches(args.only, names, n=1)
        raise UsageError(f"--only {args.only}: no table of that name; the tables are: "
                         f"{', '.join(names)}", label="unknown-table",
                         hint=f"did you mean --only {close[0]}?" if close else
                         "matcalc table --list shows them")
    tables = optional("matcalc.tables", "the reference tables")
    out = tables.render(format=args.format, only=args.only)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(out if out.endswith("\n") else out + "\n")
    else:
        print(out)
    return 0


def _tree_dict(e) -> dict:
    node = {"op": e.op, "shape": [str(d) for d in e.shape]}
    if e.value is not None:
        node["value"] = str(e.value)
    if e.args:
        node["args"] = [_tree_dict(a) for a in e.args]
    return node


def read_expr(expr: str | None, path: str | None = None) -> str:
    """The text to read: EXPR, stdin ('-') or the file of -f (one of them)."""
    from ..parse_errors import MAX_PROGRAM_LENGTH
    if (expr is None) == (path is None):
        raise UsageError("give the expression (EXPR) or a file (-f FILE), one of them",
                         label="no-expression" if expr is None else "bad-option",
                         hint='e.g. matcalc derive "sum(tanh(W @ x))" --wrt W, or '
                              "matcalc derive -f model.mc --wrt W")
    if path is not None:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read(MAX_PROGRAM_LENGTH + 1).strip()
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}",
                             label="bad-file") from None
    if expr != "-":
        return expr
    return sys.stdin.read(MAX_PROGRAM_LENGTH + 1).strip()


def optional(module: str, what: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name == module:
            raise UsageError(f"{what}: not available yet in this build of matcalc",
                             label="not-available") from None
        raise
