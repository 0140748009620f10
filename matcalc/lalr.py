"""matcalc's LALR(1) parser: a small driver for the tables of `matcalc._parse_tables`, which
`python -m matcalc.parser_gen` writes from grammar/matcalc.lark with Lark's analysis.  It
imports no `lark`, and nothing beyond the tables: a cold `matcalc derive` pays neither for
Lark's runtime (typing, logging, pickle, …) nor for compiling its lexers' regular expressions.

It does what Lark's LALR parser does with the options matcalc uses (`lexer="contextual"`,
`propagate_positions=True`, no transformer), so it gives the same trees and the same errors —
tests/test_parse_cases.py compares both with Lark's on every case:
- the lexer is contextual: in each parser state only the terminals that state can take (and
  the ignored ones) compete, in Lark's order of preference (priority, longest possible match,
  name), the first that matches wins; when none does, the text is lexed with every terminal
  to say which token was unexpected (`UnexpectedToken`), else `UnexpectedCharacters`;
- a terminal is matched by a little backtracking matcher over the program the generator made
  of its regular expression (literals, classes, greedy repeats, alternatives, lookaheads: the
  semantics of `re.match`), or by `re` for an expression beyond that;
- the tree: `?rule` with one child is that child, `-> alias` names the node, `_rule` children
  are spliced in, every node's `meta` spans its tokens (Lark's `PropagatePositions`);
- errors carry the parser state, what it expected, and `match_examples` (Lark's: label an
  error by the known-bad example that fails in the same state, `use_accepts` included).

Owns: `Parser`, `Token`, `Tree`, `Meta`, `UnexpectedInput`, `UnexpectedCharacters`,
`UnexpectedToken`.  The tables' format is `matcalc.parser_gen`'s.
"""
from __future__ import annotations

from . import _parse_tables as _T

LIT, SET, REP, ALT, LOOK, ANY = range(6)          # a terminal program's nodes (parser_gen)


class Token(str):
    """A token: its text, its terminal's name (`type`) and where it is."""
    __slots__ = ("type", "start_pos", "value", "line", "column", "end_line", "end_column",
                 "end_pos")

    def __new__(cls, type, value, start_pos=None, line=None, column=None, end_line=None,
                end_column=None, end_pos=None):
        inst = str.__new__(cls, value)
        inst.type = type
        inst.start_pos = start_pos
        inst.value = value
        inst.line = line
        inst.column = column
        inst.end_line = end_line
        inst.end_column = end_column
        inst.end_pos = end_pos
        return inst

    @classmethod
    def new_borrow_pos(cls, type_, value, borrow_t):
        return cls(type_, value, borrow_t.start_pos, borrow_t.line, borrow_t.column,
                   borrow_t.end_line, borrow_t.end_column, borrow_t.end_pos)

    def __reduce__(self):
        return (self.__class__, (self.type, self.value, self.start_pos, self.line, self.column))

    def __repr__(self):
        return "Token(%r, %r)" % (self.type, self.value)

    def __eq__(self, other):
        if isinstance(other, Token) and self.type != other.type:
            return False
        return str.__eq__(self, other)

    __hash__ = str.__hash__


class Meta:
    """Where a node is: `empty`, or line, column, start_pos, end_line, end_column, end_pos."""

    def __init__(self):
        self.empty = True


class Tree:
    """A node of the parse tree: the rule's (or alias's) name and its children."""
    __slots__ = ("data", "children", "_meta")

    def __init__(self, data, children, meta=None):
        self.data = data
        self.children = children
        self._meta = meta

    @property
    def meta(self) -> Meta:
        if self._meta is None:
            self._meta = Meta()
        return self._meta

    def __repr__(self):
        return "Tree(%r, %r)" % (self.data, self.children)

    def __eq__(self, other):
        try:
            return self.data == other.data and self.children == other.children
        except AttributeError:
            return False

    def __ne__(self, other):
        return not (self == other)

    def __hash__(self):
        return hash((self.data, tuple(self.children)))


# -- errors ------------------------------------------------------------------------------

class UnexpectedInput(Exception):
    """The text is not in the language; `state` is the parser's state when it stopped."""
    pos_in_stream = None
    state = None
    _parser = None               # the Parser, for `accepts`

    def match_examples(self, parse_fn, examples, token_type_match_fallback=False,
                       use_accepts=True):
        """The label of the first example (label -> bad texts) that fails in this error's
        state (and, with `use_accepts`, accepting the same terminals), an exact match of the
        offending token first (Lark's `UnexpectedInput.match_examples`)."""
        assert self.state is not None, "Not supported for this exception"
        if isinstance(examples, dict):
            examples = examples.items()
        candidate = (None, False)
        for label, example in examples:
            assert not isinstance(example, str), "Expecting a list"
            for malformed in example:
                try:
                    parse_fn(malformed)
                except UnexpectedInput as ut:
                    if ut.state == self.state:
                        if (use_accepts and isinstance(self, UnexpectedToken)
                                and isinstance(ut, UnexpectedToken)
                                and ut.accepts != self.accepts):
                            continue
                        if isinstance(self, UnexpectedToken) and isinstance(ut, UnexpectedToken):
                            if ut.token == self.token:
                                return label
                            if token_type_match_fallback and \
                                    ut.token.type == self.token.type and not candidate[-1]:
                                candidate = label, True
                        if candidate[0] is None:
                            candidate = label, False
        return candidate[0]


class UnexpectedCharacters(UnexpectedInput):
    """No terminal matches the text at `pos_in_stream`."""

    def __init__(self, seq, lex_pos, line, column, allowed=None, state=None,
                 token_history=None):
        super().__init__()
        self.line = line
        self.column = column
        self.pos_in_stream = lex_pos
        self.state = state
        self.allowed = allowed
        self.token_history = token_history
        self.char = seq[lex_pos]

    def __str__(self):
        return "No terminal matches %r in the current parser context, at line %d col %d" % (
            self.char, self.line, self.column)


class UnexpectedToken(UnexpectedInput):
    """A token the parser cannot take in its state (`expected`: the terminals it could)."""

    def __init__(self, token, expected, state=None, token_history=None):
        super().__init__()
        self.line = getattr(token, "line", "?")
        self.column = getattr(token, "column", "?")
        self.pos_in_stream = getattr(token, "start_pos", None)
        self.state = state
        self.token = token
        self.expected = expected
        self.token_history = token_history
        self._accepts = None

    @property
    def accepts(self):
        """The terminals the parser's state would take (each fed to a copy of it)."""
        if self._accepts is None and self._parser is not None:
            self._accepts = self._parser.accepts(self.state)
        return self._accepts

    def __str__(self):
        return "Unexpected token %r at line %s, column %s; expected one of %s" % (
            self.token, self.line, self.column, sorted(self.accepts or self.expected))


# -- lexing ------------------------------------------------------------------------------

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


class _LexState:
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


class _Lexer:
    """The terminals one parser state can take (and the ignored), in order of preference."""

    def __init__(self, terminals):
        self.terminals = terminals
        allowed = {t[0] for t in terminals} - set(_T.IGNORE)
        self.allowed = allowed or {"<END-OF-FILE>"}

    def next_token(self, ls: _LexState, state):
        text = ls.text
        while ls.pos < len(text):
            start = ls.pos
            for name, newline, program in self.terminals:
                end = match_terminal(program, text, start)
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


# -- parsing -----------------------------------------------------------------------------

class _State:
    """The parser's stacks (Lark's ParserState: equal when as deep and in the same state)."""
    __slots__ = ("state_stack", "value_stack", "end_state")

    def __init__(self, state_stack, value_stack, end_state):
        self.state_stack = state_stack
        self.value_stack = value_stack
        self.end_state = end_state

    @property
    def position(self) -> int:
        return self.state_stack[-1]

    def __eq__(self, other):
        if not isinstance(other, _State):
            return NotImplemented
        return len(self.state_stack) == len(other.state_stack) and \
            self.position == other.position

    __hash__ = None


def _build(rule, children):
    """A reduction's node: Lark's tree builder (splice `_rule`s, `?rule` with one child is
    that child, else a Tree named by the alias or the rule) and its PropagatePositions."""
    _origin, _size, name, expand1, include = rule
    kept = children
    if include is not None:
        kept = []
        for i, splice in include:
            if splice:
                if kept:
                    kept += children[i].children
                else:
                    kept = children[i].children
            else:
                kept.append(children[i])
    if expand1 and len(kept) == 1:
        res = kept[0]
    else:
        res = Tree(name, kept)
    if isinstance(res, Tree):
        meta = res.meta
        first = _first_meta(children)
        if first is not None:
            if not hasattr(meta, "line"):
                meta.line = getattr(first, "container_line", first.line)
                meta.column = getattr(first, "container_column", first.column)
                meta.start_pos = getattr(first, "container_start_pos", first.start_pos)
                meta.empty = False
            meta.container_line = getattr(first, "container_line", first.line)
            meta.container_column = getattr(first, "container_column", first.column)
            meta.container_start_pos = getattr(first, "container_start_pos", first.start_pos)
        last = _first_meta(reversed(children))
        if last is not None:
            if not hasattr(meta, "end_line"):
                meta.end_line = getattr(last, "container_end_line", last.end_line)
                meta.end_column = getattr(last, "container_end_column", last.end_column)
                meta.end_pos = getattr(last, "container_end_pos", last.end_pos)
                meta.empty = False
            meta.container_end_line = getattr(last, "container_end_line", last.end_line)
            meta.container_end_column = getattr(last, "container_end_column", last.end_column)
            meta.container_end_pos = getattr(last, "container_end_pos", last.end_pos)
    return res


def _first_meta(children):
    for c in children:
        if isinstance(c, Tree):
            if not c.meta.empty:
                return c.meta
        elif isinstance(c, Token):
            return c
    return None


def _feed(state: _State, token: Token, is_end: bool, build: bool):
    """Shift the token, after every reduction it calls for (Lark's ParserState.feed_token)."""
    stack, values = state.state_stack, state.value_stack
    states, rules = _T.STATES, _T.RULES
    while True:
        actions = states[stack[-1]]
        try:
            action = actions[token.type]
        except KeyError:
            expected = {s for s in actions if s.isupper()}
            raise UnexpectedToken(token, expected, state=state) from None
        assert action != state.end_state
        if action >= 0:                                           # shift
            assert not is_end
            stack.append(action)
            values.append(token)
            return None
        rule = rules[~action]                                     # reduce
        size = rule[1]
        if size:
            children = values[-size:]
            del stack[-size:]
            del values[-size:]
        else:
            children = []
        values.append(_build(rule, children) if build else children)
        stack.append(states[stack[-1]][rule[0]])
        if is_end and stack[-1] == state.end_state:
            return values[-1]


class Parser:
    """`Parser().parse(text, start="start" | "pattern") -> Tree`, or an UnexpectedInput."""

    def __init__(self):
        self._lexers: dict = {}
        self._root = _Lexer(_T.TERMINALS)

    def _lexer(self, position: int) -> _Lexer:
        lexer = self._lexers.get(position)
        if lexer is None:
            acts = _T.STATES[position]
            lexer = self._lexers[position] = _Lexer(
                [t for t in _T.TERMINALS if t[0] in acts or t[0] in _T.IGNORE])
        return lexer

    def _next_token(self, ls: _LexState, state: _State):
        try:
            return self._lexer(state.position).next_token(ls, state)
        except UnexpectedCharacters as e:
            # the state takes no terminal here: which one is it, if any? (Lark's
            # ContextualLexer: an unexpected token, else the unexpected character)
            last_token = ls.last_token
            try:
                token = self._root.next_token(ls, state)
            except UnexpectedCharacters:
                raise e from None
            if token is None:
                raise e from None
            raise UnexpectedToken(token, e.allowed, state=state,
                                  token_history=[last_token]) from None

    def parse(self, text: str, start: str = "start"):
        if start not in _T.START:
            raise ValueError(f"unknown start symbol {start!r}; one of {sorted(_T.START)}")
        state = _State([_T.START[start]], [], _T.END[start])
        ls = _LexState(text)
        token = None
        try:
            while True:
                tok = self._next_token(ls, state)
                if tok is None:
                    break
                token = tok
                _feed(state, tok, False, True)
            end = Token.new_borrow_pos("$END", "", token) if token else \
                Token("$END", "", 0, 1, 1)
            return _feed(state, end, True, True)
        except UnexpectedInput as e:
            e._parser = self
            raise

    def accepts(self, state: _State) -> set:
        """The terminals `state` can take (Lark's InteractiveParser.accepts)."""
        out = set()
        for t in _T.STATES[state.position]:
            if t.isupper():
                trial = _State(list(state.state_stack), list(state.value_stack),
                               state.end_state)
                try:
                    _feed(trial, Token(t, ""), t == "$END", False)
                except UnexpectedToken:
                    pass
                else:
                    out.add(t)
        return out
