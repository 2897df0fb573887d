from django.urls import path

from supervision import views_assessment as views

urlpatterns = [
    path("samples/", views.sample_list, name="supervision-samples"),
    path("samples/<int:pk>/", views.sample_detail, name="supervision-sample"),
    path("samples/cases/<int:pk>/", views.sample_case_record, name="supervision-sample-case"),
    path("inspections/", views.inspection_list, name="supervision-inspections"),
    path("bulletin/", views.bulletin, name="supervision-bulletin"),
    path("awards/", views.awards, name="supervision-awards"),
    path("scores/", views.scores, name="supervision-scores"),
    path("rules/", views.rules, name="supervision-rules"),
]
