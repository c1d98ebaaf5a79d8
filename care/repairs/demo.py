"""The demo's home-repair jobs (가정내 돌봄주거환경개선). DEMO ONLY.

Called by ``consultations.demo.consultations_demo_load`` once the directory is there: a job
names its contractor, an organization of the directory (consultations, above care), which that
loader makes and passes in. A handful of jobs of the demo's households, relative to the day the
demo is loaded, one in each state (survey, quoted, in progress, completed and signed off,
completed waiting for the sign-off, cancelled), each made through the services a coordinator
uses, with small photos drawn by Pillow at load time (stored like an upload: re-encoded, no
EXIF). A second run adds nothing: demo jobs carry ``DEMO_MARK`` at the start of their needs.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from base import roles
from care.demo import DEMO_MARK
from care.models import Recipient
from care.repairs import services
from care.repairs.models import RepairJob

State = RepairJob.State
Relation = RepairJob.Relation


@dataclass(frozen=True)
class Story:
    """One demo job: its state, what the survey found, its items and when things happened
    (days before today)."""

    state: str
    needs: str
    items: tuple[tuple[str, str, str, int], ...]  # item, quantity, unit, unit cost (원)
    surveyed_ago: int
    quoted_ago: int | None = None
    started_ago: int | None = None
    completed_ago: int | None = None
    signed: bool = False
    photos_before: int = 1
    photos_after: int = 0
    cancelled_reason: str = ""


STORIES = (
    Story(
        State.SURVEY,
        "욕실 바닥이 미끄럽고 변기 옆에 잡을 곳이 없음. 문턱 높음.",
        (("안전 손잡이", "2", "개", 45000), ("미끄럼 방지 타일 시공", "4.5", "m²", 38000)),
        surveyed_ago=2,
    ),
    Story(
        State.QUOTED,
        "부엌 바닥 장판이 들뜨고 찢어져 걸려 넘어질 위험. 싱크대 누수.",
        (("장판 교체", "12", "m²", 15000), ("싱크대 배수관 교체", "1", "식", 85000)),
        surveyed_ago=16,
        quoted_ago=9,
        photos_before=2,
    ),
    Story(
        State.IN_PROGRESS,
        "현관 문턱과 마당 계단에 단차가 커서 보행 보조기로 드나들기 어려움.",
        (("현관 경사로 설치", "1", "식", 420000), ("계단 난간", "3", "m", 65000)),
        surveyed_ago=30,
        quoted_ago=24,
        started_ago=3,
        photos_after=1,
    ),
    Story(
        State.COMPLETED,
        "겨울철 외풍이 심하고 안방 창호가 깨져 있음. 전등 스위치가 높음.",
        (("창호 교체", "2", "틀", 380000), ("단열 도배", "25", "m²", 12000)),
        surveyed_ago=60,
        quoted_ago=52,
        started_ago=40,
        completed_ago=33,
        signed=True,
        photos_before=2,
        photos_after=2,
    ),
    Story(
        State.COMPLETED,
        "화장실이 마당에 있어 야간 이용이 위험함. 실내 이동식 변기와 센서등 필요.",
        (("센서등 설치", "3", "개", 32000), ("이동식 변기", "1", "개", 110000)),
        surveyed_ago=25,
        quoted_ago=20,
        started_ago=6,
        completed_ago=1,
        photos_after=1,
    ),
    Story(
        State.CANCELLED,
        "보일러 고장과 배관 동파 우려.",
        (("보일러 점검", "1", "식", 60000),),
        surveyed_ago=20,
        cancelled_reason="가구가 자녀 집으로 이사하여 공사하지 않음.",
    ),
)


def demo_photo(*, stage: str, number: int, seed: int) -> SimpleUploadedFile:
    """A small drawing of a room: cracked grey before, clean and light after."""
    rng = random.Random(seed * 31 + number)
    size = (640, 480)
    if stage == "before":
        wall, floor, line = (150, 140, 125), (110, 90, 70), (60, 50, 40)
    else:
        wall, floor, line = (240, 236, 225), (205, 170, 120), (150, 120, 80)
    image = Image.new("RGB", size, wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, size[0], size[1]), fill=floor)
    for x in range(0, size[0], 80):
        draw.line((x, 300, x - 60, size[1]), fill=line, width=2)
    draw.rectangle((420, 90, 580, 250), outline=line, width=6)  # a window
    if stage == "before":
        x, y = rng.randint(60, 300), 310
        for _ in range(6):  # a crack in the floor
            nx, ny = x + rng.randint(-30, 40), y + rng.randint(15, 35)
            draw.line((x, y, nx, ny), fill=(30, 25, 20), width=3)
            x, y = nx, ny
    else:
        draw.rectangle((40, 200, 260, 215), fill=(120, 120, 130))  # a grab rail
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{stage}-{number}.jpg", out.getvalue(), "image/jpeg")


def _on(today: date, days_ago: int | None) -> date | None:
    return None if days_ago is None else today - timedelta(days=days_ago)


def demo_repairs_load(*, contractors: Sequence[Any], seed: int = 2023) -> int:
    """Make the demo jobs once; the number of demo jobs there are."""
    demo_jobs = RepairJob.objects.filter(needs__startswith=DEMO_MARK)
    if demo_jobs.exists() or not contractors:
        return demo_jobs.count()
    actor = get_user_model().objects.filter(groups__name=roles.COORDINATOR).order_by("pk").first()
    households = list(
        Recipient.objects.filter(notes__startswith=DEMO_MARK).order_by("pk")[: len(STORIES)]
    )
    if actor is None or len(households) < len(STORIES):
        return 0  # care's demo has not been loaded: nothing to repair
    today = timezone.localdate()
    photo_number = 0
    for index, (story, household) in enumerate(zip(STORIES, households, strict=True)):
        job = services.job_survey(
            actor=actor,
            recipient=household,
            surveyed_on=_on(today, story.surveyed_ago),  # type: ignore[arg-type]
            needs=f"{DEMO_MARK} {story.needs}",
            items=[
                {"item": item, "quantity": quantity, "unit": unit, "unit_cost": cost}
                for item, quantity, unit, cost in story.items
            ],
        )

        def photos(stage: str, count: int, job: RepairJob = job, on: int | None = None) -> None:
            nonlocal photo_number
            for _ in range(count):
                photo_number += 1
                services.photo_add(
                    actor=actor,
                    job=job,
                    stage=stage,
                    upload=demo_photo(stage=stage, number=photo_number, seed=seed),
                    taken_on=_on(today, on),
                    caption="공사 전 현장" if stage == "before" else "공사 후",
                )

        photos("before", story.photos_before, on=story.surveyed_ago)
        if story.state == State.CANCELLED:
            services.job_cancel(actor=actor, job=job, reason=story.cancelled_reason)
            continue
        if story.quoted_ago is None:
            continue
        job = services.job_quote(
            actor=actor,
            job=job,
            quoted_on=_on(today, story.quoted_ago),  # type: ignore[arg-type]
            contractor=contractors[index % len(contractors)],
        )
        if story.started_ago is None:
            continue
        job = services.job_start(
            actor=actor,
            job=job,
            started_on=_on(today, story.started_ago),  # type: ignore[arg-type]
        )
        photos("after", story.photos_after, job=job, on=story.completed_ago or 0)
        if story.completed_ago is None:
            continue
        job = services.job_complete(
            actor=actor,
            job=job,
            completed_on=_on(today, story.completed_ago),
            completion_note="시공 완료, 가구와 함께 확인함.",
        )
        if story.signed:
            services.job_sign_off(
                actor=actor,
                job=job,
                signed_by_name=household.guardian_name or household.name,
                signed_by_relation=(
                    Relation.GUARDIAN if household.guardian_name else Relation.SELF
                ),
                signed_on=_on(today, story.completed_ago - 1),  # type: ignore[arg-type,operator]
            )
    return demo_jobs.count()
