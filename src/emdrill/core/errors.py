"""Expected failures. The CLI prints their message as one line and exits 1."""


class EmdrillError(Exception):
    """A failure the user can fix; never a bug."""


class ConfigError(EmdrillError):
    """A bad setting, environment variable or flag value."""


class StoreError(EmdrillError):
    """The database cannot be opened or is not ours to touch."""


class DamagedError(StoreError):
    """The database reads as damaged: nothing is written into it."""


class ReadOnlyError(StoreError):
    """The data folder or the database cannot be written."""


class DuplicateError(StoreError):
    """Another emdrill wrote the same rows first (two loads at once)."""


class UnknownQuestionError(EmdrillError):
    """A question id that is not in the collection."""


class DeckError(EmdrillError):
    """A deck file that does not pass validation."""


class InputError(EmdrillError):
    """Bad values given on the command line or on stdin."""


class NothingToUndoError(EmdrillError):
    """`undo` with no review left to revert."""
