"""Live views: one widget per view, each fed by trainer snapshots.

:data:`VIEWS` maps a view id (as presets store it in ``views.layout``) to its
class; each class has ``title`` and ``probes`` (the probe ids it draws from,
see :data:`playground.probes.VIEW_PROBES`). ``"loss"`` is the presets' name
for the curves view. Typical use by the main window::

    view = create_view("boundary")
    view.set_session(session)              # attaches the probes it needs
    worker.snapshot.connect(view.show_snapshot)
    dock = QDockWidget(view.title); dock.setWidget(view)
"""

from __future__ import annotations

from ui.views.attention import AttentionView
from ui.views.band import BandView
from ui.views.base import View
from ui.views.beams import BeamSearchView
from ui.views.boundary import BoundaryView
from ui.views.confusion import ConfusionView, RocView
from ui.views.curves import CurvesView, RunHistory
from ui.views.errors import ErrorsView
from ui.views.filters import FeatureMapsView, FiltersView
from ui.views.generate import GenerateView
from ui.views.gradtime import GradTimeView
from ui.views.histogram import HistogramView
from ui.views.kernel import NadarayaWatsonView
from ui.views.landscape import LandscapeView
from ui.views.latent import LatentView
from ui.views.neurons import NeuronsView
from ui.views.newton import NewtonView
from ui.views.paths import PathsView
from ui.views.positional import PositionalEncodingView
from ui.views.regression import FitView, ForecastView
from ui.views.samples import SamplesView
from ui.views.search import SearchView
from ui.views.seeds import SeedsView
from ui.views.stepthrough import StepThroughView
from ui.views.sweep import SweepView
from ui.views.weights import WeightsView

VIEWS: dict[str, type[View]] = {cls.view_id: cls for cls in (
    BoundaryView, NeuronsView, WeightsView, FiltersView, FeatureMapsView, LatentView,
    SamplesView, HistogramView, ConfusionView, RocView, FitView, ForecastView, PathsView,
    LandscapeView, CurvesView, StepThroughView, SeedsView, AttentionView, GenerateView,
    PositionalEncodingView, NadarayaWatsonView, BeamSearchView, NewtonView, BandView, ErrorsView,
    GradTimeView, SearchView, SweepView)}
VIEWS["loss"] = CurvesView  # the id presets and task defaults use


def create_view(view_id: str, parent=None) -> View:
    """A new view widget for ``view_id``.

    Raises
    ------
    KeyError
        For an unknown id (the message lists the known ones).
    """
    if view_id not in VIEWS:
        raise KeyError(f"unknown view {view_id!r} (known: {', '.join(VIEWS)})")
    return VIEWS[view_id](parent)


__all__ = ["VIEWS", "RunHistory", "View", "create_view", *(c.__name__ for c in set(VIEWS.values()))]
