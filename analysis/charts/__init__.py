"""Charts (seaborn on matplotlib). Each takes tidy results and an optional ``ax`` and
returns the Axes; statistics come from the analysis functions, never from here."""

from analysis.charts.configmap import plot_configuration_map
from analysis.charts.distribution import plot_category_shares, plot_grades
from analysis.charts.drivers import plot_drivers
from analysis.charts.dumbbell import plot_gaps
from analysis.charts.likert import plot_likert
from analysis.charts.mirror import plot_mirror
from analysis.charts.profile import plot_profiles
from analysis.charts.save import save_chart
from analysis.charts.waves import plot_wave_changes

__all__ = [
    "plot_category_shares",
    "plot_configuration_map",
    "plot_drivers",
    "plot_gaps",
    "plot_grades",
    "plot_likert",
    "plot_mirror",
    "plot_profiles",
    "plot_wave_changes",
    "save_chart",
]
