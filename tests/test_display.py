"""show and heatmap: what a reader sees, in text and in the figure."""

import subprocess
import sys

import numpy as np
import pytest

import qkvlib as qk
from qkvlib.plotting import cell_label


def test_show_prints_a_labelled_table_with_three_decimals():
    view = qk.show("A", [[0.25, -0.0001], [1 / 3, -np.inf]],
                   "(n_tokens, n_tokens)", rows=["Cat", "fish"],
                   cols=["Cat", "fish"])
    assert repr(view).splitlines() == [
        "A: shape (n_tokens, n_tokens) = (2, 2)",
        "        Cat   fish",
        "Cat   0.250  0.000",
        "fish  0.333   -inf",
    ]


def test_show_a_single_row():
    view = qk.show("x_cat", [1.0, 0.5], "(d_model,)", d_model=2)
    assert repr(view).splitlines() == [
        "x_cat: shape (d_model,) = (2,)",
        "      0      1",
        "  1.000  0.500",
    ]


def test_show_labels_a_single_row_with_its_token():
    view = qk.show("q_eats", [1.0, -0.5], "(d_k,)", rows=["eats"])
    assert repr(view).splitlines()[1:] == [
        "          0       1",
        "eats  1.000  -0.500",
    ]


def test_signed_heatmaps_can_share_a_scale():
    picture = qk.heatmap([[0.5, -1.0]], kind="signed", limit=3.0)
    norm = picture.figure.axes[0].images[0].norm
    assert (norm.vmin, norm.vmax) == (-3.0, 3.0)
    with pytest.raises(ValueError, match="limit must be positive"):
        qk.heatmap([[0.5, -1.0]], kind="signed", limit=0.5)
    with pytest.raises(ValueError, match="limit applies only"):
        qk.heatmap([[0.5]], limit=1.0)


def test_show_elides_the_middle_of_a_large_matrix():
    lines = repr(qk.show("M", np.zeros((20, 3)), "(n, d)")).splitlines()
    assert len(lines) == 1 + 1 + 12 + 1
    assert lines[8].strip() == "..."
    assert lines[-1].split()[0] == "19"


def test_heatmap_describes_itself_and_draws_fixed_weight_limits():
    A = [[0.2, 0.8], [0.6, 0.4]]
    picture = qk.heatmap(A, ["Cat", "fish"], ["Cat", "fish"], title="A")
    assert repr(picture) == (
        "Heatmap of A, shape (2, 2); rows: query token (Cat, fish); "
        "columns: key token (Cat, fish). Largest 0.80 at (Cat, fish)."
    )
    image = picture.figure.axes[0].images[0]
    assert image.get_clim() == (0.0, 1.0)
    assert image.cmap.name.startswith("viridis")
    labels = [text.get_text() for text in picture.figure.axes[0].texts]
    assert labels == ["0.20", "0.80", "0.60", "0.40"]
    assert picture.figure.axes[1].get_ylabel() == "weight"
    assert picture._repr_png_().startswith(b"\x89PNG")


def test_signed_heatmap_is_centred_on_zero_and_shows_masks():
    S = [[-2.0, 1.0], [-0.004, -np.inf]]
    picture = qk.heatmap(S, title="S", kind="signed")
    image = picture.figure.axes[0].images[0]
    assert image.norm.vmin == -2.0 and image.norm.vmax == 2.0
    assert image.norm.vcenter == 0.0
    texts = [text.get_text() for text in picture.figure.axes[0].texts]
    assert texts == ["-2.00", "1.00", "0.00", "-inf"]
    assert repr(picture).endswith("1 masked cells.")


def test_large_heatmaps_carry_no_cell_labels():
    picture = qk.heatmap(np.zeros((13, 2)), kind="signed")
    assert len(picture.figure.axes[0].texts) == 0


def test_heatmap_makes_no_pyplot_figures():
    plt = pytest.importorskip("matplotlib.pyplot")
    before = plt.get_fignums()
    qk.heatmap([[0.5]])
    assert plt.get_fignums() == before


def test_importing_qkvlib_changes_no_settings():
    code = (
        "import sys, numpy as np\n"
        "before = np.get_printoptions()\n"
        "import qkvlib\n"
        "assert np.get_printoptions() == before\n"
        "assert 'matplotlib' not in sys.modules\n"
        "print('clean')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert run.stdout.strip() == "clean"


@pytest.mark.parametrize("value, label", [
    (0.004, "0.00"), (-0.004, "0.00"), (1.234, "1.23"), (-0.625, "-0.62"),
    (99.994, "99.99"), (99.996, "100"), (-123.4, "-123"), (100.5, "101"),
    (-100.5, "-101"), (9999.4, "9999"), (9999.6, "1e4"), (250000, "3e5"),
    (-1e6, "-1e6"), (96000, "1e5"),
])
def test_cell_labels_fit_five_characters(value, label):
    assert cell_label(value) == label
    assert len(label) <= 5
