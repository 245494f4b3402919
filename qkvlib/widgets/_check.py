"""The widget check of the start page: a slider and a sentence.

ipywidgets cuts a widget's text form at 110 characters.
"""

import ipywidgets


class _Described(ipywidgets.VBox):
    """A VBox whose text form is a sentence rather than its repr."""

    def __init__(self, children, description: str):
        super().__init__(children)
        self._description = description

    def __repr__(self) -> str:
        return self._description


def widget_check(start: int = 3) -> ipywidgets.VBox:
    """Build a slider and a sentence that follows it, to test widgets.

    Parameters
    ----------
    start : int, default 3
        Where the slider starts, from 1 to 10.

    Returns
    -------
    ipywidgets.VBox
        The slider above a label that reads the slider's value. Its
        ``label`` and ``slider`` attributes are the two parts.

    Examples
    --------
    >>> check = widget_check(4)
    >>> check.slider.value = 7
    >>> check.label.value
    'The slider reads 7.'
    >>> check
    [widget: a slider from 1 to 10 and a sentence that reads it]
    """
    slider = ipywidgets.IntSlider(value=start, min=1, max=10,
                                  description="value")
    label = ipywidgets.Label(f"The slider reads {start}.")

    def follow(change):
        label.value = f"The slider reads {change['new']}."

    slider.observe(follow, names="value")
    box = _Described(
        [slider, label],
        "[widget: a slider from 1 to 10 and a sentence that reads it]",
    )
    box.slider, box.label = slider, label
    return box
