"""API of a centre's hall (`/api/v1/hall/` on the centre's host), for kiosks, screens, hardware callers and
applicants' phones (hall.api)."""
from django.urls import path

from hall import api

urlpatterns = [
    path("queues/", api.QueueListApi.as_view(), name="api-hall-queues"),
    path("tickets/", api.TicketTakeApi.as_view(), name="api-hall-tickets"),
    path("check-ins/", api.CheckInApi.as_view(), name="api-hall-check-ins"),
    path("tickets/<str:token>/", api.TicketPlaceApi.as_view(), name="api-hall-ticket"),
    path("slots/", api.SlotListApi.as_view(), name="api-hall-slots"),
    path("screen/", api.ScreenApi.as_view(), name="api-hall-screen"),
    path("events/", api.EventListApi.as_view(), name="api-hall-events"),
    path("windows/<str:number>/", api.CallerWindowApi.as_view(), name="api-hall-window"),
    path("windows/<str:number>/call-next/", api.CallNextApi.as_view(), name="api-hall-call-next"),
    *[path(f"windows/<str:number>/tickets/<str:code>/{action}/", api.TicketActApi.as_view(),
           {"action": str(action)}, name=f"api-hall-ticket-{action}".replace("_", "-"))
      for action in api.CALLER_ACTIONS],
    path("windows/<str:number>/tickets/<str:code>/transfer/", api.TicketTransferApi.as_view(),
         name="api-hall-ticket-transfer"),
    path("phone-codes/", api.PhoneCodeApi.as_view(), name="api-hall-phone-codes"),
    path("appointments/", api.AppointmentBookApi.as_view(), name="api-hall-appointments"),
    path("appointments/<str:code>/cancel/", api.AppointmentCancelApi.as_view(), name="api-hall-appointment-cancel"),
]
