"""The legacy Dali op: to be written (issue 2)."""


def dali(*args, **kwargs):
    raise NotImplementedError


def DALIIterator():  # noqa: N802
    raise NotImplementedError


def DALIRawIterator():  # noqa: N802
    raise NotImplementedError
