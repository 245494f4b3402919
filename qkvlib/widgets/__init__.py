"""Interactive widgets for the notebooks (ipywidgets and anywidget).

Not imported by ``import qkvlib``: ``from qkvlib.widgets import ...``
loads ipywidgets only where a notebook wants a live control. Each widget
gives a plain-text description as its text form, which is what a stored
notebook shows where no live widget can run (on GitHub, or before the
cell is executed).

- ``widget_check``: a slider and a sentence, to see that widgets render.
- ``HeatmapView``: one heatmap drawn in the browser from numbers.
- ``MatrixEditor``: a grid of entries that edits one matrix.
- ``PipelineExplorer``: edit X, W_q, W_k, W_v and watch Q, K, V, S, A
  and Z follow.
"""

from ._check import widget_check
from .editor import MatrixEditor
from .explorer import PipelineExplorer
from .heatmap_view import HeatmapView

__all__ = ["HeatmapView", "MatrixEditor", "PipelineExplorer",
           "widget_check"]
