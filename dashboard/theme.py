"""The dashboard's visual vocabulary: report/palette.py (the one palette, shared with the printed
pack) plus what only the screen needs, the data grids' theme."""
from __future__ import annotations

from report.palette import *  # noqa: F401,F403 - one palette for the screen and the paper

GRID_THEME = {"function": "themeQuartz.withParams({fontSize: 15, headerFontSize: 15, "
                          "fontFamily: 'inherit', spacing: 6, headerFontWeight: 600, "
                          "wrapperBorderRadius: 6, accentColor: '#1f5fa8'})"}
