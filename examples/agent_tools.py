"""Python tools for react_tools.dsp: a docstring and type hints are all a tool needs."""

from __future__ import annotations

_POPULATION = {"paris": 2_102_650, "tokyo": 13_960_000, "lima": 10_092_000}


def population(city: str) -> int:
    """The number of people living in a city (city proper)."""
    try:
        return _POPULATION[city.strip().lower()]
    except KeyError:
        raise LookupError(f"no population data for {city!r}") from None


def ratio(a: float, b: float) -> float:
    """a divided by b, rounded to two decimals."""
    return round(a / b, 2)
