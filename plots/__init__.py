"""Pure figure builders: arrays in, plotly Figures out. No Streamlit import here."""

from .race import Run, race_figure
from .style import color_for, contour_grid
from .views import lr_curve_figure, surface3d_figure

__all__ = ["Run", "color_for", "contour_grid", "lr_curve_figure", "race_figure", "surface3d_figure"]
