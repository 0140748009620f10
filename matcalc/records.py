"""`record`: the part of `dataclasses.dataclass` the classes a cold `matcalc derive` builds
use (Question, Op, Rule, Forms, …), at a fraction of its cost.  Importing `dataclasses`
imports `inspect` (with ast, dis, tokenize), and each class it makes compiles its methods
with `exec` and formats a signature for its docstring: together about a fifth of a cold
derive (bench/results/cold-start-floor.txt).  A record gets the same methods, made from
closures over its list of fields:

- `__init__(*fields in order, **by name)`, defaults and `field(default_factory=…)` filled
  in, then `__post_init__()` when the class has one;
- `__repr__` (`Name(a=…, b=…)`, without the fields marked `repr=False`) and `__eq__`
  (same class, the fields not marked `compare=False` equal);
- `frozen=True`: assigning or deleting a field raises `FrozenInstanceError`, and the record
  hashes by its compared fields; otherwise it is unhashable, as a dataclass is;
- methods the class body defines itself are kept; fields are inherited from a record base.
Owns: `record`, `field`, `fields`, `FrozenInstanceError`.
"""
from __future__ import annotations

MISSING = object()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record."""


class Field:
    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default=MISSING, default_factory=MISSING, repr=True, compare=True):
        self.name = None
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(*, default=MISSING, default_factory=MISSING, repr=True, compare=True) -> Field:
    return Field(default, default_factory, repr, compare)


def fields(obj_or_cls) -> tuple:
    return tuple(getattr(obj_or_cls, "__record_fields__").values())


def record(cls=None, /, *, frozen: bool = False):
    """Make `cls` a record (see the module's docstring); `@record` or `@record(frozen=True)`."""
    if cls is None:
        return lambda c: _make(c, frozen)
    return _make(cls, frozen)


def _make(cls, frozen: bool):
    own: dict = {}
    for base in reversed(cls.__mro__[1:]):
        own.update(getattr(base, "__record_fields__", {}))
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if "ClassVar" in str(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        if isinstance(value, Field):
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        own[name] = f
    seen_default = False
    for f in own.values():
        has = f.default is not MISSING or f.default_factory is not MISSING
        if seen_default and not has:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        seen_default = seen_default or has
    cls.__record_fields__ = own
    names = tuple(own)
    index = {n: i for i, n in enumerate(names)}
    defaults = [(f.name, f.default, f.default_factory) for f in own.values()]
    post_init = hasattr(cls, "__post_init__")
    qual = cls.__qualname__
    setter = object.__setattr__

    n_fields = len(names)
    tails = [defaults[i:] for i in range(n_fields + 1)]   # the fields after i positional ones

    def __init__(self, *args, **kwargs):
        n = len(args)
        if n > n_fields:
            raise TypeError(f"{qual}.__init__() takes {n_fields + 1} positional arguments "
                            f"but {n + 1} were given")
        if kwargs:
            for k in kwargs:
                i = index.get(k)
                if i is None:
                    raise TypeError(f"{qual}.__init__() got an unexpected keyword argument "
                                    f"{k!r}")
                if i < n:
                    raise TypeError(f"{qual}.__init__() got multiple values for argument "
                                    f"{k!r}")
        for name, value in zip(names, args):
            setter(self, name, value)
        if n < n_fields:
            for name, default, factory in tails[n]:
                if kwargs and name in kwargs:
                    value = kwargs[name]
                elif default is not MISSING:
                    value = default
                elif factory is not MISSING:
                    value = factory()
                else:
                    raise TypeError(f"{qual}.__init__() missing required argument: {name!r}")
                setter(self, name, value)
        if post_init:
            self.__post_init__()

    shown = tuple(f.name for f in own.values() if f.repr)
    compared = tuple(f.name for f in own.values() if f.compare)

    def __repr__(self):
        return f"{type(self).__qualname__}(" + ", ".join(
            f"{n}={getattr(self, n)!r}" for n in shown) + ")"

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return all(getattr(self, n) == getattr(other, n) for n in compared)
        return NotImplemented

    methods = {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__}
    if frozen:
        def __setattr__(self, name, value):
            if type(self) is cls or name in own:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)

        def __delattr__(self, name):
            if type(self) is cls or name in own:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)

        def __hash__(self):
            return hash(tuple(getattr(self, n) for n in compared))
        methods.update(__setattr__=__setattr__, __delattr__=__delattr__, __hash__=__hash__)
    for name, fn in methods.items():
        if name in cls.__dict__ and not (name == "__hash__" and cls.__dict__[name] is None):
            continue
        fn.__qualname__ = f"{qual}.{name}"
        setattr(cls, name, fn)
    if not frozen and "__hash__" not in cls.__dict__:
        cls.__hash__ = None                   # eq without frozen: unhashable, as a dataclass
    return cls
