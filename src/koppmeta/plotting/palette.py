"""The one palette of every koppmeta figure (colour-blind safe where colour carries meaning).

Every plot module takes its colours from here; nothing else defines a colour.
"""

from __future__ import annotations

__all__ = [
    "C_STUDY", "C_SUBTOTAL", "C_POOLED", "C_LINE", "C_MUTED", "C_SHRUNK", "C_BAND", "C_NULL", "C_RULE",
    "C_GRID", "C_SEPARATOR", "C_EMPTY", "C_BOX", "C_BOX_HEAD", "C_BOX_END", "SHADES", "ROB_COLOURS", "ROB_SYMBOLS", "ROB_LEVELS",
]

C_STUDY = "#1f4e79"      # studies: squares, points, bubbles, histograms
C_SUBTOTAL = "0.2"       # subgroup diamonds
C_POOLED = "#b22222"     # the pooled estimate: diamond, prediction bar, fitted line
C_LINE = "0.15"          # confidence-interval whiskers
C_MUTED = "0.35"         # notes, heterogeneity lines, "favours" labels
C_SHRUNK = "0.55"        # Bayesian shrinkage estimates
C_BAND = "#f2c6c6"       # interval bands (leave-one-out full model, regression confidence band)
C_NULL = "0.25"          # the line of no effect
C_RULE = "0.3"           # header rules, box edges, arrows of flow diagrams
C_GRID = "0.9"           # light grid lines between rows
C_SEPARATOR = "0.7"      # separator before the overall column of a traffic-light plot
C_EMPTY = "0.4"          # mid grey: edge of a missing judgement, pseudo limits and reference lines
C_BOX = "white"          # flow-diagram boxes
C_BOX_HEAD = "#dbe7f3"   # flow-diagram phase labels
C_BOX_END = "#eef5ea"    # flow-diagram final box
SHADES = ("0.93", "0.84", "0.74", "0.64")  # funnel contours, light to dark

# risk of bias (robvis colours; each judgement also has a symbol, so colour is never the only cue)
ROB_COLOURS = {"low": "#2e9e4f", "some_concerns": "#e8b400", "high": "#c0392b", "unclear": "#9aa0a6"}
ROB_SYMBOLS = {"low": "+", "some_concerns": "\u2212", "high": "\u00d7", "unclear": "?"}
ROB_LEVELS = tuple(ROB_COLOURS)
