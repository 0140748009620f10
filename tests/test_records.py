"""matcalc.records: the dataclass behaviour the classes of a cold start rely on."""
import pytest

from matcalc.records import FrozenInstanceError, field, fields, record


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: list = field(default_factory=list, compare=False, repr=False)


@record
class Counter:
    name: str
    seen: list = field(default_factory=list)

    def __post_init__(self):
        self.seen.append(self.name)


def test_init_defaults_and_factories():
    p = Point(1)
    assert (p.x, p.y, p.tags) == (1, 0, [])
    assert Point(1).tags is not Point(1).tags           # a new list each time
    assert Point(y=2, x=1) == Point(1, 2)
    assert [f.name for f in fields(Point)] == ["x", "y", "tags"]
    with pytest.raises(TypeError, match="missing required argument: 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=3)
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="positional arguments"):
        Point(1, 2, [], 4)


def test_repr_eq_hash_and_frozen():
    assert repr(Point(1, 2, ["a"])) == "Point(x=1, y=2)"     # tags: repr=False
    assert Point(1, 2, ["a"]) == Point(1, 2, ["b"])          # tags: compare=False
    assert Point(1, 2) != Point(2, 1) and Point(1) != (1, 0)
    assert hash(Point(1, 2, ["a"])) == hash(Point(1, 2))
    with pytest.raises(FrozenInstanceError):
        Point(1).x = 3
    with pytest.raises(AttributeError):                      # as dataclasses' error is
        del Point(1).y


def test_mutable_records_post_init_and_unhashable():
    c = Counter("a")
    assert c.seen == ["a"] and c == Counter("a") and repr(c) == "Counter(name='a', seen=['a'])"
    c.name = "b"
    assert c.name == "b"
    with pytest.raises(TypeError):
        hash(c)


def test_a_default_before_a_required_field_is_refused():
    with pytest.raises(TypeError, match="non-default argument 'b'"):
        @record
        class Bad:
            a: int = 1
            b: int
