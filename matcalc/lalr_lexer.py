"""The lexer of matcalc's LALR parser (`matcalc.lalr`): Lark's contextual lexer over the
terminals of `matcalc._parse_tables`, each matched by a small backtracking matcher over the
program `matcalc.parser_gen` made of its regular expression (literals, classes, greedy
repeats, alternatives, lookaheads: the semantics of `re.match`), or by `re` for an expression
beyond that — so a cold start compiles no regular expression.

Owns: `match_terminal(program, text, pos) -> end | -1`, `LexState`, `Lexer` (the terminals
one parser state can take, and the ignored ones, in Lark's order of preference).
"""
from __future__ import annotations

from . import _parse_tables as _T
from .lalr_types import Token, UnexpectedCharacters

LIT, SET, REP, ALT, LOOK, ANY = range(6)          # a terminal program's nodes (parser_gen)


def _end(pos):
    return pos


def _in(cls, c) -> bool:
    _, singles, ranges, cats, negate = cls
    hit = c in singles
    if not hit:
        for lo, hi in ranges:
            if lo <= c <= hi:
                hit = True
                break
    if not hit and cats:
        for k in cats:
            if (k in "sS" and c.isspace() == (k == "s")) or \
                    (k in "dD" and c.isdecimal() == (k == "d")) or \
                    (k in "wW" and (c.isalnum() or c == "_") == (k == "w")):
                hit = True
                break
    return hit != negate


def _match(seq, i, text, pos, k):
    """Match seq[i:] at pos, then the continuation k(end): the end position, or -1.  Greedy
    repeats back off and alternatives are tried in order, as `re` does."""
    n = len(seq)
    while i < n:
        node = seq[i]
        kind = node[0]
        if kind == LIT:
            if not text.startswith(node[1], pos):
                return -1
            pos += len(node[1])
        elif kind == SET:
            if pos >= len(text) or not _in(node, text[pos]):
                return -1
            pos += 1
        elif kind == REP:
            lo, hi, body = node[1], node[2], node[3]
            if len(body) == 1 and body[0][0] == SET:      # a class repeated: count, back off
                cls, j, end = body[0], pos, min(len(text), pos + hi)
                while j < end and _in(cls, text[j]):
                    j += 1
                while j - pos >= lo:
                    r = _match(seq, i + 1, text, j, k)
                    if r >= 0:
                        return r
                    j -= 1
                return -1
            return _repeat(seq, i, body, lo, hi, 0, text, pos, k)
        elif kind == ALT:
            for branch in node[1]:
                r = _match(branch, 0, text, pos, lambda q: _match(seq, i + 1, text, q, k))
                if r >= 0:
                    return r
            return -1
        elif kind == LOOK:
            if (_match(node[2], 0, text, pos, _end) >= 0) != node[1]:
                return -1
        else:                                                # ANY (no DOTALL)
            if pos >= len(text) or text[pos] == "\n":
                return -1
            pos += 1
        i += 1
    return k(pos)


def _repeat(seq, i, body, lo, hi, count, text, pos, k):
    if count < hi:
        r = _match(body, 0, text, pos,
                   lambda q: _repeat(seq, i, body, lo, hi, count + 1, text, q, k))
        if r >= 0:
            return r
    if count >= lo:
        return _match(seq, i + 1, text, pos, k)
    return -1


_REGEXPS: dict = {}


def match_terminal(program, text: str, pos: int) -> int:
    """Where the terminal's match at `pos` ends, or -1."""
    if isinstance(program, str):
        return pos + len(program) if text.startswith(program, pos) else -1
    if program[0] == "re":
        rx = _REGEXPS.get(program[1])
        if rx is None:
            import re
            rx = _REGEXPS[program[1]] = re.compile(program[1])
        m = rx.match(text, pos)
        return m.end() if m else -1
    return _match(program, 0, text, pos, _end)


class LexState:
    __slots__ = ("text", "pos", "line", "column", "line_start", "last_token")

    def __init__(self, text):
        self.text = text
        self.pos, self.line, self.column, self.line_start = 0, 1, 1, 0
        self.last_token = None

    def feed(self, value, newline):
        if newline:
            lines = value.count("\n")
            if lines:
                self.line += lines
                self.line_start = self.pos + value.rindex("\n") + 1
        self.pos += len(value)
        self.column = self.pos - self.line_start + 1


def _may_start(program, c: str) -> bool:
    """Whether a match of the terminal may begin with the character c (False only where it
    certainly cannot: its first node is a literal or a class that c is not in)."""
    if isinstance(program, str):
        return program.startswith(c)
    if not program or program[0] == "re":
        return True
    node = program[0]
    if node[0] == LIT:
        return node[1].startswith(c) or (not node[1] and _may_start(program[1:], c))
    if node[0] == SET:
        return _in(node, c)
    if node[0] == ALT:
        return any(_may_start(tuple(branch) + tuple(program[1:]), c) for branch in node[1])
    if node[0] == REP:        # its body first; what follows too where it may repeat 0 times
        return _may_start(tuple(node[3]) + tuple(program[1:]), c) or \
            (node[1] == 0 and _may_start(program[1:], c))
    return True


WARM = 200      # a terminal's program tried this often in a process: compiled with `re`


class _Warm:
    """How a terminal is matched in this process: by its program until it has been tried
    WARM times, then by its regular expression compiled (one `re` call instead of a walk of
    the program: a cold `matcalc derive` compiles nothing, a server or a loop of
    derivations lexes at `re`'s speed; both give `re.match`'s end)."""
    __slots__ = ("name", "program", "uses", "rx")

    def __init__(self, name, program):
        self.name, self.program, self.uses, self.rx = name, program, 0, None

    def end(self, text: str, pos: int) -> int:
        rx = self.rx
        if rx is None:
            self.uses += 1
            if self.uses < WARM or self.name not in _T.REGEXPS:
                return match_terminal(self.program, text, pos)
            import re
            rx = self.rx = re.compile(_T.REGEXPS[self.name])
        m = rx.match(text, pos)
        return m.end() if m else -1


_MATCHERS: dict = {}        # terminal name -> its _Warm (one per terminal, for every lexer)


def _matcher(name, program):
    """(a literal's text, None) or (None, the terminal's _Warm)."""
    if isinstance(program, str):
        return program, None
    w = _MATCHERS.get(name)
    if w is None:
        w = _MATCHERS[name] = _Warm(name, program)
    return None, w


class Lexer:
    """The terminals one parser state can take (and the ignored), in order of preference;
    for each character met, those that may begin with it (the same order: the same match,
    without trying the terminals that cannot)."""

    def __init__(self, terminals):
        self.terminals = terminals
        allowed = {t[0] for t in terminals} - set(_T.IGNORE)
        self.allowed = allowed or {"<END-OF-FILE>"}
        self._starting: dict = {}           # character -> the terminals that may begin with it

    def next_token(self, ls: LexState, state):
        text = ls.text
        starting = self._starting
        while ls.pos < len(text):
            start = ls.pos
            c = text[start]
            candidates = starting.get(c)
            if candidates is None:
                candidates = starting[c] = [(t[0], t[1]) + _matcher(t[0], t[2])
                                            for t in self.terminals if _may_start(t[2], c)]
            for name, newline, literal, warm in candidates:
                if literal is not None:
                    if text.startswith(literal, start):
                        end = start + len(literal)
                        break
                    continue
                end = warm.end(text, start)
                if end >= 0:
                    break
            else:
                raise UnexpectedCharacters(text, start, ls.line, ls.column,
                                           allowed=set(self.allowed),
                                           token_history=ls.last_token and [ls.last_token],
                                           state=state)
            value = text[start:end]
            if name in _T.IGNORE:
                ls.feed(value, newline)
                continue
            t = Token(name, value, start, ls.line, ls.column)
            ls.feed(value, newline)
            t.end_line, t.end_column, t.end_pos = ls.line, ls.column, ls.pos
            ls.last_token = t
            return t
        return None
