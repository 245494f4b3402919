"""Exercises of notebook 07 · Many heads."""

import numpy as np

from ..heads import split_heads
from ._core import (
    RESHAPE_NO_TRANSPOSE,
    Case,
    FunctionExercise,
    Mistake,
    ValueExercise,
    register,
)

W_O_LEFT_OUT = "W_o left out of the count"
ONE_HEAD_ONLY = "one head counted instead of all n_heads"
SQUARE_PER_HEAD = "4 * d_model^2 counted for every head"
BIASES_COUNTED = "biases counted as well"
D_HEAD_MULTIPLIED = "d_model multiplied by n_heads instead of divided"
ORDER_SWAPPED = "the two numbers in the other order"
HEADS_KEPT = "the heads kept in place"
ALL_COLUMNS_REVERSED = "all four columns reversed"
SWAPPED_INSIDE_HEADS = "columns swapped inside each head"
ONES_BLOCK = "blocks of ones instead of identity blocks"
STRIDED_COLUMNS = "every n_heads-th column taken as one head"
SIZES_SWAPPED = "n_heads and d_head swapped in the reshape"

# The base model of the Transformer paper (Vaswani et al., 2017).
D_MODEL, N_HEADS = 512, 8


def _weights(d_model: int, n_heads: int) -> int:
    d_head = d_model // n_heads
    return n_heads * (3 * d_model * d_head + d_head * d_model)


@register
class CountHeads(ValueExercise):
    """Change the sizes of section 8 to 512 and 8 heads."""

    key = "07.1"
    title = "d_head and the weights of another model"
    needs = ()
    asks_for = ("a tuple (d_head, n_weights) for d_model = 512 with "
                "8 heads: the width of one head and the number of "
                "entries of W_q, W_k, W_v and W_o together")
    tolerance = 0.01  # two whole numbers
    hints = (
        "Section 8 gives both numbers for d_model = 768 with 12 heads; "
        "change the sizes to 512 and 8.",
        "d_head = d_model / n_heads. Each head owns a (d_model, d_head) "
        "block of W_q, of W_k and of W_v, and d_head rows of W_o.",
        "answer = (512 // 8, n_weights(512, 8)), with the n_weights "
        "function of section 8; the count is 4 * 512 ** 2.",
    )
    solution_code = "answer = (512 // 8, 4 * 512 ** 2)"
    solution_note = (
        "The count does not depend on n_heads: 8 heads of 64 cut the "
        "same four (512, 512) matrices into blocks, 1,048,576 weights."
    )

    def expected(self):
        return (D_MODEL // N_HEADS, _weights(D_MODEL, N_HEADS))

    def mistakes(self):
        d_head = D_MODEL // N_HEADS
        square = D_MODEL ** 2
        return [
            Mistake(W_O_LEFT_OUT,
                    "W_q, W_k and W_v give 3 * d_model^2; the output "
                    "projection W_o, shape (n_heads * d_head, d_model), "
                    "adds d_model^2 more.",
                    (d_head, 3 * square)),
            Mistake(ONE_HEAD_ONLY,
                    "4 * d_model * d_head is what one head owns; there "
                    f"are n_heads = {N_HEADS} of them.",
                    (d_head, 4 * D_MODEL * d_head)),
            Mistake(SQUARE_PER_HEAD,
                    "The heads share the four (d_model, d_model) "
                    "matrices, each head owning a block of them, so "
                    "4 * d_model^2 is the total, not the count per head.",
                    (d_head, N_HEADS * 4 * square)),
            Mistake(BIASES_COUNTED,
                    "The exercise asks for the entries of W_q, W_k, W_v "
                    f"and W_o only; the biases add 4 * d_model = "
                    f"{4 * D_MODEL} on top.",
                    (d_head, 4 * square + 4 * D_MODEL)),
            Mistake(ORDER_SWAPPED,
                    "The tuple is (d_head, n_weights): the width of one "
                    "head first, then the count.",
                    (4 * square, d_head)),
            Mistake(D_HEAD_MULTIPLIED,
                    "Each head gets a slice of the d_model columns: "
                    "d_head = d_model / n_heads.",
                    (D_MODEL * N_HEADS, 4 * square)),
        ]

    def diagnose(self, answer):
        d_head, count = self.expected()
        if answer.ndim != 1:
            return ""
        got_head, got_count = answer

        def same(a, b):
            return abs(a - b) <= self.tolerance

        if same(got_head, d_head) and not same(got_count, count):
            return (f"d_head = {d_head} is right, but {got_count:,.0f} "
                    "is not the number of entries of the four matrices")
        if not same(got_head, d_head) and same(got_count, count):
            return (f"the count is right, but d_head = {got_head:g} is "
                    f"not: each of the {N_HEADS} heads gets d_model / "
                    "n_heads of the columns")
        return ""

    def praise(self):
        return ("d_head = 64 and 1,048,576 weights, 4 * 512^2; 8 heads "
                "of 64 or 1 head of 512 hold the same number.")


def _swap(d_head: int = 2) -> np.ndarray:
    """W_o that swaps the two heads of width d_head in Z W_o."""
    eye, zero = np.eye(d_head), np.zeros((d_head, d_head))
    return np.block([[zero, eye], [eye, zero]])


@register
class SwapHeads(ValueExercise):
    """Write a W_o that swaps the two heads in Y = Z W_o."""

    key = "07.2"
    title = "A W_o that swaps the heads"
    needs = ()
    asks_for = ("W_o_swap, a (4, 4) array with Z @ W_o_swap equal to Z "
                "with its two heads swapped")
    hints = (
        "Row r of W_o says where column r of Z goes: Y[:, c] = "
        "sum_r Z[:, r] * W_o[r, c]. Rows 0 and 1 carry head 0, rows 2 "
        "and 3 head 1.",
        "Column 0 of Z (head 0, its first column) has to land in column "
        "2 of Y, so W_o_swap[0, 2] = 1; column 2 of Z lands in column 0.",
        "W_o_swap is zero except W_o_swap[0, 2], W_o_swap[1, 3], "
        "W_o_swap[2, 0] and W_o_swap[3, 1], each 1.",
    )
    solution_code = (
        "W_o_swap = np.zeros((4, 4))\n"
        "W_o_swap[0:2, 2:4] = np.eye(2)  # head 0 -> columns 2 and 3\n"
        "W_o_swap[2:4, 0:2] = np.eye(2)  # head 1 -> columns 0 and 1\n"
        "answer = W_o_swap"
    )
    solution_note = (
        "The rows of W_o belong to the heads and its columns to the "
        "output features; a trained W_o mixes all of them, and this one "
        "only moves each head to the other's columns."
    )

    def expected(self):
        return _swap()

    def mistakes(self):
        return [
            Mistake(HEADS_KEPT,
                    "The identity gives Y = Z, each head where it was; "
                    "head 0 (rows 0 and 1) has to go to columns 2 and 3.",
                    np.eye(4)),
            Mistake(ALL_COLUMNS_REVERSED,
                    "It moves each head to the other's columns, but also "
                    "flips its two columns: Z[:, 0] lands in Y[:, 3]. "
                    "Keep each head's columns in order.",
                    np.eye(4)[::-1]),
            Mistake(SWAPPED_INSIDE_HEADS,
                    "That swaps the two columns of each head and keeps "
                    "the heads in place; move whole heads, blocks of "
                    "d_head = 2 columns.",
                    np.kron(np.eye(2), np.eye(2)[::-1])),
            Mistake(ONES_BLOCK,
                    "A block of ones adds both columns of a head into "
                    "each output column; an identity block, np.eye(2), "
                    "copies them one to one.",
                    np.kron(np.eye(2)[::-1], np.ones((2, 2)))),
        ]

    def diagnose(self, answer):
        if answer.shape != (4, 4):
            return ""
        sends = []
        for r in range(4):
            row = answer[r]
            target = 2 if r < 2 else -2
            if not np.allclose(row, np.eye(4)[r + target]):
                head = r // 2
                sends.append(f"row {r} (column {r % 2} of head {head}) "
                             f"should be 1 in column {r + target} and 0 "
                             "elsewhere")
        return "; ".join(sends[:2])

    def praise(self):
        return ("Z @ W_o_swap puts head 1's columns first and head 0's "
                "second, so W_o's rows are the heads.")


def _reshape_only(M, n_heads):
    M = np.asarray(M)
    n_tokens, d_model = M.shape
    return M.reshape(n_heads, n_tokens, d_model // n_heads)


def _transpose_forgotten(M, n_heads):
    M = np.asarray(M)
    n_tokens, d_model = M.shape
    return M.reshape(n_tokens, n_heads, d_model // n_heads)


def _strided(M, n_heads):
    M = np.asarray(M)
    n_tokens, d_model = M.shape
    return M.reshape(n_tokens, d_model // n_heads,
                     n_heads).transpose(2, 0, 1)


def _sizes_swapped(M, n_heads):
    M = np.asarray(M)
    n_tokens, d_model = M.shape
    return M.reshape(n_tokens, d_model // n_heads,
                     n_heads).transpose(1, 0, 2)


@register
class SplitHeads(FunctionExercise):
    """Write split_heads with reshape and transpose."""

    key = "07.3"
    title = "Split the heads yourself"
    needs = ()
    signature = "my_split_heads(M, n_heads)"
    hints = (
        "M has shape (n_tokens, d_model) and the result (n_heads, "
        "n_tokens, d_head), with d_head = d_model // n_heads read from "
        "M.shape.",
        "First cut every row into its heads' pieces: M.reshape(n_tokens, "
        "n_heads, d_head). Section 3 shows why reshaping straight to "
        "(n_heads, n_tokens, d_head) mixes the tokens.",
        "Then swap the first two axes: .transpose(1, 0, 2).",
    )
    solution_code = (
        "def my_split_heads(M, n_heads):\n"
        "    n_tokens, d_model = M.shape\n"
        "    d_head = d_model // n_heads\n"
        "    H = M.reshape(n_tokens, n_heads, d_head)\n"
        "    return H.transpose(1, 0, 2)"
    )
    solution_note = (
        "The reshape keeps every token's numbers in its own row and "
        "cuts the row into heads; the transpose puts the head first."
    )

    def cases(self):
        rng = np.random.default_rng(7)
        return [
            Case("a (3, 4) M in 2 heads, as Q of Cat eats fish",
                 (rng.normal(size=(3, 4)), 2)),
            Case("a (10, 6) M in 3 heads, as Q of the cat-sat-mat "
                 "sentence", (rng.normal(size=(10, 6)), 3)),
            Case("a (5, 6) M in 2 heads of 3", (rng.normal(size=(5, 6)),
                                                 2)),
            Case("a (2, 3) M in 1 head", (np.arange(6.0).reshape(2, 3),
                                          1)),
        ]

    def reference(self, M, n_heads):
        return split_heads(M, n_heads)

    def mistakes(self):
        return [
            Mistake(RESHAPE_NO_TRANSPOSE,
                    "M.reshape(n_heads, n_tokens, d_head) re-cuts the "
                    "rows of M as they lie in memory, so head 0 gets "
                    "whole rows of the first tokens; reshape to "
                    "(n_tokens, n_heads, d_head) and then transpose.",
                    _reshape_only),
            Mistake(RESHAPE_NO_TRANSPOSE,
                    "The reshape to (n_tokens, n_heads, d_head) is right, "
                    "but the result still has the tokens first; swap the "
                    "first two axes with .transpose(1, 0, 2).",
                    _transpose_forgotten),
            Mistake(STRIDED_COLUMNS,
                    "Head h owns the d_head consecutive columns h * "
                    "d_head to (h + 1) * d_head - 1, not columns h, "
                    "h + n_heads, ...; reshape to (n_tokens, n_heads, "
                    "d_head).",
                    _strided),
            Mistake(SIZES_SWAPPED,
                    "Reshape to (n_tokens, n_heads, d_head): the heads "
                    "come before the columns of each head.",
                    _sizes_swapped),
        ]

    def praise(self):
        return ("my_split_heads agrees with qk.split_heads on every case, "
                "including 3 heads of the 10-token sentence.")
