"""Immutable records with named fields: what a frozen dataclass gives, without importing dataclasses.

The ``aws-mfa-switch`` fast path answers a ``credential_process`` call in
a few dozen milliseconds, and importing :mod:`dataclasses` (with
``inspect``, ``ast``, ``dis`` and ``tokenize``) costs more than everything
else it does after the interpreter has started: as much again as
``python -c pass``.  The records that path shares with the full command
(:class:`~awscli_mfa_plugin.request.parse.Overrides`, the recipe, stored
credentials, the environment) derive from :class:`Value` instead; the
rest of the package keeps using dataclasses.

A subclass declares its fields as annotations, in order; a class
attribute of the same name is the field's default::

    class Point(Value):
        x: int
        y: int = 0

    Point(1) == Point(x=1, y=0)      # True; hashable, frozen, with a repr
    Point(1).replace(y=2)            # Point(x=1, y=2)

Defaults are shared between instances, so they must be immutable (use a
``types.MappingProxyType`` for an empty mapping).
"""


class Value:
    """Base of the immutable records; see the module's docstring.

    >>> class Point(Value):
    ...     x: int
    ...     y: int = 0
    >>> p = Point(1)
    >>> p, p == Point(x=1, y=0), p.replace(y=2)
    (Point(x=1, y=0), True, Point(x=1, y=2))
    >>> p.x = 5
    Traceback (most recent call last):
    ...
    AttributeError: cannot assign to field 'x' of Point
    >>> Point()
    Traceback (most recent call last):
    ...
    TypeError: Point() missing a value for field 'x'
    """

    #: The field names, in order (inherited ones first).
    _fields = ()
    #: Field name -> default, for the fields that have one.
    _defaults = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        own = cls.__dict__.get("__annotations__")
        if own is None and "__annotate__" in cls.__dict__:
            own = cls.__annotations__  # Python 3.14: evaluated when asked
        for name in own or {}:
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
            else:
                defaults.pop(name, None)
        missing = [name for name in fields if name not in defaults]
        if any(fields.index(name) > fields.index(other)
               for name in missing for other in defaults):
            raise TypeError(
                f"{cls.__name__}: a field without a default follows one with a default")
        cls._fields = tuple(fields)
        cls._defaults = defaults

    def __init__(self, *args, **kwargs):
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} "
                            f"values but {len(args)} were given")
        values = dict(zip(fields, args))
        for name, value in kwargs.items():
            if name not in self._defaults and name not in fields:
                raise TypeError(f"{type(self).__name__}() got an unexpected "
                                f"field {name!r}")
            if name in values:
                raise TypeError(f"{type(self).__name__}() got two values for "
                                f"field {name!r}")
            values[name] = value
        for name in fields:
            if name not in values:
                try:
                    values[name] = self._defaults[name]
                except KeyError:
                    raise TypeError(f"{type(self).__name__}() missing a value "
                                    f"for field {name!r}") from None
        object.__setattr__(self, "__dict__", values)

    def __setattr__(self, name, value):
        raise AttributeError(
            f"cannot assign to field {name!r} of {type(self).__name__}")

    def __delattr__(self, name):
        raise AttributeError(
            f"cannot delete field {name!r} of {type(self).__name__}")

    def _values(self):
        return tuple(self.__dict__[name] for name in self._fields)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self):
        return hash(self._values())

    def __repr__(self):
        inner = ", ".join(f"{name}={self.__dict__[name]!r}"
                          for name in self._fields)
        return f"{type(self).__qualname__}({inner})"

    def replace(self, **changes):
        """A copy with ``changes``, as ``dataclasses.replace`` makes one."""
        return type(self)(**{**self.__dict__, **changes})
