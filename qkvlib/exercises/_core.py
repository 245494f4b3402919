"""The machinery behind every exercise: checks, hints and solutions.

An exercise is a class registered under a key such as ``"04.2"``
(notebook 04, exercise 2). A notebook cell makes one with the matrices
the notebook has built and checks the reader's answer::

    ex_2 = qk.exercise("04.2", Q=Q, K=K, d_model=d_model)
    answer = None  # replace None with your answer
    ex_2.check(answer)

``check`` returns a :class:`Feedback`: correct, incorrect with a
reason, or not attempted yet (``None``, ``...`` or a function whose
body still raises ``NotImplementedError``). It never raises on a wrong
answer. ``hint()`` gives the next hint each time it is called and
``solution()`` shows one answer.

Three kinds of exercise share this base:

- :class:`ValueExercise`: the answer is a number, a tuple or an array.
  The class gives ``expected(**context)`` and ``mistakes(**context)``,
  the values the classic mistakes produce; an answer equal to one of
  them is told which mistake it is, by name.
- :class:`FunctionExercise`: the answer is a function. It is called on
  the exercise's cases and compared with ``reference``; the mistakes
  are wrong functions, and an answer that gives one of their wrong
  results, and nowhere a third finite result, is named.
- :class:`Exercise` itself, for goals such as "edit W_q until eats
  gives fish more than 0.6": the class overrides ``assess``.

The named mistakes the series keeps coming back to are the constants
below, so a reader meets the same words in every notebook.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

WRONG_AXIS = "softmax over the wrong axis"
SQRT_D_MODEL = "divided by sqrt(d_model) instead of sqrt(d_k)"
DIVIDED_BY_D_K = "divided by d_k instead of sqrt(d_k)"
MULTIPLIED = "multiplied by sqrt(d_k) instead of dividing"
UNSCALED = "no division by sqrt(d_k)"
MASK_AFTER_SOFTMAX = "mask applied after the softmax"
NO_TRANSPOSE = "Q K instead of Q K^T"
SCORES_TRANSPOSED = "K Q^T instead of Q K^T"
RESHAPE_NO_TRANSPOSE = "heads split by reshape without the transpose"
W_K_FOR_W_V = "W_k used where W_v belongs"
COLUMN_FOR_ROW = "a column where a row belongs"
W_TRANSPOSED = "W transposed, shape (d_k, d_model)"
MASKED_WITH_ZERO = "masked scores set to 0 instead of -inf"
MASK_TRANSPOSED = "mask the wrong way round"
DEAD_ROW_NAN = "NaN for a row that may look at nothing"

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"

_MARKS = {CORRECT: "✔", INCORRECT: "✘", NOT_ATTEMPTED: "…"}
_COLOURS = {CORRECT: "#1a7f37", INCORRECT: "#b35900",
            NOT_ATTEMPTED: "#57606a"}

_REGISTRY: dict[str, type[Exercise]] = {}


@dataclass(frozen=True)
class Feedback:
    """What ``check`` says about one answer.

    Attributes
    ----------
    key : str
        The exercise, such as ``"04.2"``.
    status : str
        ``"correct"``, ``"incorrect"`` or ``"not attempted"``.
    message : str
        One or two sentences for the reader.
    mistake : str or None
        The name of the classic mistake the answer made, such as
        ``"softmax over the wrong axis"``, when one was recognised.
    """

    key: str
    status: str
    message: str
    mistake: str | None = None

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return f"{_MARKS[self.status]} Exercise {self.key}: {self.message}"

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (
            f'<div style="border-left: 4px solid {colour}; '
            f'padding: 0.3em 0.8em">'
            f"<b>{_MARKS[self.status]} Exercise {self.key}</b>: "
            f"{html.escape(self.message)}</div>"
        )


class _Text:
    """A block of text that shows itself as it is written."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Mistake:
    """A classic wrong answer and what to say when a reader gives it.

    Attributes
    ----------
    name : str
        Short name shown to the reader, for instance ``WRONG_AXIS``.
    explanation : str
        Why it is wrong and what to change, in a sentence or two.
    value : object
        The wrong answer itself: a number or array for a
        :class:`ValueExercise`, a function for a
        :class:`FunctionExercise`.
    """

    name: str
    explanation: str
    value: Any


@dataclass(frozen=True)
class Case:
    """One call of the reader's function in a :class:`FunctionExercise`.

    Attributes
    ----------
    label : str
        Words for the inputs, used in messages: ``"the Cat eats fish
        scores"``.
    args : tuple
        Positional arguments; each call gets fresh copies of arrays,
        so a function that edits its input in place cannot spoil the
        next case.
    """

    label: str
    args: tuple


def register(cls: type[Exercise]) -> type[Exercise]:
    """Add an exercise class to the catalogue under its ``key``."""
    if cls.key in _REGISTRY:
        raise ValueError(f"exercise key {cls.key!r} is registered twice")
    _REGISTRY[cls.key] = cls
    return cls


def catalogue() -> dict[str, str]:
    """Return ``{key: title}`` for every exercise, in key order."""
    return {key: _REGISTRY[key].title for key in sorted(_REGISTRY)}


def exercise(key: str, **context) -> Exercise:
    """Make the exercise ``key`` for the matrices of this notebook.

    Parameters
    ----------
    key : str
        ``"NN.k"``: exercise k of notebook NN, as its heading says.
    **context
        The names the exercise needs, such as ``Q=Q, K=K``; the
        exercise keeps copies, so later edits do not change it.

    Returns
    -------
    Exercise
        With ``check(answer)``, ``hint()`` and ``solution()``.

    Raises
    ------
    KeyError
        If no exercise has that key.
    TypeError
        If a name the exercise needs is missing, or an unknown name is
        given.

    Examples
    --------
    >>> ex = exercise("05.1")
    >>> ex.check(None).status
    'not attempted'
    >>> ex.check([0.090, 0.245, 0.665]).correct
    True
    >>> ex.check([1 / 6, 2 / 6, 3 / 6]).mistake
    'scores divided by their sum, no exp'
    """
    if not isinstance(key, str) or key not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"no exercise {key!r}; the exercises are {known}")
    return _REGISTRY[key](**context)


def _keep(value):
    """Copy arrays and lists so the exercise owns its context."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_keep(v) for v in value)
    return value


class Exercise:
    """One exercise: a task, a check, graded hints and a solution.

    Subclasses set the class attributes and override :meth:`assess`
    (or use :class:`ValueExercise` or :class:`FunctionExercise`).

    Attributes
    ----------
    key : str
        ``"NN.k"``.
    title : str
        A few words, as in the notebook's heading.
    needs : tuple of str
        Names the notebook passes in: ``("Q", "K")``.
    asks_for : str
        What the answer is, in words, for the "not attempted" message.
    hints : tuple of str
        From a nudge to nearly the answer.
    solution_code : str
        Code that solves the exercise with the notebook's names.
    solution_note : str
        A sentence on why the solution works.
    """

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    needs: ClassVar[tuple[str, ...]] = ()
    asks_for: ClassVar[str] = "your answer"
    hints: ClassVar[tuple[str, ...]] = ()
    solution_code: ClassVar[str] = ""
    solution_note: ClassVar[str] = ""

    def __init__(self, **context):
        missing = [name for name in self.needs if name not in context]
        unknown = [name for name in context if name not in self.needs]
        if missing or unknown:
            call = ", ".join(f"{n}={n}" for n in self.needs)
            what = []
            if missing:
                what.append(f"is missing {', '.join(missing)}")
            if unknown:
                what.append(f"does not use {', '.join(unknown)}")
            raise TypeError(
                f"exercise {self.key} {' and '.join(what)}; make it with "
                f'qk.exercise("{self.key}"' + (f", {call})" if call else ")")
            )
        self.context = {name: _keep(v) for name, v in context.items()}
        self._hints_given = 0

    def check(self, answer) -> Feedback:
        """Say whether ``answer`` is right, and if not, why not.

        Never raises for a wrong answer: anything the reader passes
        comes back as a :class:`Feedback`.
        """
        if answer is None or answer is Ellipsis:
            return self.not_attempted(
                f"replace None with {self.asks_for}, then run the cell "
                "again."
            )
        # Overflow or NaN in a wrong answer is reported by the check in
        # words, never as a numpy warning in the reader's cell.
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return self.assess(answer)
        except Exception as err:  # a wrong answer must never raise
            return self.incorrect(
                f"this answer could not be checked ({_error_text(err)}); "
                f"the check expects {self.asks_for}. If the names this "
                "exercise was made from have changed, run the notebook "
                "again from the top."
            )

    def assess(self, answer) -> Feedback:
        """Judge an answer that is not ``None``; subclasses override."""
        raise NotImplementedError

    def hint(self) -> _Text:
        """Give the next hint: each call says a little more."""
        if not self.hints:
            return _Text(f"Exercise {self.key} has no hints.")
        index = min(self._hints_given, len(self.hints) - 1)
        self._hints_given += 1
        total = len(self.hints)
        text = f"Hint {index + 1} of {total}: {self.hints[index]}"
        if index == total - 1:
            text += "\n(That is the last hint; solution() shows an answer.)"
        return _Text(text)

    def solution(self) -> _Text:
        """Show one answer as code, and why it works."""
        code = "\n".join(
            "    " + line for line in self.solution_code.strip().splitlines()
        )
        text = f"One solution of exercise {self.key}:\n\n{code}\n"
        if self.solution_note:
            text += f"\n{self.solution_note}"
        return _Text(text.rstrip())

    def correct(self, message: str) -> Feedback:
        """Build the feedback for a right answer."""
        return Feedback(self.key, CORRECT, f"Correct: {message}")

    def incorrect(self, message: str, mistake: str | None = None
                  ) -> Feedback:
        """Build the feedback for a wrong answer."""
        if mistake is not None:
            message = f"{mistake}. {message}"
        return Feedback(self.key, INCORRECT, f"Not yet: {message}",
                        mistake)

    def not_attempted(self, message: str) -> Feedback:
        """Build the feedback for an answer not given yet."""
        return Feedback(self.key, NOT_ATTEMPTED,
                        f"Not attempted yet: {message}")

    def __repr__(self) -> str:
        return (f"Exercise {self.key} · {self.title}: check(answer), "
                "hint(), solution()")


def _error_text(err: BaseException) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _not_a_number(arr: np.ndarray) -> str:
    """Name the first entry of an object array that is not a number."""
    for item in arr.flat:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            return f"it holds {what_it_is(item)}, not only numbers"
        if isinstance(item, int):
            return "it holds a whole number too large for a float"
    return "numpy cannot read it as an array of numbers"


def what_it_is(item) -> str:
    """Say what a value is, for a message: ``None``, ``a dict``."""
    if item is None:
        return "None"
    if isinstance(item, str):
        return f"the text {item!r}"
    name = type(item).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def read_numbers(answer) -> tuple[np.ndarray | None, str]:
    """Read an answer as an array of numbers, or say why it is not one.

    Returns ``(array, "")``, or ``(None, reason)`` with a reason that
    completes "the answer should be ..., but ...".
    """
    if isinstance(answer, (str, bytes)):
        return None, f"it is the text {answer!r}, not numbers"
    if callable(answer):
        return None, "it is a function, not numbers"
    if isinstance(answer, (dict, set, frozenset)):
        return None, f"it is {what_it_is(answer)}, not numbers"
    try:
        arr = np.asarray(answer)
    except (ValueError, TypeError, OverflowError):
        return None, ("its rows have different lengths, so it is not "
                      "one array")
    if arr.dtype == object:
        # Numbers numpy keeps as objects (10**30, dtype=object) still
        # read as floats; anything else is named.
        numbers_only = all(
            isinstance(item, (int, float, np.number))
            and not isinstance(item, (bool, np.bool_)) for item in arr.flat)
        try:
            if not numbers_only:
                raise TypeError
            arr = arr.astype(np.float64)
        except (TypeError, ValueError, OverflowError):
            return None, _not_a_number(arr)
    if arr.dtype.kind in "US":
        return None, "it holds text, not numbers"
    if np.issubdtype(arr.dtype, np.complexfloating):
        return None, "it holds complex numbers"
    if not (arr.dtype == bool or np.issubdtype(arr.dtype, np.number)):
        return None, f"it holds {arr.dtype} values, not numbers"
    return arr, ""


def shown(value: float) -> str:
    """Write a number for a message: 0.123 or 1.23e+08, short."""
    value = float(value)
    if value != 0 and not 1e-3 <= abs(value) < 1e6:
        return f"{value:.3g}"
    return f"{value:.3f}"


def _finite(value) -> bool:
    """True if ``value`` reads as numbers that are all finite."""
    arr, _ = read_numbers(value)
    if arr is None or arr.dtype == bool:
        return arr is not None
    return bool(np.isfinite(arr.astype(np.float64)).all())


def _what_is_wanted(want: np.ndarray) -> str:
    """Say what an answer should be: one number, 3 numbers, a mask."""
    if want.dtype == bool:
        return f"a mask of True and False, shape {want.shape}"
    if want.shape == ():
        return "one number"
    if len(want.shape) == 1:
        return f"{want.shape[0]} number{'s' * (want.shape[0] != 1)}"
    return f"an array of numbers, shape {want.shape}"


def _shape_words(shape: tuple) -> str:
    if shape == ():
        return "one number"
    if shape == (1,):
        return "1 number, shape (1,)"
    if len(shape) == 1:
        return f"{shape[0]} numbers, shape {shape}"
    return f"shape {shape}"


def _close(got: np.ndarray, want: np.ndarray, tolerance: float) -> bool:
    """Compare shape and values; equal infinities count as close."""
    if got.shape != want.shape:
        return False
    if want.dtype == bool or got.dtype == bool:
        return want.dtype == got.dtype and bool(np.array_equal(got, want))
    with np.errstate(invalid="ignore"):
        return bool(np.allclose(got, want, rtol=1e-9, atol=tolerance,
                                equal_nan=True))


def _first_difference(got: np.ndarray, want: np.ndarray,
                      tolerance: float) -> str:
    """Name the first entry that differs, showing only the reader's."""
    with np.errstate(invalid="ignore"):
        wrong = ~np.isclose(got, want, rtol=1e-9, atol=tolerance)
    if got.ndim == 0 or not wrong.any():
        return ""
    where = tuple(int(i) for i in np.argwhere(wrong)[0])
    index = where[0] if len(where) == 1 else list(where)
    return (f"entry {index} is {shown(got[where])} and that is not "
            f"right; {int(wrong.sum())} of {wrong.size} entries differ")


class ValueExercise(Exercise):
    """An exercise whose answer is a number, a tuple or an array.

    Subclasses define ``expected(**context)`` and, for the mistakes
    they recognise, ``mistakes(**context)`` returning
    :class:`Mistake` objects whose ``value`` is the wrong answer.

    Attributes
    ----------
    tolerance : float
        Absolute tolerance. The default, 5e-4, accepts answers typed
        from a print with three decimals.
    """

    tolerance: ClassVar[float] = 5e-4

    def expected(self, **context):
        """Return the right answer."""
        raise NotImplementedError

    def mistakes(self, **context) -> Sequence[Mistake]:
        """Return the classic wrong answers this exercise recognises."""
        return ()

    def praise(self, **context) -> str:
        """Say, for a right answer, what it shows."""
        return "that is the right value."

    def diagnose(self, answer: np.ndarray, **context) -> str:
        """Say what is off about a wrong answer of the right shape."""
        return ""

    def assess(self, answer) -> Feedback:
        want = np.asarray(self.expected(**self.context))
        got, why = read_numbers(answer)
        if got is None:
            return self.incorrect(f"the answer should be "
                                  f"{_what_is_wanted(want)}, but {why}.")
        if want.dtype != bool and got.dtype == bool:
            return self.incorrect("the answer holds True and False; "
                                  "this exercise asks for numbers.")
        if want.dtype == bool and got.dtype != bool:
            return self.incorrect(
                "the answer holds numbers; a mask holds True and False "
                f"(dtype bool), and this one has dtype {got.dtype}. "
                "Build it from comparisons, or np.tri(n, dtype=bool)."
            )
        if got.dtype != bool:
            got = got.astype(np.float64)
        if _close(got, want, self.tolerance):
            return self.correct(self.praise(**self.context))
        for mistake in self.mistakes(**self.context):
            wrong = np.asarray(mistake.value)
            if _close(got, wrong, self.tolerance):
                return self.incorrect(mistake.explanation, mistake.name)
        if got.shape != want.shape:
            return self.incorrect(
                f"the answer has {_shape_words(got.shape)}; it should "
                f"have {_shape_words(want.shape)}."
            )
        if got.dtype != bool and not np.isfinite(got).all():
            return self.incorrect("the answer holds NaN or infinity.")
        if got.dtype != bool and _close(got, want, 10 * self.tolerance):
            if self.tolerance <= 1e-3:
                return self.incorrect(
                    "close, but further off than rounding to three "
                    "decimals; give each number to at least three "
                    "decimals."
                )
            return self.incorrect("close, but not exact; check the "
                                  "arithmetic.")
        reason = self.diagnose(got, **self.context)
        if not reason and got.dtype != bool:
            reason = _first_difference(got, want, self.tolerance)
        if not reason:
            reason = "that is not the right value"
        return self.incorrect(f"{reason}. hint() gives a hint.")


class FunctionExercise(Exercise):
    """An exercise whose answer is a function the reader writes.

    Subclasses define ``cases()``, a list of :class:`Case`,
    ``reference(*args)``, the right function, and ``mistakes()``,
    :class:`Mistake` objects whose ``value`` is a wrong function.

    Attributes
    ----------
    signature : str
        How the function is called, such as ``"my_softmax(S)"``.
    tolerance : float
        Absolute tolerance on every returned entry. The default, 1e-6,
        accepts a result computed in float32.
    """

    signature: ClassVar[str] = "f()"
    tolerance: ClassVar[float] = 1e-6

    @property
    def asks_for(self) -> str:  # type: ignore[override]
        return f"a function {self.signature}"

    def cases(self) -> list[Case]:
        """Return the calls the check makes."""
        raise NotImplementedError

    def reference(self, *args):
        """Return the right result for one case."""
        raise NotImplementedError

    def mistakes(self) -> Sequence[Mistake]:
        """Return wrong functions this exercise recognises by name."""
        return ()

    def praise(self) -> str:
        """Say, for a right function, what it shows."""
        return f"{self.signature} agrees with the reference on every case."

    def _run(self, function: Callable, case: Case):
        """Call ``function`` on fresh copies; return result or error."""
        args = tuple(_keep(a) for a in case.args)
        try:
            return function(*args), None
        except Exception as err:
            return None, err

    def _matches(self, got, want) -> bool:
        got_arr, _ = read_numbers(got)
        if got_arr is None:
            return False
        want_arr = np.asarray(want)
        if want_arr.dtype != bool and got_arr.dtype != bool:
            got_arr = got_arr.astype(np.float64)
        return _close(got_arr, want_arr, self.tolerance)

    def _behaves_like(self, outcomes, function: Callable) -> bool:
        """True if the reader's function makes the mistake ``function``.

        It must give the mistake's result on at least one case where
        that result is wrong, and nowhere give a third, finite answer.
        Where the reader's function raises or returns NaN or inf and
        the mistake does not, a second slip shows on a hard case; the
        first is named now and the next check names the second.
        """
        evidence = False
        for case, (got, err) in zip(self.cases(), outcomes):
            wrong, wrong_err = self._run(function, case)
            if err is not None or wrong_err is not None:
                if wrong_err is not None and err is None:
                    return False
                continue
            if self._matches(got, wrong):
                right = self.reference(*case.args)
                evidence = evidence or not self._matches(got, right)
            elif not _finite(got):
                continue
            else:
                return False
        return evidence

    def assess(self, answer) -> Feedback:
        if not callable(answer):
            return self.incorrect(
                f"the answer should be a function {self.signature}, "
                f"but it is {type(answer).__name__}. Define it with "
                "def and pass its name, without brackets."
            )
        cases = self.cases()
        outcomes = [self._run(answer, case) for case in cases]
        if any(isinstance(err, NotImplementedError)
               for _, err in outcomes):
            return self.not_attempted(
                f"write the body of {self.signature} in place of "
                "raise NotImplementedError, then run the cell again."
            )
        wrong_at = []
        for case, (got, err) in zip(cases, outcomes):
            if err is None and self._matches(got,
                                             self.reference(*case.args)):
                continue
            wrong_at.append((case, got, err))
        if not wrong_at:
            return self.correct(self.praise())
        for mistake in self.mistakes():
            if self._behaves_like(outcomes, mistake.value):
                return self.incorrect(mistake.explanation, mistake.name)
        case, got, err = wrong_at[0]
        where = f"for {case.label},"
        if err is not None:
            return self.incorrect(
                f"{where} {self.signature} raised {_error_text(err)}."
            )
        if got is None:
            return self.incorrect(
                f"{where} {self.signature} returned None; does it end "
                "with return?"
            )
        want = np.asarray(self.reference(*case.args))
        got_arr, why = read_numbers(got)
        if got_arr is None:
            return self.incorrect(f"{where} the result should be "
                                  f"{_what_is_wanted(want)}, but {why}.")
        if got_arr.shape != want.shape:
            return self.incorrect(
                f"{where} the result has {_shape_words(got_arr.shape)}; "
                f"it should have {_shape_words(want.shape)}."
            )
        if want.dtype == bool and got_arr.dtype != bool:
            return self.incorrect(
                f"{where} the result holds numbers of dtype "
                f"{got_arr.dtype}; a mask holds True and False."
            )
        if got_arr.dtype != bool and not np.isfinite(
                got_arr.astype(float)).all() and np.isfinite(want).all():
            return self.incorrect(f"{where} the result holds NaN or "
                                  "infinity.")
        if want.dtype != bool and _close(got_arr.astype(float), want, 1e-3):
            gap = np.abs(got_arr.astype(float) - want).max()
            return self.incorrect(
                f"{where} the result is close to the right one but off "
                f"by up to {shown(gap)}; compute in float64 and do not "
                "round."
            )
        reason = self.diagnose(case, got_arr)
        if not reason and got_arr.dtype != bool:
            reason = _first_difference(got_arr.astype(float), want,
                                       self.tolerance)
        return self.incorrect(f"{where} {reason or 'the result is wrong'}"
                              ". hint() gives a hint.")

    def diagnose(self, case: Case, got: np.ndarray) -> str:
        """Say what is off about a wrong result of the right shape."""
        return ""
