"""A text of several statements: named intermediates, then the expression.

    h = tanh(W1 @ x)         # a definition: a name for a part
    z = W2 @ h
    norm(z - y)^2            # the expression to differentiate: the last statement

Owns: `Program` (what the parser returns), `grammar_text(text)` — the text as the grammar reads it: `#` comments blanked and the
line breaks that end a statement turned into `;` — and `Definitions`, the names defined so
far while the parser builds the tree (each use of a name is a `ref` node over the one
subtree of its definition, so the tree is a DAG and depth is a matter of lines, not nesting).
Invariant: `grammar_text` replaces characters one for one, so every span the parser records
points into the user's own text.

A line break ends a statement when it is outside brackets, the line so far holds something
and does not end with an operator or a comma, and the next line does not start with an
operator that needs a left operand (`* / @ ^ ⊙ …`).  So a long expression may continue on the
next line after a trailing `+`, or inside parentheses.

>>> grammar_text("h = x  # the input\\nsum(h)")
'h = x             ;sum(h)'
"""
from __future__ import annotations

from .records import record

from .errors import ParseError
from .tree import Expr

# a line ending in one of these continues on the next line
CONTINUES = set("+-−*/@^⊙⊗⊘·⋅×=,([.;")
# a line starting with one of these continues the line before
CONTINUED = set("*/@^⊙⊗⊘·⋅×=')]ᵀ⊤,.")


def grammar_text(text: str) -> str:
    """`text` with comments blanked and statement-ending line breaks as ';' (same length)."""
    if "\n" not in text and "#" not in text:
        return text
    chars = list(text)
    depth = 0
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch == "#":
            while i < len(chars) and chars[i] != "\n":
                chars[i] = " "
                i += 1
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "\n" and depth == 0 and _ends_statement(chars, i):
            chars[i] = ";"
        i += 1
    return "".join(chars)


def _ends_statement(chars: list, i: int) -> bool:
    # the characters either side, found without copying the text (it may hold thousands of
    # lines, each asking)
    j = i - 1
    while j >= 0 and chars[j].isspace():
        j -= 1
    k = i + 1
    while k < len(chars) and chars[k].isspace():
        k += 1
    before = chars[j] if j >= 0 else None
    after = chars[k] if k < len(chars) else None
    return before is not None and before not in CONTINUES and after is not None and \
        after != "#" and after not in CONTINUED


@record(frozen=True)
class Program:
    """A parsed text: the expression (a DAG: each use of a defined name is a `ref` node over
    its definition's subtree) and the definitions, in order: (name, subtree, span)."""
    expr: Expr
    definitions: tuple = ()
    unused: tuple = ()


class Definitions:
    """The names a text defines, in order, and the names its statements have used so far;
    the parser asks it about every name it reads."""

    def __init__(self, text: str, reserved):
        self.text = text
        self.reserved = reserved       # names that cannot be defined (functions, I)
        self.nodes: dict[str, Expr] = {}
        self.spans: dict[str, tuple] = {}
        self.used: dict[str, tuple] = {}      # name -> span of its first use as a variable
        self.referenced: set = set()

    def use(self, name: str, span) -> Expr | None:
        """A use of `name`: the `ref` node of its definition, or None (a variable)."""
        if name in self.nodes:
            self.referenced.add(name)
            return Expr("ref", (self.nodes[name],), None, name, span)
        self.used.setdefault(name, span)
        return None

    def define(self, name: str, span, node: Expr) -> None:
        if name in self.reserved:
            raise ParseError(f"'{name}' cannot be defined: it is {self.reserved[name]}",
                             text=self.text, span=span, label="bad-definition",
                             hint="choose another name, e.g. h, z1, H_attn")
        if name in self.nodes:
            raise ParseError(f"'{name}' is defined twice", text=self.text, span=span,
                             label="bad-definition",
                             hint=f"give the new value a new name ({name}2, {name}_new, …)")
        if name in self.used:
            first = self.used[name]
            where = "in its own definition" if first[0] > span[0] else "before it is defined"
            raise ParseError(f"'{name}' is used {where}", text=self.text, span=first,
                             label="bad-definition",
                             hint="a name means its definition from the line that defines it "
                                  "on; use another name for the variable, or define it first")
        self.nodes[name] = node
        self.spans[name] = span

    @property
    def unused(self) -> list:
        return [n for n in self.nodes if n not in self.referenced]
