"""Trend charts: `base` (a chart and its table), `figures` (one pure builder per chart) and
`page` (the trends page loader and its cache)."""
