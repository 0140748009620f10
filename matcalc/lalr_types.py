"""The parse tree and the errors of matcalc's LALR parser (`matcalc.lalr`): `Token`, `Tree`,
`Meta` — what Lark's are, attribute for attribute, so the tree builder (`matcalc.parser`)
reads either — and `UnexpectedInput` with its two cases, `UnexpectedCharacters` (no terminal
matches) and `UnexpectedToken` (a token the parser's state cannot take), with Lark's
`match_examples` (label an error by the known-bad example that fails in the same state).

Owns: `Token`, `Meta`, `Tree`, `UnexpectedInput`, `UnexpectedCharacters`, `UnexpectedToken`.
"""
from __future__ import annotations


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
