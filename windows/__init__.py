"""Service windows (窗口) of a centre: per-centre data with per-object permissions."""
