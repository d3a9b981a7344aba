"""Pictures of what a network learned and does: filters, feature maps, saliency, curves, graphs.

Every plotting function returns a matplotlib ``Figure`` drawn headless (Agg)
and, given ``path=``, also writes it as a PNG. matplotlib (the ``[viz]``
extra) is imported on the first plot, not here, so ``import minigrad.viz``
works without it; ``to_dot``, the ``capture_activations`` / ``saliency`` /
``maximize_activation`` computations and the ``explain_html`` page need no
matplotlib at all.
"""
from .activation_maximization import (MaximizedActivation, maximize_activation,
                                      plot_maximize_activation)
from .confusion import plot_confusion_matrix, plot_misclassified
from .explain import explain_html
from .feature_maps import capture_activations, plot_feature_maps
from .filters import plot_filters
from .graph import render_dot, to_dot
from .history import history_curves, plot_history
from .saliency import plot_saliency, saliency

__all__ = ["capture_activations", "explain_html", "history_curves", "maximize_activation",
           "MaximizedActivation", "plot_confusion_matrix", "plot_feature_maps", "plot_filters",
           "plot_history", "plot_maximize_activation", "plot_misclassified", "plot_saliency",
           "render_dot", "saliency", "to_dot"]
