"""The demo's hall (演示大厅), played inside a centre's schema through the hall's services with explicit
times: queues and their windows, the devices, a morning of tickets (taken at the kiosk or on a phone,
called to the windows, served by the demo clerks, some not come, some with a case opened, some still
waiting), and appointments (today's morning ones checked in, the coming working days' booked).

Only `hall.door` calls these (it enters the centre's schema and opens the transaction); they assume
both. The morning is a small event simulation: every service runs at the moment it happens (`now=`), in
the order things happen, so the numbers, the calling order and the waits are the services' own.
"""
from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from stdnum.cn import ric, uscc

from cases.choices import ApplicantKind
from common.errors import ApplicationError
from hall import services
from hall.choices import BookingChannel, Priority, TicketAction, TicketSource
from hall.error_codes import HallErrorCode
from hall.models import Appointment, HallDevice, Queue, Ticket
from hall.selectors import calling_order_key, slot_grid
from tenants.models import Centre, User
from windows.models import Window

#: Busy hours: arrivals come at ~95 % of what the windows can serve in the morning and in the last
#: stretch before "now" (so some are waiting now); the hours between are left quiet (a demo provisioned
#: in the evening plays two busy spells, not a whole day: it stays quick to provision).
PEAK_LOAD = 0.95
MORNING_END = dt.time(11, 30)
LATE_PEAK = dt.timedelta(minutes=45)
#: Someone who would wait longer than this (by the queue's length) books an appointment instead, and
#: someone still waiting after `GIVE_UP` gives their ticket up.
BALK_MINUTES = 25
GIVE_UP = dt.timedelta(minutes=38)
#: A clerk calls the next ticket this long after finishing one, and nobody is called sooner than
#: `MIN_WAIT` after taking a ticket (the walk from the kiosk).
GAP_MINUTES = (1.0, 3.0)
#: The share of walk-ins for whom the clerk opens a case (the others ask, hand in, collect).
CASE_SHARE = 0.12
MIN_WAIT = dt.timedelta(minutes=2)
SERVICE_MINUTES = (3, 20)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "文博", "子涵", "欣怡", "浩然", "雨桐", "志强", "海燕", "晓东", "红梅"]
MOBILE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "180", "186",
                   "187", "188", "189"]
COMPANY_WORDS = ["秦岭", "长安", "碑林", "大雁塔", "曲江", "丝路", "钟楼", "古都", "汉唐", "未央"]
COMPANY_KINDS = ["科技有限公司", "商贸有限公司", "餐饮管理有限公司", "文化传媒有限公司", "医药连锁有限公司"]


@dataclass(frozen=True)
class DemoQueue:
    """A demo queue: its letter and names, the window numbers that call from it, the departments it
    serves, the expected service minutes, and the items a served ticket or an appointment is for
    (`case_items`: (item code, applicant kind))."""

    letter: str
    name_zh: str
    name_en: str
    windows: tuple[str, ...]
    department_codes: tuple[str, ...] = ()
    service_minutes: int = 10
    case_items: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoDevice:
    """A demo device: kind, name, the window number of a pad ("" for a kiosk or a screen) and its key."""

    kind: str
    name: str
    window: str
    key: str


@dataclass
class _Visitor:
    """One person's visit as the demo plays it."""

    queue: DemoQueue
    priority: int = Priority.NORMAL
    mobile: str = ""
    no_show: bool = False
    service: dt.timedelta = dt.timedelta(minutes=10)
    case_item: tuple[str, str] | None = None
    name: str = ""
    id_number: str = ""
    due_at: dt.datetime | None = None
    queued_at: dt.datetime | None = None
    number: int = 0


@dataclass
class _Play:
    centre: Centre
    windows: dict[str, Window]
    clerks: dict[str, User]
    queues: dict[str, Queue]
    specs: dict[str, DemoQueue]
    rng: random.Random
    until: dt.datetime
    events: list = field(default_factory=list)
    order: itertools.count = field(default_factory=itertools.count)
    waiting: dict = field(default_factory=dict)  # ticket pk → _Visitor
    idle: dict[str, dt.datetime] = field(default_factory=dict)  # window number → idle since
    counts: dict[str, int] = field(default_factory=dict)

    def at(self, when: dt.datetime, kind: str, *payload) -> None:
        heapq.heappush(self.events, (when, next(self.order), kind, payload))

    def count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1


# --- people ----------------------------------------------------------------------------------------

def _person(rng: random.Random, area: str) -> tuple[str, str, str]:
    """(name, ID number, mobile) of a made-up resident."""
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
    body = f"{area}{born:%Y%m%d}{rng.randrange(1, 999):03d}"
    mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(0, 10**8):08d}"
    return name, body + ric.calc_check_digit(body + "0"), mobile


def _company(rng: random.Random) -> tuple[str, str]:
    """(name, unified social credit code) of a made-up company."""
    body = f"916101{rng.randrange(0, 10**4):04d}MA6{rng.choice('TUWXY')}{rng.randrange(0, 10**4):04d}"[:17]
    return f"西安{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}", body + uscc.calc_check_digit(body)


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


# --- set-up ----------------------------------------------------------------------------------------

def queues_ensure(*, queues: Sequence[DemoQueue]) -> int:
    """Make the queues the centre does not have yet (by letter), with their windows. Returns how many."""
    have = set(Queue.objects.values_list("letter", flat=True))
    windows = dict(Window.objects.values_list("number", "pk"))
    made = 0
    for spec in queues:
        if spec.letter in have:
            continue
        services.queue_save(letter=spec.letter, name_zh=spec.name_zh, name_en=spec.name_en,
                            window_ids=[windows[n] for n in spec.windows if n in windows],
                            department_codes=spec.department_codes, item_codes=[],
                            service_minutes=spec.service_minutes)
        made += 1
    return made


def devices_ensure(*, devices: Iterable[DemoDevice]) -> int:
    """Register the devices whose key is not registered yet. Returns how many."""
    known = set(HallDevice.objects.values_list("key_hash", flat=True))
    windows = {w.number: w for w in Window.objects.all()}
    made = 0
    for device in devices:
        if services.device_key_hash(device.key) in known:
            continue
        services.device_register_with_key(kind=device.kind, name=device.name, key=device.key, acting_user=None,
                                          window=windows.get(device.window) if device.window else None)
        made += 1
    return made


# --- the morning -----------------------------------------------------------------------------------

def _arrivals(play: _Play, day: dt.date) -> None:
    """Walk-ins for each queue from 9:00 to `until`: busy in the morning and in the last stretch before
    `until`, quiet in between."""
    morning_end = min(play.until, _aware(day, MORNING_END))
    late_start = max(morning_end, play.until - LATE_PEAK)
    for letter, spec in play.specs.items():
        queue = play.queues[letter]
        windows = max(1, sum(1 for n in spec.windows if n in play.clerks))
        per_hour = windows * 60 / (spec.service_minutes + sum(GAP_MINUTES) / 2 + 1)
        when = _aware(day, queue.opens_at)
        while True:
            when += dt.timedelta(hours=play.rng.expovariate(per_hour * PEAK_LOAD))
            if morning_end <= when < late_start:  # the quiet hours
                when = late_start
                continue
            if when >= play.until or when.time() >= queue.closes_at:
                break
            play.at(when, "arrive", letter, _visitor(play, spec))
        # someone has just taken a ticket: waiting now (nobody is called within MIN_WAIT of taking one)
        play.at(play.until - dt.timedelta(minutes=play.rng.uniform(0, 1.5)), "arrive", letter, _visitor(play, spec))


def _visitor(play: _Play, spec: DemoQueue) -> _Visitor:
    rng = play.rng
    roll = rng.random()
    priority = Priority.GREEN_CHANNEL if roll < 0.03 else Priority.PRIORITY if roll < 0.1 else Priority.NORMAL
    mode = min(max(3 * spec.service_minutes - sum(SERVICE_MINUTES), SERVICE_MINUTES[0]), SERVICE_MINUTES[1])
    service = dt.timedelta(minutes=rng.triangular(*SERVICE_MINUTES, mode))
    case_item = rng.choice(spec.case_items) if spec.case_items and rng.random() < CASE_SHARE else None
    mobile = _person(rng, "610103")[2] if rng.random() < 0.2 else ""
    return _Visitor(queue=spec, priority=priority, mobile=mobile, no_show=rng.random() < 0.07, service=service,
                    case_item=case_item)


def _queue_minutes(play: _Play, letter: str) -> float:
    spec = play.specs[letter]
    ahead = sum(1 for v in play.waiting.values() if v.queue.letter == letter)
    windows = max(1, sum(1 for n in spec.windows if n in play.clerks))
    return ahead * (spec.service_minutes + 2) / windows


def _joined(play: _Play, ticket: Ticket, visitor: _Visitor, now: dt.datetime) -> None:
    visitor.queued_at, visitor.number = now, ticket.number
    play.waiting[ticket.pk] = visitor
    serving = [n for n in visitor.queue.windows if n in play.idle]
    if serving:  # the window idle longest calls (after the walk from the kiosk)
        number = min(serving, key=lambda n: play.idle[n])
        del play.idle[number]
        play.at(now + MIN_WAIT + dt.timedelta(minutes=play.rng.uniform(0, 2)), "free", number)


def _arrive(play: _Play, now: dt.datetime, letter: str, visitor: _Visitor) -> None:
    if _queue_minutes(play, letter) > BALK_MINUTES:
        play.count("went_away")
        return
    source = TicketSource.PHONE if visitor.mobile and play.rng.random() < 0.5 else TicketSource.KIOSK
    ticket = services.ticket_take(centre=play.centre, queue=play.queues[letter], source=source, now=now,
                                  priority=visitor.priority, mobile=visitor.mobile)
    play.count("taken")
    _joined(play, ticket, visitor, now)
    play.at(now + GIVE_UP, "give_up", ticket)


def _check_in(play: _Play, now: dt.datetime, code: str, visitor: _Visitor) -> None:
    ticket = services.appointment_check_in(centre=play.centre, now=now, code=code)
    play.count("checked_in")
    visitor.due_at = ticket.due_at
    _joined(play, ticket, visitor, now)


def _next_up(play: _Play, number: str, now: dt.datetime) -> _Visitor | None:
    """Who the window will call (the services' order: appointments due, green channel, priority, time)."""
    letters = {spec.letter for spec in play.specs.values() if number in spec.windows}
    mine = [v for v in play.waiting.values() if v.queue.letter in letters]
    return min(mine, key=lambda v: calling_order_key(v, now), default=None)


def _free(play: _Play, now: dt.datetime, number: str) -> None:
    head = _next_up(play, number, now)
    if head is None:
        play.idle[number] = now
        return
    if head.queued_at and head.queued_at + MIN_WAIT > now:
        play.at(head.queued_at + MIN_WAIT, "free", number)
        return
    try:
        ticket = services.ticket_call_next(centre=play.centre, window=play.windows[number],
                                           acting_user=play.clerks[number], now=now)
    except ApplicationError as error:
        if error.code != HallErrorCode.NOBODY_WAITING:
            raise
        play.idle[number] = now
        return
    visitor = play.waiting.pop(ticket.pk)
    play.count("called")
    if visitor.no_show:
        play.at(now + dt.timedelta(minutes=2), "act", ticket, number, TicketAction.RECALL, visitor)
        play.at(now + dt.timedelta(minutes=4), "act", ticket, number, TicketAction.NO_SHOW, visitor)
    else:
        play.at(now + dt.timedelta(minutes=play.rng.uniform(0.5, 1.5)), "start", ticket, number, visitor)


def _start(play: _Play, now: dt.datetime, ticket: Ticket, number: str, visitor: _Visitor) -> None:
    window, clerk = play.windows[number], play.clerks[number]
    if visitor.case_item is not None:
        item_code, kind = visitor.case_item
        if kind == ApplicantKind.ORGANISATION:
            name, id_number = _company(play.rng)
            phone = visitor.mobile or _person(play.rng, "610103")[2]
        else:
            name, id_number, phone = (visitor.name, visitor.id_number, visitor.mobile) if visitor.id_number else \
                _person(play.rng, "610103")
        services.ticket_case_open(centre=play.centre, ticket=ticket, window=window, acting_user=clerk, now=now,
                                  item_code=item_code, applicant_kind=kind, applicant_name=name,
                                  applicant_id_number=id_number, phone=phone)
        play.count("cases")
    else:
        services.ticket_act(centre=play.centre, ticket=ticket, action=TicketAction.START, window=window,
                            acting_user=clerk, now=now)
    play.at(now + visitor.service, "act", ticket, number, TicketAction.FINISH, visitor)


def _act(play: _Play, now: dt.datetime, ticket: Ticket, number: str, action: str, _visitor: _Visitor) -> None:
    services.ticket_act(centre=play.centre, ticket=ticket, action=action, window=play.windows[number],
                        acting_user=play.clerks[number], now=now)
    if action in (TicketAction.FINISH, TicketAction.NO_SHOW):
        play.count("served" if action == TicketAction.FINISH else "no_show")
        play.at(now + dt.timedelta(minutes=play.rng.uniform(*GAP_MINUTES)), "free", number)


def _give_up(play: _Play, now: dt.datetime, ticket: Ticket) -> None:
    if play.waiting.pop(ticket.pk, None) is not None:
        services.ticket_cancel(ticket=ticket, now=now)
        play.count("gave_up")


HANDLERS: dict[str, Callable[..., None]] = {"give_up": _give_up, "arrive": _arrive, "check_in": _check_in,
                                            "free": _free, "start": _start, "act": _act}


def _book(play: _Play, *, queue: Queue, spec: DemoQueue, day: dt.date, starts_at: dt.time, now: dt.datetime,
          area: str) -> tuple[Appointment, _Visitor] | None:
    rng = play.rng
    name, id_number, mobile = _person(rng, area)
    item_code = next((code for code, kind in spec.case_items if kind != ApplicantKind.ORGANISATION), "")
    channel = BookingChannel.PHONE if rng.random() < 0.25 else BookingChannel.ONLINE
    try:
        appointment = services.appointment_book(
            centre=play.centre, queue=queue, day=day, starts_at=starts_at, name=name, mobile=mobile,
            id_number=id_number, channel=channel, now=now, item_code=item_code)
    except ApplicationError as error:  # a slot full or a day closed: the demo books another
        if error.code in (HallErrorCode.SLOT_FULL, HallErrorCode.NOT_WORKING_DAY, HallErrorCode.SLOT_PAST,
                          HallErrorCode.SLOT_UNKNOWN):
            return None
        raise
    mode = min(max(3 * spec.service_minutes - sum(SERVICE_MINUTES), SERVICE_MINUTES[0]), SERVICE_MINUTES[1])
    visitor = _Visitor(queue=spec, mobile=mobile, name=name, id_number=id_number,
                       service=dt.timedelta(minutes=rng.triangular(*SERVICE_MINUTES, mode)),
                       case_item=(item_code, ApplicantKind.PERSON) if item_code and rng.random() < 0.5 else None)
    return appointment, visitor


def morning_play(*, centre: Centre, queues: Sequence[DemoQueue], clerks: dict[str, User], day: dt.date,
                 until: dt.datetime, booked_at: dt.datetime, seed: int, area: str) -> dict[str, int]:
    """Play the hall's day `day` from opening until `until`: walk-ins, today's appointments (booked at
    `booked_at`, checked in up to ten minutes before their slot, one in five not come), called at the
    windows that have a clerk in `clerks` (window number → user). Nothing when the centre has tickets
    that day already. Returns counts (taken, called, served, no_show, cases, checked_in, went_away)."""
    if Ticket.objects.filter(day=day).exists():
        return {}
    windows = {w.number: w for w in Window.objects.filter(number__in=list(clerks))}
    play = _Play(centre=centre, windows=windows, clerks={n: u for n, u in clerks.items() if n in windows},
                 queues={q.letter: q for q in Queue.objects.filter(letter__in=[s.letter for s in queues])},
                 specs={s.letter: s for s in queues}, rng=random.Random(seed), until=until)  # noqa: S311 (made-up people)
    play.specs = {letter: spec for letter, spec in play.specs.items() if letter in play.queues}
    _arrivals(play, day)
    for letter, spec in play.specs.items():
        queue = play.queues[letter]
        grid = [s for s, _e in slot_grid(queue) if s > queue.opens_at]
        past = [s for s in grid if _aware(day, s) <= until - dt.timedelta(minutes=15)]
        later = [s for s in grid if _aware(day, s) > until]
        chosen = play.rng.sample(past, k=min(2, len(past))) + play.rng.sample(later, k=min(1, len(later)))
        for starts_at in chosen:
            booked = _book(play, queue=queue, spec=spec, day=day, starts_at=starts_at, now=booked_at, area=area)
            if booked is None:
                continue
            appointment, visitor = booked
            if play.rng.random() < 0.8:
                when = _aware(day, starts_at) - dt.timedelta(minutes=play.rng.uniform(0, 10))
                play.at(when, "check_in", appointment.code, visitor)
    for number in play.windows:
        play.at(_aware(day, dt.time(9)) + dt.timedelta(minutes=play.rng.uniform(0, 1)), "free", number)
    while play.events and play.events[0][0] <= until:
        when, _n, kind, payload = heapq.heappop(play.events)
        HANDLERS[kind](play, when, *payload)
    play.counts["appointments_missed"] = services.appointments_mark_no_show(now=until)
    return play.counts


def appointments_ahead(*, centre: Centre, queues: Sequence[DemoQueue], days: Sequence[dt.date],
                       now: dt.datetime, seed: int, area: str, per_day: int = 2) -> int:
    """Book a few appointments in each queue on each of `days` (online and by phone), at `now`. Nothing
    when the centre has appointments on those days already. Returns how many were booked."""
    if Appointment.objects.filter(day__in=list(days)).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 (made-up people, reproducible)
    play = _Play(centre=centre, windows={}, clerks={}, queues={}, specs={}, rng=rng, until=now)
    booked = 0
    for queue in Queue.objects.filter(letter__in=[s.letter for s in queues]):
        spec = next(s for s in queues if s.letter == queue.letter)
        grid = [s for s, _e in slot_grid(queue)]
        for day in days:
            for starts_at in rng.sample(grid, k=min(rng.choice([1, 1, per_day]), len(grid))):
                booked += int(_book(play, queue=queue, spec=spec, day=day, starts_at=starts_at, now=now,
                                    area=area) is not None)
    return booked
