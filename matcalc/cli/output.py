"""What the command prints, and how: notes and errors on stderr, the shapes line, JSON, and
plain-ASCII output (`--ascii`, or automatically when stdout cannot encode Unicode).

Owns: `note`, `error`, `print_json`, `to_ascii`,
`ascii_output` (a context that transliterates stdout and stderr), `needs_ascii`,
`make_output_safe`, `silence_stdout`.
ASCII spells the paper's notation as a plain terminal can: `xᵀ` → `x'`, `⊙` → `*`, `⊘` → `/`,
`·` → `.`, `𝟏` → `1` (the vector of ones: the shape line says its shape), `∂/∂x` → `d/dx`,
`u₁` → `u1`, Greek letters by name (`β` → `beta`), `×` in shapes → `x`.
"""
from __future__ import annotations

import contextlib
import os
import sys
import unicodedata

ASCII = {"ᵀ": "'", "⊤": "'", "⊙": "*", "⊗": "*", "⊘": "/", "·": ".", "⋅": ".", "𝟏": "1",
         "𝟎": "0", "∂": "d", "²": "^2", "³": "^3", "×": "x", "…": "...", "→": "->",
         "−": "-", "≤": "<=", "≥": ">=", "≈": "~", "√": "sqrt", "π": "pi", "σ": "sigmoid",
         "↔": "<->", "—": "--", "–": "-", "‖": "||", "≠": "!=", "±": "+-",
         **{chr(0x2080 + i): str(i) for i in range(10)},
         **{chr(0x2070 + i): f"^{i}" for i in (0, 4, 5, 6, 7, 8, 9)}, "¹": "^1"}
_PROBE = "xᵀ ⊙ 𝟏 ∂ ×"


def to_ascii(text: str) -> str:
    """The text in plain ASCII (see the module docstring)."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch in ASCII:
            out.append(ASCII[ch])
        else:
            name = unicodedata.name(ch, "")
            if name.startswith("GREEK ") and " LETTER " in name:
                word = name.rsplit(" ", 1)[-1].lower()
                out.append(word.capitalize() if "CAPITAL" in name else word)
            else:
                out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore")
                           .decode() or "?")
    return "".join(out)


class _AsciiStream:
    """A text stream that writes what it is given in ASCII."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, s: str) -> int:
        self._stream.write(to_ascii(s))
        return len(s)

    def __getattr__(self, name):            # flush, fileno, encoding, …
        return getattr(self._stream, name)


@contextlib.contextmanager
def ascii_output(enabled: bool):
    """Within: stdout and stderr in ASCII (when `enabled`)."""
    if not enabled:
        yield
        return
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _AsciiStream(sys.stdout), _AsciiStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def needs_ascii(stream=None) -> bool:
    """True when `stream` (stdout) cannot encode the paper's notation."""
    stream = stream if stream is not None else sys.stdout
    enc = getattr(stream, "encoding", None) or "ascii"
    try:
        _PROBE.encode(enc)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


def note(message: str) -> None:
    print(f"matcalc: note: {message}", file=sys.stderr)


def error(message: str) -> None:
    print(f"matcalc: {message}", file=sys.stderr)


def print_json(obj, ascii_only: bool = False) -> None:
    import json
    print(json.dumps(obj, ensure_ascii=ascii_only, indent=2, default=str))


def make_output_safe() -> None:
    """A character a stream cannot encode becomes an escape, never a crash (the ASCII mode
    spells the notation itself; this is the net under it)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if (stream.encoding or "").lower().replace("-", "") != "utf8":
                stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass


def silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
