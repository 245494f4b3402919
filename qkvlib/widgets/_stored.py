"""What a widget leaves in a stored notebook: a PNG and a sentence.

ipywidgets gives a widget's live view and a text form; a stored
notebook drops the live view (``ci/build_notebooks.py``), so each
qkvlib widget adds a PNG of its opening state, drawn by
``qkvlib.heatmap``, and a text form that says what the widget is and
what it shows.
"""

from __future__ import annotations

import base64

from ..plotting import Heatmap

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def with_picture(data: dict | None, picture: Heatmap, text: str) -> dict:
    """Return the live view from ``data`` with a PNG and a text form.

    Parameters
    ----------
    data : dict or None
        The widget's own bundle, from ipywidgets.
    picture : qkvlib.plotting.Heatmap
        The static picture of what the widget shows now.
    text : str
        The first line of the text form; the picture's description
        follows on the next line.
    """
    data = dict(data or {})
    data["image/png"] = base64.b64encode(
        picture._repr_png_()).decode("ascii")
    data["text/plain"] = f"{text}\n{picture!r}"
    return {mime: data[mime] for mime in
            (WIDGET_VIEW, "image/png", "text/plain") if mime in data}
