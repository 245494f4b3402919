"""Exercises of notebook 01 · Tokens and embeddings."""

from functools import cache

import numpy as np

from ..examples import load_example
from ._core import (
    COLUMN_FOR_ROW,
    INCORRECT,
    Case,
    Exercise,
    FunctionExercise,
    Mistake,
    ValueExercise,
    read_numbers,
    register,
    shown,
)

TOKEN_AS_ROW = "token 5 taken as row 5"
ROW_NUMBERS = "row numbers instead of state numbers"
STATES_THAT_MOVE = "the states that move, not the ones that stay"
BUMP_AT_TOKEN_1 = "the bump still at token 1"
ROW_OF_CAT = "the row of cat instead of an edited fish"
FISH_UNEDITED = "the row of fish unedited"
COSINE_FOR_ROW = "the cosine instead of the edited row"
REPEATS_COLLAPSED = "repeated words collapsed into one row"
TABLE_ORDER = "rows in table order, not sentence order"
X_TRANSPOSED = "X transposed: one column per token"
NO_LOWER_CASE = "words looked up without lower-casing"

_N_STATES = 10
_BUMPED_TOKEN = 5


def _still(first_moved: int) -> np.ndarray:
    """State numbers t that keep a change of 0 when x_first moves."""
    return np.arange(1, first_moved, dtype=float)


@register
class StillStates(ValueExercise):
    """Bump token 5 of the RNN's input; which states do not move."""

    key = "01.1"
    title = "A change at token 5"
    asks_for = ("the numbers t of the states h_t that keep a change of "
                "0.000, as a list such as [1, 2]")
    hints = (
        "h_t = tanh(x_t W_x + h_{t-1} W_h) reads x_t and the state "
        "before it, never a later token.",
        "Token 5 is row 4 of X_mat (rows count from 0): bump "
        "X_mat_edited[4] and look at the change column of section 8.",
        "Every state computed before x_5 is read keeps 0.000.",
    )
    solution_code = "answer = [1, 2, 3, 4]"
    solution_note = (
        "h_1 to h_4 are computed before the loop reads x_5, so they "
        "cannot move; from h_5 on, the change is carried forward step "
        "by step."
    )

    def expected(self):
        return _still(_BUMPED_TOKEN)

    def mistakes(self):
        return [
            Mistake(TOKEN_AS_ROW,
                    "h_5 reads x_5 itself, so it moves. If you bumped "
                    "X_mat_edited[5], that is token 6: rows count from "
                    "0, so token 5 is row 4.",
                    _still(_BUMPED_TOKEN + 1)),
            Mistake(ROW_NUMBERS,
                    "The states are numbered h_1 to h_10, as in the "
                    "first column of the printed table; give the t of "
                    "h_t.",
                    _still(_BUMPED_TOKEN) - 1),
            Mistake(STATES_THAT_MOVE,
                    "Those are the states whose change is above 0; the "
                    "exercise asks for the ones that keep 0.000.",
                    np.arange(_BUMPED_TOKEN, _N_STATES + 1, dtype=float)),
            Mistake(BUMP_AT_TOKEN_1,
                    "With the bump at token 1 every state moves, as "
                    "section 8 shows; move the bump to token 5.",
                    np.array([])),
        ]

    def assess(self, answer):
        # The order in which a reader lists the states does not count.
        if isinstance(answer, (set, frozenset)):
            answer = sorted(answer)
        arr, _ = read_numbers(answer)
        if arr is not None and arr.ndim == 1 and arr.dtype != bool:
            answer = np.sort(arr)
        if (arr is not None and arr.ndim == 0 and arr.dtype != bool
                and arr == len(self.expected())):
            return self.incorrect(
                "that is how many states keep 0.000; the check asks "
                "which ones, as a list of their numbers t.")
        return super().assess(answer)

    def praise(self):
        return ("h_1 to h_4 are computed before x_5 is read, so they "
                "cannot move; h_5 to h_10 all do.")


def _cosine(a, b) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@register
class FishLikeCat(Exercise):
    """Edit one entry of the row of fish until it points like cat."""

    key = "01.2"
    title = "Make fish more like cat"
    needs = ("tokens", "X", "features")
    asks_for = ("the row of fish with one entry changed, 4 numbers whose "
                "cosine with the row of Cat is above 0.9")
    target = 0.9
    hints = (
        "Put the rows of Cat and fish side by side: in which feature do "
        "they differ most?",
        "Cat is barely food (0.1) while fish is mostly food (0.9).",
        'Copy the row, then lower its "food" entry: '
        'fish[features.index("food")] = ...',
    )
    solution_code = (
        'fish = X[tokens.index("fish")].copy()\n'
        'fish[features.index("food")] = 0.0\n'
        "answer = fish"
    )
    solution_note = (
        "Without its food, fish is a small animal like cat, and the "
        "cosine rises from 0.779 to 0.948; raising its animal entry "
        "to 2.0 works too, because it outweighs the food."
    )

    def assess(self, answer):
        tokens, X = self.context["tokens"], np.asarray(self.context["X"])
        features = self.context["features"]
        cat, fish = X[tokens.index("Cat")], X[tokens.index("fish")]
        got, why = read_numbers(answer)
        if got is None or got.dtype == bool:
            why = why or "it holds True and False"
            return self.incorrect(f"the answer should be the edited row "
                                  f"of fish, 4 numbers, but {why}.")
        got = got.astype(float)
        if got.ndim == 0 and -1.0 <= got <= 1.0:
            return self.incorrect(
                "The answer is the edited row of fish, 4 numbers; the "
                "check computes its cosine with cat itself.",
                COSINE_FOR_ROW)
        for c, feature in enumerate(features):
            if got.shape == X[:, c].shape and np.allclose(got, X[:, c]):
                return self.incorrect(
                    f'That is column {c} of X, the "{feature}" of every '
                    "token. A token is a row: the row of fish is "
                    f'X[{tokens.index("fish")}].', COLUMN_FOR_ROW)
        if got.shape != fish.shape:
            return self.incorrect(
                f"the answer has shape {got.shape}; a row of X has "
                f"d_model = {fish.size} numbers, shape {fish.shape}.")
        if not np.isfinite(got).all():
            return self.incorrect("the answer holds NaN or infinity.")
        if np.allclose(got, cat):
            return self.incorrect(
                "Its cosine with cat is 1 by definition; start from the "
                "row of fish and change one of its entries.", ROW_OF_CAT)
        changed = ~np.isclose(got, fish, atol=5e-4)
        if not changed.any():
            return self.incorrect(
                f"Its cosine with cat is {_cosine(cat, fish):.3f}; change "
                "one entry of a copy, fish = X[2].copy(). (Edited X[2] "
                "in place? Then X itself changed: run the notebook again "
                "from the top.)", FISH_UNEDITED)
        if np.linalg.norm(got) == 0:
            return self.incorrect("a row of zeros has no direction, so "
                                  "it has no cosine.")
        cosine = _cosine(cat, got)
        if changed.sum() > 1:
            names = ", ".join(f for f, c in zip(features, changed,
                                                strict=True) if c)
            return self.incorrect(
                f"{int(changed.sum())} entries changed ({names}); change "
                "only one, so we can tell which feature made the "
                "difference.")
        feature = features[int(np.argmax(changed))]
        if cosine > self.target:
            return self.correct(
                f'with "{feature}" set to {shown(got[changed][0])}, '
                f"cos(cat, fish) = {cosine:.3f}, up from "
                f"{_cosine(cat, fish):.3f}.")
        way = "went down" if cosine < _cosine(cat, fish) else "rose"
        return self.incorrect(
            f'with "{feature}" set to {shown(got[changed][0])}, the cosine '
            f"{way} to {cosine:.3f}, not above {self.target}. hint() "
            "gives a hint.")


@cache
def _table(name: str) -> tuple[str, dict]:
    example = load_example(name)
    return example.sentence, example.vocabulary


def _lookup(sentence: str, vocabulary: dict) -> np.ndarray:
    return np.stack([vocabulary[t.lower()] for t in sentence.split()])


def _collapsed(sentence, vocabulary):
    words = dict.fromkeys(t.lower() for t in sentence.split())
    return np.stack([vocabulary[w] for w in words])


def _table_order(sentence, vocabulary):
    words = {t.lower() for t in sentence.split()}
    return np.stack([row for w, row in vocabulary.items() if w in words])


def _no_lower(sentence, vocabulary):
    return np.stack([vocabulary[t] for t in sentence.split()])


@register
class EmbedFunction(FunctionExercise):
    """Write embed(sentence, vocabulary), which builds X."""

    key = "01.3"
    title = "A function that builds X"
    signature = "embed(sentence, vocabulary)"
    hints = (
        "Split the sentence at spaces; each token gives one row, in "
        "the order of the sentence.",
        "Look each token up in lower case, as section 2 does, so "
        '"Cat" finds the row of "cat".',
        "return np.stack([vocabulary[token.lower()] for token in "
        "sentence.split()])",
    )
    solution_code = (
        "def embed(sentence, vocabulary):\n"
        "    rows = [vocabulary[token.lower()] for token in "
        "sentence.split()]\n"
        "    return np.stack(rows)"
    )
    solution_note = (
        "One row per token, in sentence order: a repeated word gets its "
        "row twice, which is why X_mat has 10 rows from 9 words."
    )

    def praise(self):
        return ("one row per token, in sentence order; the 10 tokens of "
                "the second sentence give 10 rows from 9 words.")

    def cases(self):
        cat_sentence, cat_table = _table("cat-eats-fish")
        mat_sentence, mat_table = _table("cat-sat-mat")
        return [
            Case(f'"{cat_sentence}"', (cat_sentence, dict(cat_table))),
            Case('"fish eats cat"', ("fish eats cat", dict(cat_table))),
            Case(f'"{mat_sentence}"', (mat_sentence, dict(mat_table))),
            Case('"Fish" alone', ("Fish", dict(cat_table))),
        ]

    def reference(self, sentence, vocabulary):
        return _lookup(sentence, vocabulary)

    def mistakes(self):
        return [
            Mistake(REPEATS_COLLAPSED,
                    '"The" and "the" are two tokens and need two rows; '
                    "X has one row per token, not per word.",
                    _collapsed),
            Mistake(TABLE_ORDER,
                    "Row i of X is token i of the sentence; go through "
                    "sentence.split(), not through the table.",
                    _table_order),
            Mistake(X_TRANSPOSED,
                    "X has shape (n_tokens, d_model): a token is a row. "
                    "Stack the rows without transposing.",
                    lambda sentence, vocabulary: _lookup(
                        sentence, vocabulary).T),
            Mistake(NO_LOWER_CASE,
                    'The table\'s words are lower case, so "Cat" is not '
                    "in it; look each token up in lower case.",
                    _no_lower),
        ]

    def assess(self, answer):
        feedback = super().assess(answer)
        if feedback.status != INCORRECT or feedback.mistake is not None:
            return feedback
        # Readers drop repeats in many ways (set, np.unique) and in any
        # order; fewer rows than tokens, one per word, is the sign.
        for mistake in self.mistakes():
            if mistake.name in (REPEATS_COLLAPSED, NO_LOWER_CASE):
                if self._shows(answer, mistake.name):
                    return self.incorrect(mistake.explanation,
                                          mistake.name)
        return feedback

    def _shows(self, answer, name: str) -> bool:
        for case in self.cases():
            got, err = self._run(answer, case)
            words = case.args[0].split()
            if name == NO_LOWER_CASE and isinstance(err, KeyError):
                word = err.args[0] if err.args else None
                if (isinstance(word, str) and word in words
                        and word != word.lower()):
                    return True
            if name == REPEATS_COLLAPSED and err is None:
                arr, _ = read_numbers(got)
                unique = len({w.lower() for w in words})
                if (arr is not None and arr.ndim == 2
                        and arr.shape[0] == unique < len(words)):
                    return True
        return False
