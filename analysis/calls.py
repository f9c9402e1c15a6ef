"""Analysis calls in canonical form, so that a cache treats equivalent calls as one.

``cached(vanguard.hospital_trend, first=..., last=...)`` and the same call with ``unit=None``
compute the same table; keyed on the keywords as given they would be computed and stored twice.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

# Passed by the caller of every analysis function, not part of what is asked.
CONTEXT = ("con", "scope")


def canonical_kwargs(fn: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keywords of a call ``fn(con, scope=..., **kwargs)`` with every default filled in.

    Raises TypeError for a keyword ``fn`` does not take, as the call itself would.

    Returns
    -------
    Every parameter of ``fn`` but ``con`` and ``scope``, in signature order: the given value
    or the default. Two calls are equivalent exactly when these dicts are equal.
    """
    bound = inspect.signature(fn).bind_partial(**kwargs)
    bound.apply_defaults()
    return {name: value for name, value in bound.arguments.items() if name not in CONTEXT}
