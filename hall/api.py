"""API of a centre's hall (大厅) on the centre's host (`/api/v1/hall/` on `<slug>.<domain>`): thin views over
hall.services and hall.selectors, for kiosks, the hall screen, hardware callers and applicants' phones.

Who may call (hall.api_auth):
- Kiosks and screens (and rating pads) send `Authorization: Device <key>`; the centre's staff a token
  (`Authorization: Token <key>`) or their session. A key unknown at this centre (another centre's) or
  retired answers 401; a device of the wrong kind 403; a signed-in stranger 404; no credentials 401.
- Hardware callers (呼叫器) use the clerk's token and name the window in the path: every call is the
  clerk's act, allowed where `hall.services.may_operate` says so (403 `hall_window_not_operated` for the
  centre's staff who may not call there).
- The public: a ticket's live place by its secret token, free appointment slots, SMS codes, booking
  online with the code and cancelling with the mobile (rate-limited per address: 429 `rate_limited`).

Endpoints:
- `GET queues/`, `POST tickets/`, `POST check-ins/` (kiosk or staff), `GET tickets/{token}/`,
  `GET slots/?queue=A`, `GET screen/`, `GET events/?after=<id>` (screen, pad, kiosk or staff).
- `GET windows/{number}/`, `POST windows/{number}/call-next/`,
  `POST windows/{number}/tickets/{code}/{call|recall|no_show|start|finish|transfer}/` (staff). A ticket is
  named by its code of today (`A023`, any case): a code is unique within a day and a transfer keeps it.
- `POST phone-codes/` (202), `POST appointments/` (201), `POST appointments/{code}/cancel/`.

Every error is `{code, message, extra}` in the request's language (common.errors); `hall_*` codes are
listed in hall.error_codes. Times are the centre's (Asia/Shanghai), ISO 8601.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.choices import ApplicantKind
from common.errors import ApplicationError
from common.identity import normalise_mobile, recipient_hmac
from hall import selectors, services
from hall.api_auth import DeviceAuthentication, HallDeviceOrStaff, HallThrottle, device_of
from hall.choices import (
    AppointmentStatus,
    BookingChannel,
    DeviceKind,
    HallEventKind,
    Priority,
    TicketAction,
    TicketSource,
    TicketStatus,
)
from hall.error_codes import HallErrorCode
from hall.models import Queue, Ticket
from tenants.authentication import TokenAuthentication
from tenants.request import CentreStaffOr404, centre_of, user_of
from tenants.selectors import user_is_staff_of
from windows.models import Window

#: Devices, then a token, then a session: a 401 names the Device scheme first.
DEVICE_OR_STAFF = [DeviceAuthentication, TokenAuthentication, SessionAuthentication]


def _now() -> dt.datetime:
    """The hall's clock (tests set it)."""
    return timezone.now()


def _today() -> dt.date:
    return timezone.localtime(_now()).date()


def _queue(letter: str, field: str = "queue") -> Queue:
    queue = selectors.queue_by_letter(letter)
    if queue is None:
        message = _("There is no queue %(letter)s.") % {"letter": letter}
        raise ApplicationError(message, HallErrorCode.QUEUE_UNKNOWN, {"fields": {field: [message]}})
    return queue


def _window(number: str) -> Window:
    window = selectors.window_by_number(number)
    if window is None:
        raise ApplicationError(_("There is no window %(number)s.") % {"number": number}, "not_found",
                               http_status=status.HTTP_404_NOT_FOUND)
    return window


def _ticket_today(code: str) -> Ticket:
    ticket = selectors.ticket_of_day(code=code, day=_today())
    if ticket is None:
        raise ApplicationError(_("There is no ticket %(code)s today.") % {"code": code}, HallErrorCode.TICKET_UNKNOWN,
                               http_status=status.HTTP_404_NOT_FOUND)
    return ticket


def _staff_user(request: Request):
    """The signed-in user if they are the centre's staff, else None (an applicant, a stranger)."""
    user = request.user if request.user.is_authenticated else None
    return user if user is not None and user_is_staff_of(user=user, centre=centre_of(request)) else None


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "09:30"})
class ClockField(serializers.TimeField):
    """A time of day on the centre's clock, `09:30` (read also as `09:30:00`): no date, no offset (the
    schema's `format: time` would ask for an offset)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%H:%M", **kwargs)


# --- output --------------------------------------------------------------------------------------


class HallTicketOutput(serializers.Serializer):
    """A ticket as a window's caller and the staff see it (no personal data)."""

    id = serializers.UUIDField()
    code = serializers.CharField(help_text="The queue's letter and the day's number, e.g. A023.")
    queue = serializers.CharField(source="queue.letter")
    day = serializers.DateField()
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    source = serializers.ChoiceField(choices=TicketSource.choices)  # type: ignore[assignment]  # DRF pops declared fields
    priority = serializers.ChoiceField(choices=Priority.choices)
    item_code = serializers.CharField()
    window = serializers.CharField(source="window.number", allow_null=True,
                                   help_text="The window it was called to (null while waiting).")
    due_at = serializers.DateTimeField(allow_null=True, help_text="An appointment's time (called first once due).")
    taken_at = serializers.DateTimeField()
    called_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    recalls = serializers.IntegerField()
    case_number = serializers.CharField()


class HallTakenOutput(serializers.Serializer):
    """A ticket just taken (the kiosk prints it): its place, estimated wait and live page."""

    id = serializers.UUIDField(source="ticket.id")
    code = serializers.CharField(source="ticket.code")
    queue = serializers.CharField(source="ticket.queue.letter")
    queue_name_zh = serializers.CharField(source="ticket.queue.name_zh")
    queue_name_en = serializers.CharField(source="ticket.queue.name_en")
    priority = serializers.ChoiceField(source="ticket.priority", choices=Priority.choices)
    ahead = serializers.IntegerField(help_text="Tickets to be called before this one.")
    wait_minutes = serializers.IntegerField(allow_null=True, help_text="Estimated wait (minutes).")
    due_at = serializers.DateTimeField(source="ticket.due_at", allow_null=True)
    live_url = serializers.SerializerMethodField(help_text="The ticket's live page (its QR code).")
    taken_at = serializers.DateTimeField(source="ticket.taken_at")

    def get_live_url(self, obj) -> str:
        return services.ticket_url(centre=self.context["centre"], ticket=obj.ticket)


class HallEventOutput(serializers.Serializer):
    """One change the hall heard (hall.events); its id is the stream's event id."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=HallEventKind.choices)
    at = serializers.DateTimeField()
    ticket = serializers.CharField()
    queue = serializers.CharField()
    window = serializers.CharField(help_text="Empty when no window is involved.")
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    day = serializers.DateField()
    say_zh = serializers.CharField(required=False, help_text="Called events: what the screen reads aloud.")
    say_en = serializers.CharField(required=False)
    waiting = serializers.DictField(child=serializers.IntegerField(), required=False,
                                    help_text="Waiting tickets per queue letter, after the change.")


class HallScreenQueueOutput(serializers.Serializer):
    letter = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


def _taken(request: Request, ticket: Ticket) -> Response:
    position = selectors.ticket_position(ticket=ticket, now=_now())
    return Response(HallTakenOutput(position, context={"centre": centre_of(request)}).data,
                    status=status.HTTP_201_CREATED)


# --- kiosks and screens --------------------------------------------------------------------------


class QueueListApi(APIView):
    """The centre's queues in service (a kiosk's buttons): letter, names, hours, waiting now, windows."""

    authentication_classes = DEVICE_OR_STAFF
    permission_classes = [HallDeviceOrStaff]
    device_kinds = (DeviceKind.KIOSK, DeviceKind.SCREEN)

    class OutputSerializer(serializers.Serializer):
        letter = serializers.CharField()
        name_zh = serializers.CharField()
        name_en = serializers.CharField()
        opens_at = ClockField()
        closes_at = ClockField()
        waiting = serializers.SerializerMethodField()
        windows = serializers.SerializerMethodField(help_text="The numbers of the windows calling from it.")

        def get_waiting(self, obj) -> int:
            return self.context["waiting"].get(obj.letter, 0)

        def get_windows(self, obj) -> list[str]:
            return [w.number for w in obj.windows.all() if w.is_active]

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        waiting = selectors.waiting_counts(_today())
        return Response(self.OutputSerializer(selectors.queues_open(), many=True, context={"waiting": waiting}).data)


class TicketTakeApi(APIView):
    """Take the next number of a queue today: at a kiosk (its device key), or issued by the centre's staff
    (`source` window). The green channel is given by staff only. When the day's tickets have run out:
    400 `hall_tickets_run_out` with `extra.slots`, the next free appointment slots
    (`[{queue, day, starts_at, ends_at, free}]`); outside hours `hall_queue_closed`; on a day off
    `hall_not_working_day`."""

    authentication_classes = DEVICE_OR_STAFF
    permission_classes = [HallDeviceOrStaff]
    device_kinds = (DeviceKind.KIOSK,)

    class InputSerializer(serializers.Serializer):
        queue = serializers.CharField(max_length=2, help_text="The queue's letter, e.g. A.")
        priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL,
                                           help_text="1: elderly, disabled, pregnant; 2: green channel (staff only).")
        mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, default="",
                                       help_text="For an SMS when three are ahead.")
        item_code = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={201: HallTakenOutput})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        device = device_of(request)
        if device is not None and data["priority"] == Priority.GREEN_CHANNEL:
            message = _("The green channel is given by the centre's staff.")
            raise ApplicationError(message, "validation_error", {"fields": {"priority": [message]}})
        ticket = services.ticket_take(
            centre=centre_of(request), queue=_queue(data["queue"]), now=_now(), priority=data["priority"],
            mobile=data["mobile"], item_code=data["item_code"],
            source=TicketSource.KIOSK if device is not None else TicketSource.WINDOW,
            acting_user=None if device is not None else user_of(request))
        return _taken(request, ticket)


class CheckInApi(APIView):
    """Check in today's appointment by its code or the applicant's ID number (one of them): a ticket due
    at the appointment's time. 400 `hall_appointment_unknown`, `hall_appointment_not_today` (check in
    from an hour before the slot to its end); 409 `hall_appointment_not_active` (cancelled, already in)."""

    authentication_classes = DEVICE_OR_STAFF
    permission_classes = [HallDeviceOrStaff]
    device_kinds = (DeviceKind.KIOSK,)

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                     help_text="The appointment's 8-digit code.")
        id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

        def validate(self, attrs: dict) -> dict:
            if not attrs["code"].strip() and not attrs["id_number"].strip():
                raise serializers.ValidationError(_("Give the appointment's code or the ID number."))
            return attrs

    @extend_schema(request=InputSerializer, responses={201: HallTakenOutput})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ticket = services.appointment_check_in(centre=centre_of(request), now=_now(), **payload.validated_data)
        return _taken(request, ticket)


class TicketPlaceApi(APIView):
    """A ticket's live place by its secret token (the QR code's page; anyone holding it): status, people
    ahead, estimated wait, the window once called. 404 `hall_ticket_unknown`."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField(source="ticket.code")
        queue = serializers.CharField(source="ticket.queue.letter")
        queue_name_zh = serializers.CharField(source="ticket.queue.name_zh")
        queue_name_en = serializers.CharField(source="ticket.queue.name_en")
        day = serializers.DateField(source="ticket.day")
        status = serializers.ChoiceField(source="ticket.status", choices=TicketStatus.choices)
        status_display = serializers.CharField(source="ticket.get_status_display")
        ahead = serializers.IntegerField()
        wait_minutes = serializers.IntegerField(allow_null=True, help_text="Null once not waiting.")
        windows_open = serializers.IntegerField()
        window = serializers.CharField(source="ticket.window.number", allow_null=True)
        taken_at = serializers.DateTimeField(source="ticket.taken_at")
        called_at = serializers.DateTimeField(source="ticket.called_at", allow_null=True)
        due_at = serializers.DateTimeField(source="ticket.due_at", allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, token: str) -> Response:
        ticket = selectors.ticket_by_token(token)
        if ticket is None:
            raise ApplicationError(_("There is no such ticket."), HallErrorCode.TICKET_UNKNOWN,
                                   http_status=status.HTTP_404_NOT_FOUND)
        return Response(self.OutputSerializer(selectors.ticket_position(ticket=ticket, now=_now())).data)


class SlotListApi(APIView):
    """A queue's free appointment slots over the booking horizon (working days only: weekends, holidays
    and closures skipped), at most 50. 400 `hall_queue_unknown`."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    class FilterSerializer(serializers.Serializer):
        queue = serializers.CharField(max_length=2, help_text="The queue's letter, e.g. A.")
        day = serializers.DateField(required=False, help_text="From this day on (default: today).")

    class OutputSerializer(serializers.Serializer):
        queue = serializers.CharField()
        day = serializers.DateField()
        starts_at = ClockField()
        ends_at = ClockField()
        free = serializers.IntegerField(help_text="Appointments the slot still holds.")

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        slots = selectors.slots_free(centre=centre_of(request), queue=_queue(filters.validated_data["queue"]),
                                     now=_now(), from_day=filters.validated_data.get("day"))
        return Response(self.OutputSerializer(slots, many=True).data)


class ScreenApi(APIView):
    """What the hall screen shows when it (re)connects: the latest call of each window (newest first), the
    waiting count per queue and the id of the last event (then follow `events/?after=` or the stream)."""

    authentication_classes = DEVICE_OR_STAFF
    permission_classes = [HallDeviceOrStaff]
    device_kinds = (DeviceKind.SCREEN, DeviceKind.PAD, DeviceKind.KIOSK)

    class OutputSerializer(serializers.Serializer):
        calls = HallEventOutput(many=True)
        waiting = serializers.DictField(child=serializers.IntegerField(), help_text="Waiting tickets per queue.")
        last_event_id = serializers.IntegerField(help_text="Follow `events/?after=` this id (0: none yet).")
        queues = HallScreenQueueOutput(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(selectors.screen_picture(day=_today())).data)


class EventListApi(APIView):
    """The hall's events after the one with id `after` (0: from the first), oldest first, at most 200: what
    a screen or pad that lost its connection missed. For live events, the server-sent stream
    `GET /hall/stream/` (text/event-stream on the centre's host; each event's `id:` is this id, and a
    reconnecting client's `Last-Event-ID` resumes after it) carries the same objects."""

    authentication_classes = DEVICE_OR_STAFF
    permission_classes = [HallDeviceOrStaff]
    device_kinds = (DeviceKind.SCREEN, DeviceKind.PAD, DeviceKind.KIOSK)

    class FilterSerializer(serializers.Serializer):
        after = serializers.IntegerField(min_value=0, required=False, default=0, help_text="The last event id seen.")

    @extend_schema(parameters=[FilterSerializer], responses=HallEventOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        events = selectors.events_after(event_id=filters.validated_data["after"])
        return Response(HallEventOutput(events, many=True).data)


# --- callers: a window's clerk -------------------------------------------------------------------


class CallerWindowApi(APIView):
    """A window as its caller shows it: the ticket called or in service there (null: none) and how many
    wait that it may call. 403 `hall_window_not_operated`; 404 for an unknown window."""

    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    class OutputSerializer(serializers.Serializer):
        number = serializers.CharField()
        name_zh = serializers.CharField()
        name_en = serializers.CharField()
        queues = serializers.ListField(child=serializers.CharField(), help_text="The letters it calls from.")
        waiting = serializers.IntegerField()
        ticket = HallTicketOutput(allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, number: str) -> Response:
        window = _window(number)
        services.window_operator_check(user=user_of(request), centre=centre_of(request), window=window)
        live = services.live_tickets_of_window(window=window, day=_today())
        data = {"number": window.number, "name_zh": window.name_zh, "name_en": window.name_en,
                "queues": [q.letter for q in selectors.queues_open().filter(windows=window)],
                "waiting": selectors.window_waiting(window=window, day=_today()), "ticket": live[0] if live else None}
        return Response(self.OutputSerializer(data).data)


class CallNextApi(APIView):
    """Call the next ticket to the window (appointments due, green channel, priority, then in order;
    two windows at once get two tickets). 400 `hall_nobody_waiting`, `hall_window_not_serving`; 403
    `hall_window_not_operated`; 409 `hall_conflict` (the window still has a ticket called or in service:
    `extra.ticket`)."""

    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    @extend_schema(request=None, responses=HallTicketOutput)
    def post(self, request: Request, number: str) -> Response:
        ticket = services.ticket_call_next(centre=centre_of(request), window=_window(number),
                                           acting_user=user_of(request), now=_now())
        return Response(HallTicketOutput(ticket).data)


class TicketActApi(APIView):
    """One step of a ticket at the window, the ticket named by today's code (A023): `call` (a chosen
    waiting ticket; 400 `hall_window_not_serving` when the window does not serve its queue), `recall`,
    `no_show`, `start`, `finish`. 409 `hall_transition_not_allowed` (not from its status, or at another
    window), `hall_conflict`; 403 `hall_window_not_operated`; 404 for an unknown window or ticket."""

    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    @extend_schema(request=None, responses=HallTicketOutput)
    def post(self, request: Request, number: str, code: str, action: str) -> Response:
        window = _window(number)
        ticket = services.ticket_act(centre=centre_of(request), ticket=_ticket_today(code), action=action,
                                     window=window, acting_user=user_of(request), now=_now())
        return Response(HallTicketOutput(ticket).data)


class TicketTransferApi(APIView):
    """Send a ticket called or served at the window on to another queue (it keeps its code and its place
    by the time it was taken) or to one window (only that window calls it next): exactly one of `queue`
    and `window`. 400 `hall_queue_unknown`, `hall_window_not_serving`; 409 `hall_transition_not_allowed`."""

    permission_classes = [permissions.IsAuthenticated, CentreStaffOr404]

    class InputSerializer(serializers.Serializer):
        queue = serializers.CharField(max_length=2, required=False, allow_blank=True, default="",
                                      help_text="A queue's letter.")
        window = serializers.CharField(max_length=16, required=False, allow_blank=True, default="",
                                       help_text="A window's number.")

        def validate(self, attrs: dict) -> dict:
            if bool(attrs["queue"].strip()) == bool(attrs["window"].strip()):
                raise serializers.ValidationError(_("Choose one queue or one window to transfer to."))
            return attrs

    @extend_schema(request=InputSerializer, responses=HallTicketOutput)
    def post(self, request: Request, number: str, code: str) -> Response:
        window = _window(number)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        to_window = None
        if data["window"].strip():
            to_window = selectors.window_by_number(data["window"])
            if to_window is None:
                message = _("There is no window %(number)s.") % {"number": data["window"]}
                raise ApplicationError(message, HallErrorCode.WINDOW_NOT_SERVING, {"fields": {"window": [message]}})
        ticket = services.ticket_transfer(
            centre=centre_of(request), ticket=_ticket_today(code), window=window, acting_user=user_of(request),
            now=_now(), to_queue=_queue(data["queue"]) if data["queue"].strip() else None, to_window=to_window)
        return Response(HallTicketOutput(ticket).data)


# --- appointments: the public, and staff on the phone ---------------------------------------------


class HallAppointmentOutput(serializers.Serializer):
    """An appointment as its applicant sees it (no personal data but the name)."""

    code = serializers.CharField(help_text="The 8-digit code to check in with at the kiosk.")
    queue = serializers.CharField(source="queue.letter")
    item_code = serializers.CharField()
    item_name_zh = serializers.CharField()
    item_name_en = serializers.CharField()
    day = serializers.DateField()
    starts_at = ClockField()
    ends_at = ClockField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    channel = serializers.ChoiceField(choices=BookingChannel.choices)


class PhoneCodeApi(APIView):
    """Send a 6-digit SMS code to a mobile, to book online (`booking`) or take a ticket on a phone
    (`ticket`); valid 10 minutes. 202; 400 `hall_invalid_mobile`, `hall_code_too_many` (five an hour)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [HallThrottle]
    throttle_scope = "hall_codes"

    class InputSerializer(serializers.Serializer):
        mobile = serializers.CharField(max_length=30)
        purpose = serializers.ChoiceField(choices=services.PHONE_CODE_PURPOSES, default=services.PHONE_CODE_BOOKING)

    class OutputSerializer(serializers.Serializer):
        valid_minutes = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.phone_code_send(centre=centre_of(request), now=_now(), **payload.validated_data)
        minutes = int(services.CODE_VALID.total_seconds() // 60)
        return Response(self.OutputSerializer({"valid_minutes": minutes}).data, status=status.HTTP_202_ACCEPTED)


class AppointmentBookApi(APIView):
    """Book a slot: online with the SMS code sent to the mobile (`phone-codes/`, purpose `booking`), or by
    the centre's staff on the phone (signed in; no code; channel `phone`). 201 with the appointment and
    its code (also sent by SMS). 400 `hall_code_wrong`, `hall_slot_full`, `hall_slot_unknown`,
    `hall_slot_past`, `hall_not_working_day`, `hall_booking_suspended`, `hall_item_not_served`,
    `case_invalid_applicant`; 409 `hall_already_booked` (one a day per person and queue)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [HallThrottle]
    throttle_scope = "hall_bookings"

    class InputSerializer(serializers.Serializer):
        queue = serializers.CharField(max_length=2)
        item_code = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
        day = serializers.DateField()
        starts_at = ClockField(help_text="A slot's start, as `slots/` lists them.")
        name = serializers.CharField(max_length=100)
        id_number = serializers.CharField(max_length=40, help_text="Resident ID number or unified social credit code.")
        applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices, default=ApplicantKind.PERSON)
        mobile = serializers.CharField(max_length=30)
        code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                     help_text="The SMS code; staff booking by phone leave it out.")

    @extend_schema(request=InputSerializer, responses={201: HallAppointmentOutput, 409: OpenApiResponse(
        description="`hall_already_booked`")})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        centre, staff = centre_of(request), _staff_user(request)
        data["queue"] = _queue(data["queue"])
        code = data.pop("code")
        if staff is not None:
            appointment = services.appointment_book(centre=centre, channel=BookingChannel.PHONE, acting_user=staff,
                                                    now=_now(), **data)
        else:
            appointment = services.appointment_book_online(centre=centre, code=code, now=_now(), **data)
        return Response(HallAppointmentOutput(appointment).data, status=status.HTTP_201_CREATED)


class AppointmentCancelApi(APIView):
    """Cancel a booked appointment: its applicant with the mobile it was booked with, or the centre's
    staff (no mobile needed). 404 for an unknown code or another mobile; 409
    `hall_appointment_not_active` (already cancelled or checked in)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [HallThrottle]
    throttle_scope = "hall_bookings"

    class InputSerializer(serializers.Serializer):
        mobile = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=HallAppointmentOutput)
    def post(self, request: Request, code: str) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        staff = _staff_user(request)
        if staff is not None:
            appointment = selectors.appointment_by_code(code)
        else:
            mobile = normalise_mobile(payload.validated_data["mobile"]) or ""
            appointment = selectors.appointment_of_holder(code=code, mobile_hmac=recipient_hmac(mobile)) \
                if mobile else None
        if appointment is None:
            raise ApplicationError(_("No appointment was found for this code and mobile."),
                                   HallErrorCode.APPOINTMENT_UNKNOWN, http_status=status.HTTP_404_NOT_FOUND)
        appointment = services.appointment_cancel(centre=centre_of(request), appointment=appointment, now=_now(),
                                                  reason=payload.validated_data["reason"], acting_user=staff)
        return Response(HallAppointmentOutput(appointment).data)


#: The steps a caller takes on one ticket, each its own address (`.../tickets/A023/<action>/`).
CALLER_ACTIONS = (TicketAction.CALL, TicketAction.RECALL, TicketAction.NO_SHOW, TicketAction.START,
                  TicketAction.FINISH)
