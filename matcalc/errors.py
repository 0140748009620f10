"""One family of errors, each saying what went wrong, where (a caret under the text) and how to fix it.

Owns: `MatcalcError` and its subclasses.  Every message a user can see is built here, so the
CLI prints `str(error)` and exits 2 (1 for a failed check) — never a traceback.
"""
from __future__ import annotations


class MatcalcError(Exception):
    """Base of every error matcalc raises on purpose.

    `label` is a short stable tag (e.g. "unclosed-paren") that tests and tools can rely on;
    `text` and `span` locate the problem in the user's input.
    """

    kind = "error"
    exit_status = 2

    def __init__(self, message: str, *, text: str | None = None, span=None,
                 hint: str | None = None, label: str | None = None):
        self.message = message
        self.text = text
        self.span = span
        self.hint = hint
        self.label = label or self.kind
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.kind}: {self.message}"]
        if self.text is not None and self.span is not None:
            lines.extend(pointer(self.text, self.span))
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class ParseError(MatcalcError):
    kind = "parse error"


class ShapeError(MatcalcError):
    kind = "shape error"


class UnsupportedError(MatcalcError):
    kind = "unsupported"


class UsageError(MatcalcError):
    """A command line or API argument that cannot be used: a --wrt naming no variable of the
    expression, a bad --shape or --check-sizes, a feature not available yet."""
    kind = "usage error"


class ArgumentError(UsageError, TypeError):
    """A function matcalc made (`Derivation.lambdify()`) called with arguments missing,
    unknown or given twice: a UsageError, and a TypeError as for any Python function."""
    kind = "argument error"


class RuleFileError(MatcalcError):
    kind = "rule file error"


class InternalError(MatcalcError):
    """matcalc broke one of its own invariants (a bug, not the user's input): exit 70."""
    kind = "internal error"
    exit_status = 70


class PrintError(InternalError):
    """A printer met a node it has no rule for: matcalc built something it cannot show."""
    kind = "print error"


class CheckError(MatcalcError):
    """A verification could not be carried out (not: a derivative that failed it)."""
    kind = "check error"


def pointer(text: str, span, width: int = 72) -> list[str]:
    """Two lines: the (windowed) source line and a caret run under `span`."""
    start, end = span
    start = max(0, min(start, len(text)))
    end = max(start + 1, min(end, len(text) + 1))
    # work on the line that holds `start`
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    if line_end == -1:
        line_end = len(text)
    line = text[line_start:line_end]
    col, col_end = start - line_start, min(end - line_start, len(line) + 1)
    # window long lines around the caret
    off = max(0, col - width // 2) if len(line) > width else 0
    shown = line[off:off + width]
    shown = "".join(ch if ch.isprintable() else "�" for ch in shown)
    prefix = "…" if off else ""
    suffix = "…" if off + width < len(line) else ""
    caret_len = max(1, min(col_end, off + width) - col)
    return ["  " + prefix + shown + suffix,
            "  " + " " * (len(prefix) + col - off) + "^" * caret_len]
