"""Target puzzles: edit the weights until the attention does a thing.

A ``Puzzle`` wraps a ``PipelineExplorer`` with a goal and a status line
that says, after every edit, how far the weights A are from the goal.
Two goals are built in: ``WeightGoal`` (one query puts more than a
share of its weight on one key) and ``SelfGoal`` (every token puts more
than a share of its weight on itself).
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from ._stored import with_picture
from .explorer import PipelineExplorer


def _index(tokens: list[str], token: str, what: str) -> int:
    if token not in tokens:
        raise ValueError(f"{what} must be one of {tokens}; got {token!r}")
    return tokens.index(token)


def _check_share(more_than: float) -> float:
    more_than = float(more_than)
    if not 0.0 < more_than < 1.0:
        raise ValueError(
            f"more_than must lie between 0 and 1; got {more_than}")
    return more_than


def _to_go(gap: float) -> str:
    # A gap that prints as 0.00 must not read as "0.00 to go".
    return "less than 0.01 to go" if gap < 0.005 else f"{gap:.2f} to go"


class WeightGoal:
    """Goal: one query puts more than a share of its weight on one key.

    Parameters
    ----------
    query, key : str
        Token labels.
    more_than : float
        The share to pass, between 0 and 1.

    Examples
    --------
    >>> goal = WeightGoal("eats", "fish", 0.6)
    >>> goal.task
    'make eats put more than 0.60 of its weight on fish'
    >>> A = np.array([[1.0, 0.0], [0.7, 0.3]])
    >>> goal.check(["eats", "fish"], A)
    (False, 'eats gives 0.00 of its weight to fish; target: more than \
0.60; 0.60 to go')
    """

    def __init__(self, query: str, key: str, more_than: float):
        self.query, self.key = str(query), str(key)
        self.more_than = _check_share(more_than)
        self.task = (f"make {self.query} put more than {self.more_than:.2f} "
                     f"of its weight on {self.key}")

    def check(self, tokens, A: np.ndarray) -> tuple[bool, str]:
        """Return whether A meets the goal, and a status line."""
        tokens = list(tokens)
        i = _index(tokens, self.query, "query")
        j = _index(tokens, self.key, "key")
        share = float(A[i, j])
        said = (f"{self.query} gives {share:.2f} of its weight to "
                f"{self.key}")
        if share > self.more_than:
            return True, (f"Solved: {said}, more than "
                          f"{self.more_than:.2f}.")
        return False, (f"{said}; target: more than {self.more_than:.2f}; "
                       f"{_to_go(self.more_than - share)}")


class SelfGoal:
    """Goal: every token puts more than a share of its weight on itself.

    Parameters
    ----------
    more_than : float, default 0.5
        The share to pass, between 0 and 1.

    Examples
    --------
    >>> goal = SelfGoal(0.5)
    >>> goal.task
    'make every token put more than 0.50 of its weight on itself'
    >>> A = np.array([[0.9, 0.1], [0.6, 0.4]])
    >>> goal.check(["Cat", "eats"], A)
    (False, 'on themselves: Cat 0.90, eats 0.40; target: more than \
0.50 each; eats has 0.10 to go')
    """

    def __init__(self, more_than: float = 0.5):
        self.more_than = _check_share(more_than)
        self.task = (f"make every token put more than {self.more_than:.2f} "
                     "of its weight on itself")

    def check(self, tokens, A: np.ndarray) -> tuple[bool, str]:
        """Return whether A meets the goal, and a status line."""
        tokens = list(tokens)
        own = np.diag(A)
        shares = ", ".join(f"{token} {share:.2f}"
                           for token, share in zip(tokens, own))
        if (own > self.more_than).all():
            return True, (f"Solved: on themselves: {shares}; every one "
                          f"more than {self.more_than:.2f}.")
        short = [(self.more_than - share, token)
                 for token, share in zip(tokens, own)
                 if not share > self.more_than]
        gaps = ", ".join(f"{token} has {_to_go(gap)}"
                         for gap, token in short)
        return False, (f"on themselves: {shares}; target: more than "
                       f"{self.more_than:.2f} each; {gaps}")


class Puzzle(ipywidgets.VBox):
    """An explorer, a goal, and a status line that follows every edit.

    Parameters
    ----------
    explorer : PipelineExplorer
        The explorer the reader edits; shown below the status line.
    goal : WeightGoal or SelfGoal
        Anything with a ``task`` sentence and a ``check(tokens, A)``
        method returning ``(solved, status)``.

    Attributes
    ----------
    explorer : PipelineExplorer
    goal : WeightGoal or SelfGoal
    status : ipywidgets.Label
        How close A is to the goal, or "Solved: ...".

    Raises
    ------
    TypeError
        If ``explorer`` is not a PipelineExplorer.

    Notes
    -----
    The puzzle sets the explorer's temperature to 1, its scaling on and
    its causal mask off, and locks those three controls, so that only
    the weights (and X) decide whether the goal is met.

    Examples
    --------
    >>> import qkvlib as qk
    >>> example = qk.load_example("cat-eats-fish")
    >>> W_q, W_k, W_v = qk.init_weights(4, 3, np.random.default_rng(55))
    >>> puzzle = Puzzle(PipelineExplorer(example.tokens, example.X, W_q,
    ...                                  W_k, W_v, query="eats"),
    ...                 WeightGoal("eats", "fish", 0.6))
    >>> puzzle.status.value
    'eats gives 0.30 of its weight to fish; target: more than 0.60; \
0.30 to go'
    """

    def __init__(self, explorer: PipelineExplorer, goal):
        if not isinstance(explorer, PipelineExplorer):
            raise TypeError(
                f"explorer must be a PipelineExplorer; got "
                f"{type(explorer).__name__}")
        self.explorer, self.goal = explorer, goal
        with explorer.hold():
            explorer.temperature.value = 1.0
            explorer.scale.value = True
            explorer.causal.value = False
        for control in (explorer.temperature, explorer.scale,
                        explorer.causal):
            control.disabled = True
        self.task = ipywidgets.HTML(f"<b>Puzzle: {goal.task}.</b>")
        self.status = ipywidgets.Label("")
        self.solved = False
        explorer.on_redraw(lambda _: self._check())
        self._check()
        super().__init__([self.task, self.status, explorer])

    def _check(self) -> None:
        self.solved, self.status.value = self.goal.check(
            self.explorer.tokens, self.explorer._shown["A"])

    def __repr__(self) -> str:
        return f"[widget: puzzle: {self.goal.task}]"

    def _repr_mimebundle_(self, **kwargs):
        """Give the live view, a PNG of A, the task and the status."""
        return with_picture(super()._repr_mimebundle_(**kwargs),
                            self.explorer.panels["A"].picture(),
                            f"{self!r}\n{self.status.value}")
