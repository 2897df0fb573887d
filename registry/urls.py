"""Filled in by the cases pages/API work."""
urlpatterns: list = []
