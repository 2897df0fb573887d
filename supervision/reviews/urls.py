"""The reviews room on a centre's site (mounted at /supervision/)."""
from django.urls import path

from supervision.reviews import views

urlpatterns = [
    path("reviews/", views.review_list, name="supervision-reviews"),
    path("reviews/rate/", views.review_rate, name="supervision-review-rate"),
    path("reviews/follow-up/", views.review_follow_up, name="supervision-review-follow-up"),
    path("reviews/counter/", views.review_counter, name="supervision-review-counter"),
    path("reviews/callbacks/", views.callback_new, name="supervision-review-callback"),
    path("reviews/rectifications/<int:pk>/callback/", views.rectification_callback,
         name="supervision-rectification-callback"),
    path("reviews/rectifications/<int:pk>/report/", views.rectification_report,
         name="supervision-rectification-report"),
    path("complaints/", views.complaint_list, name="supervision-complaints"),
    path("complaints/new/", views.complaint_new, name="supervision-complaint-new"),
    path("complaints/<int:pk>/answer/", views.complaint_answer, name="supervision-complaint-answer"),
]
