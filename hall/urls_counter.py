"""URLs of the hall's counter pages (included by hall.urls): the window's caller (叫号) for clerks and the
window's rating pad (评价器), reached by its device key."""
from django.urls import path

from hall import views_counter

urlpatterns = [
    path("counter/", views_counter.counter, name="counter"),
    path("counter/<str:number>/", views_counter.counter_window, name="counter_window"),
    path("counter/<str:number>/case/", views_counter.counter_case, name="counter_case"),
    path("pad/<str:key>/", views_counter.pad, name="pad"),
    path("pad/<str:key>/state/", views_counter.pad_state, name="pad_state"),
]
