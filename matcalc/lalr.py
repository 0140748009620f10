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

Owns: `Parser`; the tree and the errors are `matcalc.lalr_types`' (re-exported here), the
lexer `matcalc.lalr_lexer`'s.  The tables' format is `matcalc.parser_gen`'s.
"""
from __future__ import annotations

from operator import attrgetter

from . import _parse_tables as _T
from .lalr_lexer import LexState, Lexer, match_terminal  # noqa: F401
from .lalr_types import (Meta, Token, Tree, UnexpectedCharacters, UnexpectedInput,  # noqa: F401
                         UnexpectedToken)


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
        # the child itself: its positions are already its own (PropagatePositions would
        # set them to the same values again)
        return kept[0]
    first = _first_meta(children)
    if first is None:
        return Tree(name, kept)
    # PropagatePositions on a new node: its own positions (it has none yet) and its
    # container's, from the first and the last child that has any (a child node's container
    # positions, a token's own)
    meta = Meta()
    meta.line, meta.column, meta.start_pos = meta.container_line, meta.container_column, \
        meta.container_start_pos = _START[type(first) is Meta](first)
    last = _first_meta(reversed(children))
    meta.end_line, meta.end_column, meta.end_pos = meta.container_end_line, \
        meta.container_end_column, meta.container_end_pos = _END[type(last) is Meta](last)
    meta.empty = False
    return Tree(name, kept, meta)


# where a child's span starts and ends: (a token's own, a node's container positions)
_START = (attrgetter("line", "column", "start_pos"),
          attrgetter("container_line", "container_column", "container_start_pos"))
_END = (attrgetter("end_line", "end_column", "end_pos"),
        attrgetter("container_end_line", "container_end_column", "container_end_pos"))


def _first_meta(children):
    """The first child with a position: a node's `Meta` (not empty), or a token."""
    for c in children:
        if type(c) is Tree:
            m = c._meta
            if m is not None and not m.empty:
                return m
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
        if size == 1 and rule[3] and rule[4] is None and build:
            # a ?rule of one symbol: its node is the child itself (_build), as it stands
            del stack[-1]
            stack.append(states[stack[-1]][rule[0]])
            if is_end and stack[-1] == state.end_state:
                return values[-1]
            continue
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
        self._root = Lexer(_T.TERMINALS)

    def _lexer(self, position: int) -> Lexer:
        lexer = self._lexers.get(position)
        if lexer is None:
            acts = _T.STATES[position]
            lexer = self._lexers[position] = Lexer(
                [t for t in _T.TERMINALS if t[0] in acts or t[0] in _T.IGNORE])
        return lexer

    def _next_token(self, ls: LexState, state: _State):
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
        ls = LexState(text)
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
