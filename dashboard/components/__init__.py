"""Shared visual pieces: RAG marks, tiles, chart cards, figures tables, sparklines, page data."""
from .cards import chart_card, empty_state, metric_tile, page_header, tiles_row
from .grid import figures_table, number_column, text_column
from .rag import change_text, not_green_text, rag_badge, status_chip, value_text
from .sparkline import sparkline

__all__ = ["chart_card", "empty_state", "metric_tile", "page_header", "tiles_row", "figures_table",
           "number_column", "text_column", "change_text", "not_green_text", "rag_badge",
           "status_chip", "value_text", "sparkline"]
