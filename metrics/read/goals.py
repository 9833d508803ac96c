"""Goals with a deadline (catalog ``[[goals]]``): the trajectory to the goal, and whether a month's
figure is on it.

The trajectory is the straight line from the figure in the month the goal was set (``set_in``) to
the target in the month it is due (``by``). Before ``by``, a month is *on track* when its figure,
rounded as displayed, is at or better than the line; from ``by`` on, the goal was *met* or
*missed* on the figure for ``by``.
"""
from __future__ import annotations

from metrics.catalog import Catalog, Goal, Metric
from metrics.months import month_label, month_range
from metrics.formatting import format_value
from metrics.rag import display_round

ON_TRACK, OFF_TRACK, MET, MISSED, NO_FIGURE = "on_track", "off_track", "met", "missed", "no_figure"
STATE_LABELS = {ON_TRACK: "On track", OFF_TRACK: "Off track", MET: "Met", MISSED: "Missed",
                NO_FIGURE: "No figure"}
GOOD_STATES = (ON_TRACK, MET)


def goals_for(catalog: Catalog, metric_id: str, value: str | None = None) -> list[Goal]:
    """The goals for a metric's total (value None) or for one dimension value of it."""
    return [g for g in catalog.goals if g.metric == metric_id and g.value == value]


def trajectory(goal: Goal, start: float) -> list[tuple[str, float]]:
    """[(month, value on the line)] from ``set_in`` (the starting figure) to ``by`` (the target)."""
    months = month_range(goal.set_in, goal.by)
    steps = len(months) - 1
    return [(m, start + (goal.target - start) * i / steps) for i, m in enumerate(months)]


def _at_least(value: float, line: float, metric: Metric) -> bool:
    shown = display_round(value, metric.decimals)
    line = display_round(line, metric.decimals)
    return shown >= line if metric.higher_is_better else shown <= line


def assess(goal: Goal, metric: Metric, values: dict[str, float | None], month: str) -> dict | None:
    """Where ``month`` stands against the goal, or None before the goal was set.

    ``values``: {month: figure} for the goal's metric and dimension value (None: no figure).
    Returns state, label, the month judged, its figure, the line's value there, the trajectory,
    one sentence for the pack, e.g. "On track: 98.40% in February 2020 against 93.04% on the
    line to 99% by March 2020.", and a brief one for a slide.
    """
    if month < goal.set_in:
        return None
    unit, dec = metric.unit, metric.decimals
    goal_text = f"{format_value(goal.target, unit, 0 if goal.target.is_integer() else dec)} by " \
                f"{month_label(goal.by)}"
    start = values.get(goal.set_in)
    judged = min(month, goal.by)
    value = values.get(judged)
    out = {"goal": goal, "month": judged, "value": value, "goal_text": goal_text,
           "trajectory": [], "expected": None}
    if start is None:
        return {**out, "state": NO_FIGURE, "label": STATE_LABELS[NO_FIGURE],
                "sentence": f"No figure for {month_label(goal.set_in)}, when the goal of "
                            f"{goal_text} was set, so no trajectory can be drawn.",
                "brief": f"no figure for {month_label(goal.set_in, 'short')} to start from"}
    path = trajectory(goal, start)
    expected = dict(path)[judged]
    out.update(trajectory=path, expected=expected)
    shown = format_value(value, unit, dec)
    if value is None:
        state = NO_FIGURE
        sentence = f"No figure for {month_label(judged)} to judge the goal of {goal_text} against."
        brief = f"no figure for {month_label(judged, 'short')}"
    elif month >= goal.by:
        state = MET if _at_least(value, goal.target, metric) else MISSED
        sentence = (f"{STATE_LABELS[state]}: {shown} in {month_label(goal.by)} against the goal of "
                    f"{goal_text}.")
        brief = f"{STATE_LABELS[state].lower()}: {shown} in {month_label(goal.by, 'short')}"
    elif judged == goal.set_in:
        state = ON_TRACK
        needed = format_value(dict(path)[month_range(judged, goal.by)[1]], unit, dec)
        sentence = (f"Goal set on {month_label(judged)}'s {shown}: {goal_text}; the line needs "
                    f"{needed} next month.")
        brief = f"set at {shown}; needs {needed} next month"
    else:
        state = ON_TRACK if _at_least(value, expected, metric) else OFF_TRACK
        relation = "against" if state == ON_TRACK else "short of"
        line = format_value(expected, unit, dec)
        sentence = (f"{STATE_LABELS[state]}: {shown} in {month_label(judged)} {relation} "
                    f"{line} on the line to {goal_text}.")
        brief = f"{STATE_LABELS[state].lower()}: {shown} {relation} {line} on the line"
    return {**out, "state": state, "label": STATE_LABELS[state], "sentence": sentence, "brief": brief}
