"""Filled in by the catalogue pages/API work."""
urlpatterns: list = []
