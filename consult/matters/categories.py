"""The fixed taxonomy of 民生小实事 categories (DOMAIN §7)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORIES: dict[str, object] = {
    "stairwell_lighting": _l("Stairwell lighting"),  # 楼道照明
    "elevator": _l("Lift retrofit"),  # 加装电梯
    "parking": _l("Parking"),  # 停车
    "greening": _l("Greening"),  # 绿化
    "ageing_friendly": _l("Age-friendly retrofit"),  # 适老化改造
    "sports_culture": _l("Culture and sports facilities"),  # 文体设施
    "sanitation": _l("Environmental sanitation"),  # 环境卫生
    "safety": _l("Safety and fire facilities"),  # 安全设施
    "roads_drainage": _l("Roads and drainage"),  # 道路与排水
    "ev_charging": _l("EV charging and bike sheds"),  # 充电桩与车棚
    "seating_shade": _l("Seating and shade"),  # 休憩座椅与遮阳
    "community_services": _l("Community services"),  # 便民服务
    "other": _l("Other"),  # 其他
}


def label(code: str) -> str:
    from consult.core.i18n import lazy_text

    return lazy_text(CATEGORIES.get(code, code))
