"""Rendering without a web server: the palette, chart figures (plain Plotly dicts), the meeting
pack as HTML (Jinja2 templates and a CSS file) and its printing through headless Chromium."""
