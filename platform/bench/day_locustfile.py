"""Locust users of "a day at ten times" (platform/bench/day_load.py runs them; issue 18).

The city's 2014 volume was 136,000 cases a year; ten times that over ~250 working days is 5,440 cases a
working day. An 8-hour day is played in `DAY_MINUTES` minutes (10: compression factor 48), so 9.07 cases a
second arrive, and each goes its whole way the same day (accept, start the review, approve or deny, result
ready, collected): as many steps as a steady state of many days closes. Who does what:

- `WindowDesk`: a clerk submitting at the window for an applicant standing there (80 % of cases), with a
  refresh of the centre's open cases now and then;
- `OnlineApplicant`: an applicant filing online, anonymous (10 %: each gets a PDF receipt and decision);
- `VillageAgent`: a township's agent filing for a resident with a recorded call as consent (10 %);
- `BackOffice`: the centres' clerks and chief representatives taking the cases in turn through their steps
  (clerks: accept, start review, result ready, collected; chiefs: approve or, 1 in 20, deny with a reason;
  1 in 30 cases refused at the pre-check) — each step a while after the one before;
- `ProgressLookup`: applicants looking their case up (number and the last 4 of the ID), two a case,
  each from its own address (X-Forwarded-For through one trusted proxy, TRUSTED_PROXIES=1).

The deadline sweep runs in Celery beat every 300 s / 48 (day_settings.py), as its 5 minutes of a real day.
Centres are weighted as a city's work falls: the city centre 20 %, its 21 district and zone centres 50 %,
the 178 townships 30 %. The plan (centres' hosts, tokens, items; agents) is `DAY_PLAN`'s JSON
(day_load.py setup). At the end every case made is written to `DAY_MADE` (one JSON line each) for the
count after.
"""
# ruff: noqa: S311  (made-up applicants and think times: no secrets here)
from __future__ import annotations

import collections
import json
import os
import random
import time
import uuid

from locust import HttpUser, constant_throughput, events, task

PLAN = json.loads(open(os.environ["DAY_PLAN"], encoding="utf-8").read())  # noqa: SIM115
MINUTES = float(os.environ.get("DAY_MINUTES", "10"))
COMPRESSION = 8 * 60 / MINUTES
CASES_PER_SECOND = 136_000 * 10 / 250 / (MINUTES * 60)
STEP_DELAY = (2.0, 20.0)  # seconds of the run between a case's steps (1.6 to 16 minutes of the day)

CENTRES = PLAN["centres"]
WEIGHTS = [c["weight"] for c in CENTRES]
AGENTS = PLAN["agents"]
BY_CODE = {c["code"]: c for c in CENTRES}

#: Cases waiting for their next step: (not before, centre code, case id, step)
WAITING: collections.deque = collections.deque()
#: (number, lookup factor) of cases made, for the lookups
KNOWN: list[tuple[str, str]] = []
MADE: list[dict] = []

CLERK_STEPS = {"accept": "start_review", "start_review": "decide", "result_ready": "collect"}


def applicant() -> tuple[str, str, str]:
    """A made-up resident: name, a valid 18-character ID number (GB 11643 check digit), mobile."""
    region = random.choice(["610103", "610113", "610112", "610104"])
    birth = f"19{random.randint(50, 99)}0{random.randint(1, 9)}1{random.randint(0, 9)}"
    body = f"{region}{birth}{random.randint(100, 999)}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    name = random.choice("王李张刘陈杨赵黄周吴") + random.choice(["建国", "秀英", "桂兰", "志强", "玉梅", "丽"])
    return name, body + check, f"13{random.randint(0, 9)}{random.randint(10_000_000, 99_999_999)}"


def schedule(code: str, case_id: str, step: str) -> None:
    WAITING.append((time.monotonic() + random.uniform(*STEP_DELAY), code, case_id, step))


def made(kind: str, code: str, body: dict, id_number: str) -> None:
    MADE.append({"kind": kind, "centre": code, "id": str(body.get("case_id") or body["id"]),
                 "number": body.get("case_number") or body["number"]})
    KNOWN.append((MADE[-1]["number"], id_number[-4:]))
    schedule(code, MADE[-1]["id"], "accept")


class DayUser(HttpUser):
    abstract = True

    def post(self, centre: dict, path: str, payload: dict, name: str, token: str | None = None,
             ok=(200, 201)) -> dict | None:
        headers = {"Host": centre["host"], "Idempotency-Key": str(uuid.uuid4())}
        if token:
            headers["Authorization"] = f"Token {token}"
        with self.client.post(path, json=payload, headers=headers, name=name, catch_response=True) as response:
            if response.status_code in ok:
                return response.json()
            response.failure(f"{response.status_code}: {response.text[:200]}")
        return None


class WindowDesk(DayUser):
    fixed_count = 20
    wait_time = constant_throughput(CASES_PER_SECOND * 0.8 * 13 / 12 / 20)  # 12 of 13 turns submit

    @task(12)
    def submit_at_the_window(self) -> None:
        centre = random.choices(CENTRES, WEIGHTS)[0]
        name, id_number, phone = applicant()
        body = self.post(centre, "/api/v1/cases/", {
            "item_code": random.choice(centre["items"]), "applicant_kind": "person", "applicant_name": name,
            "applicant_id_number": id_number, "phone": phone}, "submit (window)", centre["clerk"])
        if body is not None:
            made("window", centre["code"], body, id_number)

    @task(1)
    def open_cases(self) -> None:
        centre = random.choices(CENTRES, WEIGHTS)[0]
        self.client.get("/api/v1/cases/?status=open", headers={"Host": centre["host"],
                                                                "Authorization": f"Token {centre['clerk']}"},
                        name="list open cases")


class OnlineApplicant(DayUser):
    fixed_count = 6
    wait_time = constant_throughput(CASES_PER_SECOND * 0.1 / 6)

    @task
    def file_online(self) -> None:
        centre = random.choices(CENTRES, WEIGHTS)[0]
        name, id_number, phone = applicant()
        body = self.post(centre, "/api/v1/cases/", {
            "item_code": random.choice(centre["items"]), "applicant_kind": "person", "applicant_name": name,
            "applicant_id_number": id_number, "phone": phone}, "submit (online)")
        if body is not None:
            made("online", centre["code"], body, id_number)


class VillageAgent(DayUser):
    fixed_count = 4
    wait_time = constant_throughput(CASES_PER_SECOND * 0.1 / 4)

    @task
    def file_for_a_resident(self) -> None:
        agent = random.choice(AGENTS)
        name, id_number, phone = applicant()
        body = self.post(agent, "/api/v1/delegation/filings/", {
            "item_code": random.choice(agent["items"]), "resident_name": name, "resident_id_number": id_number,
            "phone": phone, "consent_method": "recorded_call",
            "consent_given_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 600)),
            "consent_evidence": f"REC-{uuid.uuid4().hex[:12]}"}, "file (agent)", agent["token"])
        if body is not None and body["centre_code"] in BY_CODE:
            made("agent", body["centre_code"], body, id_number)


class BackOffice(DayUser):
    """Takes the next case whose time has come and makes its step (5-6 steps a case)."""

    fixed_count = 24
    wait_time = constant_throughput(CASES_PER_SECOND * 5.2 * 1.5 / 24)  # idle turns when no step is due

    @task
    def next_step(self) -> None:
        if not WAITING or WAITING[0][0] > time.monotonic():
            return
        _at, code, case_id, step = WAITING.popleft()
        centre = BY_CODE[code]
        path = f"/api/v1/cases/{case_id}/transitions/"
        if step == "accept" and random.random() < 1 / 30:
            self.post(centre, path, {"action": "refuse", "note": "材料不齐全"}, "step: refuse", centre["clerk"])
            return
        if step == "decide":
            deny = random.random() < 1 / 20
            action = {"action": "deny", "note": "不符合法定条件"} if deny else {"action": "approve"}
            if self.post(centre, path, action, "step: approve/deny (chief)", centre["chief"]) is not None:
                schedule(code, case_id, "result_ready")
            return
        if self.post(centre, path, {"action": step}, f"step: {step}", centre["clerk"]) is not None:
            following = CLERK_STEPS.get(step)
            if following:
                schedule(code, case_id, following)


class ProgressLookup(DayUser):
    fixed_count = 8
    wait_time = constant_throughput(CASES_PER_SECOND * 2 / 8)

    @task
    def look_up(self) -> None:
        if not KNOWN:
            return
        number, factor = random.choice(KNOWN)
        address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        with self.client.get(f"/progress/api/?number={number}&factor={factor}",
                             headers={"Host": PLAN["platform_host"], "X-Forwarded-For": address},
                             name="progress lookup", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")


@events.test_stop.add_listener
def _write_made(**_kwargs) -> None:
    with open(os.environ["DAY_MADE"], "w", encoding="utf-8") as out:
        for row in MADE:
            out.write(json.dumps(row) + "\n")
    with open(os.environ["DAY_MADE"] + ".waiting", "w", encoding="utf-8") as out:
        out.write(json.dumps({"steps_waiting": len(WAITING), "cases_made": len(MADE)}))
