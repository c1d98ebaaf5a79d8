"""The consent texts a recipient (or their legal representative) is shown, per item, versioned.

Three items are asked separately, as 개인정보 보호법 asks (제22조 ①: each matter a person
consents to is told apart, so that each can be agreed to or refused on its own):

- ``collection_use`` 개인정보 수집·이용 (제15조): what emergency care needs to work at all;
- ``sensitive`` 민감정보(건강) 처리 (제23조): health, illness, disability;
- ``third_party`` 제3자 제공 (제17조): passing the person's data to the partner a referral or a
  linkage goes to.

Each record stores the version it was given under, so what a person agreed to can always be
read back. A wording change is a new version, never an edit of a published one (a test pins the
digest of every published text). ``CURRENT`` is what the desk shows today. Like the residents'
callback consent (consultations/callbacks/consent.py) the texts are kept in Korean only and out
of the translation catalogue on purpose: a version names this wording, not a translation of it.

``legacy`` stands for the consent recorded before items existed (``Recipient.consent_date`` and
its free-text scope): its wording was not kept, so the record says so instead of pretending.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

COLLECTION_USE = "collection_use"
SENSITIVE = "sensitive"
THIRD_PARTY = "third_party"
ITEMS = (COLLECTION_USE, SENSITIVE, THIRD_PARTY)
LEGACY_VERSION = "legacy"


@dataclass(frozen=True)
class ConsentText:
    item: str
    version: str
    title: str
    body: tuple[tuple[str, str], ...]  # (heading, what it says)
    published_on: str  # ISO date

    @property
    def digest(self) -> str:
        """SHA-256 of the wording: what the test pins so a published text cannot change."""
        content = "\n".join(
            [self.item, self.version, self.title, *("\t".join(p) for p in self.body)]
        )
        return hashlib.sha256(content.encode()).hexdigest()


_RIGHT_TO_REFUSE = (
    "동의를 거부할 권리",
    "동의하지 않을 수 있습니다. 다만 동의하지 않으면 긴급돌봄 서비스를 제공하기 어렵습니다.",
)

VERSIONS: dict[tuple[str, str], ConsentText] = {
    (COLLECTION_USE, LEGACY_VERSION): ConsentText(
        item=COLLECTION_USE,
        version=LEGACY_VERSION,
        title="개인정보 수집·이용 동의 (항목별 동의 이전 기록)",
        body=(
            ("알림", "항목별 동의를 쓰기 전에 동의일과 동의 범위만 기록된 동의입니다. "
             "당시 보여 준 동의문은 보관되어 있지 않습니다."),
        ),
        published_on="2023-01-01",
    ),
    (COLLECTION_USE, "2026-1"): ConsentText(
        item=COLLECTION_USE,
        version="2026-1",
        title="개인정보 수집·이용 동의 (긴급돌봄)",
        body=(
            ("수집하는 항목", "이름, 생년월일, 성별, 전화번호, 주소, 보호자 연락처, 돌봄이 필요한 "
             "사유와 필요 서비스, 방문 기록"),
            ("수집·이용 목적", "긴급돌봄 대상 선정, 돌봄 제공과 방문 관리, 사후 관리"),
            ("보유·이용 기간", "돌봄 회차 종결일부터 사업 규정이 정한 기간. 기간이 지나면 "
             "지체 없이 파기하거나 가명 처리합니다."),
            _RIGHT_TO_REFUSE,
        ),
        published_on="2026-12-05",
    ),
    (SENSITIVE, "2026-1"): ConsentText(
        item=SENSITIVE,
        version="2026-1",
        title="민감정보(건강) 처리 동의",
        body=(
            ("처리하는 항목", "질병·부상·퇴원 여부, 장애, 건강 상태와 돌봄에 필요한 건강 정보"),
            ("처리 목적", "긴급돌봄 필요도 사정과 안전한 돌봄 제공"),
            ("보유·이용 기간", "개인정보 수집·이용 동의와 같습니다."),
            ("동의를 거부할 권리", "동의하지 않을 수 있습니다. 동의하지 않으면 건강 정보가 "
             "필요한 사정(필요도 조사)을 할 수 없습니다."),
        ),
        published_on="2026-12-05",
    ),
    (THIRD_PARTY, "2026-1"): ConsentText(
        item=THIRD_PARTY,
        version="2026-1",
        title="개인정보 제3자 제공 동의",
        body=(
            ("제공받는 자", "의뢰·연계하는 복지자원의 운영 기관과 돌봄네트워크 협약기관"),
            ("제공 목적", "복지 서비스 의뢰와 연계, 연계 결과 확인"),
            ("제공 항목", "이름, 연락처, 주소, 돌봄이 필요한 사유"),
            ("보유·이용 기간", "제공받는 기관의 연계 목적 달성 시까지"),
            ("동의를 거부할 권리", "동의하지 않을 수 있습니다. 동의하지 않으면 다른 기관으로 "
             "의뢰·연계할 수 없습니다."),
        ),
        published_on="2026-12-05",
    ),
}  # fmt: skip

CURRENT: dict[str, ConsentText] = {item: VERSIONS[(item, "2026-1")] for item in ITEMS}


def text_for(item: str, version: str) -> ConsentText | None:
    return VERSIONS.get((item, version))
