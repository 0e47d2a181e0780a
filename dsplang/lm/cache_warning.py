"""The warning every LM cache backend gives, once, when it cannot be used."""


class DspCacheWarning(UserWarning):
    """The cache's file or server could not be used; the run continues with the memory cache only."""
