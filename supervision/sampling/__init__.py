"""The sampling room (档案抽查): each month's random, reproducible draw of closed cases whose paper archives
are compared with the system's dates."""
