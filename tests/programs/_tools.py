"""Python helpers imported by the python_import tests."""


def word_count(text: str) -> int:
    return len(text.split())


def apply_twice(f, x):
    return f(f(x))


def fail(message):
    raise ValueError(message)


CONSTANT = "from python"
