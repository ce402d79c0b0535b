"""The project's own exceptions.

Every error a user can cause (a bad file, a bad parameter, a graph that does not
fit together, a dataset file that cannot be read) is raised as a
:class:`PlaygroundError` whose ``str`` is one line naming the problem and where
it is. The GUI shows that line; the CLI prints it and exits with status 2.
"""

from __future__ import annotations


class PlaygroundError(Exception):
    """Base class: a one-line, user-facing message with an optional location.

    Parameters
    ----------
    message : str
        What is wrong, and where possible how to fix it.
    where : str, optional
        The place: a field path (``graph.nodes[3].params.units``), a node id,
        a file name with a line number.
    """

    def __init__(self, message: str, where: str = ""):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return one_line(f"{self.where}: {self.message}" if self.where else self.message)


def one_line(text: str) -> str:
    r"""``text`` with newlines and other control characters escaped (``\n``).

    Messages quote names from files (a JSON key, a column header) that may hold
    anything; the one-line contract holds whatever they contain.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


class ValidationError(PlaygroundError):
    """A value in a file or a parameter is missing, of the wrong type or out of range."""


class GraphError(PlaygroundError):
    """The graph cannot be built: a cycle, a missing edge, an unknown layer type.

    Parameters
    ----------
    message : str
        What is wrong.
    node : str, optional
        Id of the node the error belongs to (shown as a badge in the editor).
    fix : str, optional
        A suggestion that would repair it.
    """

    def __init__(self, message: str, node: str = "", fix: str = ""):
        where = f"node '{node}'" if node else ""
        super().__init__(message, where)
        self.node = node
        self.fix = fix

    def __str__(self) -> str:
        text = super().__str__()
        return one_line(f"{text}; {self.fix}") if self.fix else text


class ShapeError(GraphError):
    """A layer receives a tensor shape it cannot take."""


class DataError(PlaygroundError):
    """A dataset cannot be generated or a data file cannot be read."""


class TrainingError(PlaygroundError):
    """Training cannot start or continue (bad configuration, diverged run)."""
