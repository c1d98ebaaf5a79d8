"""The consent a resident gives on the request form (개인정보 수집·이용 동의), versioned.

The text is shown word for word on the form and each request stores the version it was given
under, so what a person agreed to can always be read back. A wording change is a new version
(never an edit of an old one); ``CURRENT`` is what the form shows. The text is kept in Korean
only and out of the translation catalogue on purpose: the stored version names this wording,
not a translation of it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentText:
    version: str
    title: str
    items: tuple[tuple[str, str], ...]  # (heading, what it says)


VERSIONS: dict[str, ConsentText] = {
    "2026-1": ConsentText(
        version="2026-1",
        title="개인정보 수집·이용 동의 (상담 신청)",
        items=(
            ("수집하는 항목", "이름(별명도 됩니다), 전화번호, 사는 시·군, 전화 받기 좋은 시간, "
             "상담 분야, 적어 주신 내용"),
            ("수집·이용 목적",
             "상담원이 전화를 드려 돌봄·복지 상담을 하고, 그 상담을 기록하기 위해"),
            ("보유·이용 기간", "상담을 마친 날부터 3년 (연락이 닿지 않은 신청은 신청일부터 1년). "
             "기간이 지나면 지체 없이 파기합니다."),
            ("동의하지 않을 권리", "동의하지 않을 수 있습니다. 동의하지 않으면 온라인 신청은 할 수 "
             "없지만, 전화나 방문으로 같은 상담을 받을 수 있습니다."),
        ),
    ),
}  # fmt: skip

CURRENT = VERSIONS["2026-1"]
