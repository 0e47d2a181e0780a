"""The package's version and the language version compiled-program files record.

The bottom of the package: it imports nothing, so every layer may read it.
"""

__version__ = "0.1.0"
# Raised when a program's meaning changes, so compiled programs made before are not reused.
LANGUAGE_VERSION = 0
