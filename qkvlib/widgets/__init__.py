"""Interactive widgets for the notebooks (ipywidgets and anywidget).

Not imported by ``import qkvlib``: ``from qkvlib.widgets import ...``
loads ipywidgets only where a notebook wants a live control. Each widget
gives a plain-text description as its text form, which is what a stored
notebook shows where no live widget can run (on GitHub, or before the
cell is executed); the explorers also leave a PNG of their opening
state there.

- ``widget_check``: a slider and a sentence, to see that widgets render.
- ``HeatmapView``: one heatmap drawn in the browser from numbers.
- ``MatrixEditor``: a grid of entries that edits one matrix.
- ``ProjectionExplorer``: edit W_q (or W_k, W_v) and watch X W move.
- ``ScalingExplorer``: slide d_k, switch the sqrt(d_k) scale, read the
  spread of the scores and the largest weight.
- ``TemperatureExplorer``: slide tau in softmax(S / tau).
- ``MaskBuilder``: switch causal and padding masks, flip single cells,
  and read which keys each query may look at and the weights A.
- ``PipelineExplorer``: edit X, W_q, W_k, W_v and watch Q, K, V, S, A
  and Z follow.
- ``HeadExplorer``: pick one head of a multi-head result and see its
  weights A large, beside the other heads.
- ``Puzzle`` with ``WeightGoal`` or ``SelfGoal``: edit the weights
  until the attention meets a goal, told how close after every edit.
"""

from ._check import widget_check
from .editor import MatrixEditor
from .explorer import PipelineExplorer
from .heads import HeadExplorer
from .heatmap_view import HeatmapView
from .masks import MaskBuilder
from .projection import ProjectionExplorer
from .puzzle import Puzzle, SelfGoal, WeightGoal
from .scaling import ScalingExplorer
from .temperature import TemperatureExplorer

__all__ = ["HeadExplorer", "HeatmapView", "MaskBuilder", "MatrixEditor",
           "PipelineExplorer", "ProjectionExplorer", "Puzzle",
           "ScalingExplorer", "SelfGoal", "TemperatureExplorer",
           "WeightGoal", "widget_check"]
