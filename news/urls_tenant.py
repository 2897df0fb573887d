"""A centre's news on its own site (mounted at /news/)."""
from django.urls import path

from news import views
from news.feeds import CentreNewsFeed

urlpatterns = [
    path("", views.news_list, name="news-list"),
    path("feed/", CentreNewsFeed(), name="news-feed"),
    path("new/", views.news_edit, name="news-new"),
    path("<int:post_id>/", views.news_detail, name="news-detail"),
    path("<int:post_id>/edit/", views.news_edit, name="news-edit"),
    path("<int:post_id>/publish/", views.news_publish, name="news-publish"),
    path("<int:post_id>/unpublish/", views.news_unpublish, name="news-unpublish"),
]
