"""Parse errors that say what, where and how to fix: the parser's failures labelled by example
(`match_examples`), the names of the tokens a user can see, and hints for characters the
language does not have.

Owns: `token_error(e, text, start, parser) -> ParseError`, `char_hint(ch)`, `ERROR_EXAMPLES`,
`HINTS`, `TOKEN_NAMES`, and the limits on input: length — per statement, and of a whole text
of definitions — and characters (`check_text`), nesting depth (`check_depth`), the range of a
number (`number`).
"""
from __future__ import annotations

from fractions import Fraction

from .errors import ParseError

MAX_LENGTH = 10_000              # characters of one statement (an expression or a definition)
MAX_PROGRAM_LENGTH = 40_000      # characters of a whole text of definitions
MAX_DEPTH = 200

TOKEN_NAMES = {
    "PLUS": "'+'", "MINUS": "'-'", "MULOP": "an operator (* / @ · ⊙ ⊘)", "POW": "'^'",
    "TRANSPOSE": "a transpose (')", "LPAR": "'('", "RPAR": "')'", "LBRACK": "'['",
    "RBRACK": "']'", "COMMA": "','", "SEMI": "';'", "NUMBER": "a number", "NAME": "a name",
    "CALLNAME": "a function call", "PVAR": "a pattern variable", "ONES": "𝟏", "ZEROS": "𝟎",
    "$END": "the end of the input",
}

# Known-bad inputs, one list per label: a new error is matched against these by parser state
# (`UnexpectedInput.match_examples`, matcalc.lalr).
ERROR_EXAMPLES = {
    "unclosed-paren": ["exp(x", "(x + y", "max(0, x", "(x", "((x)", "sum((x)", "[x, y"],
    "unmatched-paren": ["x)", "x + y)", "(x))", "x]"],
    "missing-operand": ["x +", "x *", "x @", "x -", "x ^", "max(0, x + )", "exp(x +)",
                        "x * )", "(x + )", "x /", "x ·"],
    "double-operator": ["x * * y", "x + * y", "x @ @ y", "x ^ * y", "x / @ y", "x * / y"],
    "leading-operator": ["* x", "@ x", "/ x", "^ x", "· x"],
    "empty-parentheses": ["()", "x + ()", "exp()", "max()", "[]", "x + []", "[]'"],
    "trailing-comma": ["max(0, x,)", "[x, ]", "max(x,)"],
    "misplaced-comma": [", x", "x , y", "(x, y)", "x + , y"],
    "dangling-transpose": ["'x", "ᵀx"],
}

HINTS = {
    "unclosed-paren": "add the missing ')' (or ']')",
    "unmatched-paren": "remove the extra closing bracket or add its opening one",
    "missing-operand": "an operator needs something on both sides",
    "double-operator": "two operators in a row: remove one (powers are written x^2, not x**2)",
    "leading-operator": "the expression starts with an operator that needs a left operand",
    "empty-parentheses": "put an expression inside the brackets",
    "trailing-comma": "remove the comma before the closing bracket",
    "misplaced-comma": "commas only separate function arguments and vector entries",
    "dangling-transpose": "a transpose follows what it transposes: x'",
}


def char_hint(ch: str) -> str | None:
    return {
        "=": "matcalc differentiates expressions, not equations: drop the '= …' part",
        "{": "use ( ) for grouping and [ ] for vector literals",
        "}": "use ( ) for grouping and [ ] for vector literals",
        "!": "factorials are not supported",
        "&": "logical operators are not supported",
        "|": "write norm(x) for a norm and abs(x) for an absolute value",
        "#": "comments are not part of an expression",
        "$": "write plain text, not LaTeX",
        "\\": "write plain text, not LaTeX: e.g. w.x for \\mathbf{w}\\cdot\\mathbf{x}",
        "?": "pattern variables (?u) belong in rule files only",
        "∑": "write sum(x)",
        "√": "write sqrt(x)",
        "∂": "give the variable with --wrt (API: wrt=...), not in the expression",
        "÷": "write / for division",
        "²": "write x^2 for a power", "³": "write x^3 for a power",
        "`": "a transpose is written x' or xᵀ",
        '"': "write the expression without quotes",
    }.get(ch, "names use Latin or Greek letters, digits and _" if ch.isalpha() else
          "use names, numbers, + - * / ^ @ . ' and functions like exp(x)")


def token_error(e, text: str, start: str, parser) -> ParseError:
    label = None
    try:
        label = e.match_examples(lambda s: parser.parse(s, start=start), ERROR_EXAMPLES,
                                 use_accepts=True)
    except Exception:  # match_examples itself must never leak an exception
        label = None
    token = getattr(e, "token", None)
    pos = getattr(token, "start_pos", None)
    if pos is None or getattr(token, "type", "") == "$END":
        pos = len(text.rstrip())
        span = (max(0, pos - 1), pos) if pos else (0, 1)
    else:
        span = (pos, max(pos + 1, getattr(token, "end_pos", pos + 1) or pos + 1))
    expected = sorted({TOKEN_NAMES.get(t, t) for t in getattr(e, "expected", ()) or ()})
    if getattr(token, "type", "") == "$END":
        what = "the expression ends too early"
        label = label or "missing-operand"
    else:
        what = f"unexpected {str(token)!r}" if token is not None else "unexpected input"
    if "**" in text:
        label, hint = "double-operator", "powers are written x^2, not x**2"
    else:
        hint = HINTS.get(label)
    if hint is None and expected:
        hint = "expected " + ", ".join(expected[:6])
    return ParseError(what, text=text, span=span, hint=hint, label=label or "syntax")


def check_text(text: str) -> None:
    """The limits on the text itself: each statement at most MAX_LENGTH characters, a text
    of definitions at most MAX_PROGRAM_LENGTH in all; printable characters; not empty."""
    if len(text) > MAX_PROGRAM_LENGTH:
        raise ParseError(f"the text is {len(text):,} characters long; the limit is "
                         f"{MAX_PROGRAM_LENGTH:,} (and {MAX_LENGTH:,} per statement)",
                         hint="split the model into smaller texts", label="too-long")
    if len(text) > MAX_LENGTH:
        start, end = _longest_statement(text)
        if end - start > MAX_LENGTH:
            whole = (start, end) == (0, len(text))
            what = "the expression is" if whole else "a statement is"
            raise ParseError(f"{what} {end - start:,} characters long; the limit is "
                             f"{MAX_LENGTH:,}" + ("" if whole else " per statement"),
                             text=None if whole else text,
                             span=None if whole else (start, start + 1),
                             hint="split the expression or name subexpressions "
                                  "(h = …; one definition per line)", label="too-long")
    if not text.strip():
        raise ParseError("the expression is empty", hint='type an expression, e.g. "w.x + b"',
                         label="empty")
    for i, ch in enumerate(text):
        if ch in "\t\n\r":
            continue
        if not ch.isprintable():
            raise ParseError(f"control character {ch!r} (U+{ord(ch):04X}) in the expression",
                             text=text, span=(i, i + 1), hint="remove it",
                             label="control-character")


def _longest_statement(text: str) -> tuple:
    """(start, end) of the longest statement of `text`: statements end at a `;` or a line
    break outside brackets (`statements.grammar_text` says which line breaks end one)."""
    from .statements import grammar_text
    read = grammar_text(text)
    best, start, depth = (0, 0), 0, 0
    for i, ch in enumerate(read):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = i + 1
    if len(read) - start > best[1] - best[0]:
        best = (start, len(read))
    return best


def check_depth(tree, text: str) -> None:
    """Reject trees nested deeper than MAX_DEPTH, without recursion (the parser is iterative)."""
    from .lalr import Tree
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = getattr(node, "meta", None)
            pos = getattr(meta, "start_pos", 0) if meta is not None and not meta.empty else 0
            raise ParseError(f"the expression is nested more than {MAX_DEPTH} levels deep "
                             "(brackets, calls, signs and chains of operators all nest)",
                             text=text, span=(pos, pos + 1),
                             hint="name an inner part, or split a long chain into parts",
                             label="too-deep")
        for ch in node.children:
            if isinstance(ch, Tree):
                stack.append((ch, depth + 1))


MAX_EXPONENT = 400


def number(s: str, span=None, text=None) -> Fraction:
    # Fraction("1e999999999") would build a billion-digit integer: bound the exponent first
    mant, _, exp = s.lower().partition("e")
    if exp and abs(int(exp)) > MAX_EXPONENT:
        raise ParseError(f"the number {s[:20]}{'…' if len(s) > 20 else ''} is out of range "
                         f"(exponents up to ±{MAX_EXPONENT})", text=text, span=span,
                         label="number-out-of-range")
    return Fraction(s)
