"""The city's news on the platform's site (mounted at /news/): every centre's posts."""
from django.urls import path

from news import views

urlpatterns = [
    path("", views.city_news, name="news-list"),
    path("<int:post_id>/", views.news_detail, name="news-detail"),
]
