"""`flask demo` and `flask seed`: a realistic demo district, and large data for benchmarks.

The demo district is built through the real services (regions, accounts, matters), so every
timeline, support count and audit row is what the platform itself would have written; only the
timestamps are moved into the past afterwards, to spread the story over the last months. The
audit log keeps the real time of seeding — it records when things were done to the database.

``flask seed`` instead writes rows in bulk (no per-row ORM objects) to make tens of thousands of
matters and hundreds of thousands of supports in seconds, for the benchmark in ``bench/``.
"""

from __future__ import annotations

import itertools
import random
import secrets
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, text, update

from consult.accounts import services as account_services
from consult.accounts.models import Role, RoleAssignment, User, VerificationCode
from consult.core.timeutil import SHANGHAI, utcnow
from consult.extensions import db
from consult.matters import search
from consult.matters import services as matter_services
from consult.matters.lifecycle import State, tier_for_cost
from consult.matters.models import Comment, Matter, Support, Transition
from consult.regions.models import DistrictSettings, Region, RegionKind
from consult.regions.services import create_region

#: every demo account (and every account ``flask seed`` makes) logs in with this password
DEMO_PASSWORD = "minsheng-demo"

# ---------------------------------------------------------------------------------------------
# The demo district
# ---------------------------------------------------------------------------------------------
DISTRICT = "青川区"


@dataclass(frozen=True)
class _Community:
    name: str
    adults: int
    households: int
    groups: tuple[str, ...]
    is_village: bool = False


#: street (街道, or a 镇) → its communities (社区, or a 村) with electorate figures and groups
STREETS: dict[str, tuple[_Community, ...]] = {
    "锦江街道": (
        _Community(
            "桂花苑社区", 6820, 2610, ("1号楼", "2号楼", "3号楼", "5号楼", "6号楼", "8号楼")
        ),
        _Community(
            "锦绣社区",
            9240,
            3480,
            ("锦绣花园A栋", "锦绣花园B栋", "锦绣花园C栋", "锦绣花园D栋", "商住楼"),
        ),
        _Community("滨河社区", 7410, 2890, ("滨河一区", "滨河二区", "滨河三区", "滨河四区")),
    ),
    "望川街道": (
        _Community(
            "和平里社区",
            5630,
            2370,
            ("和平里1号楼", "和平里2号楼", "和平里3号楼", "和平里4号楼", "和平里7号楼"),
        ),
        _Community("新华社区", 8150, 3020, ("新华东区", "新华西区", "新华南区", "职工宿舍楼")),
        _Community("翠屏社区", 6980, 2640, ("翠屏1栋", "翠屏2栋", "翠屏3栋", "翠屏5栋", "翠屏6栋")),
    ),
    "白沙镇": (
        _Community("白沙社区", 4870, 1930, ("老街片区", "新街片区", "粮站宿舍", "供销社宿舍")),
        _Community("石桥社区", 4120, 1610, ("石桥一组", "石桥二组", "石桥三组", "安置小区")),
        _Community(
            "梨花村",
            1860,
            640,
            ("第一村民小组", "第二村民小组", "第三村民小组", "第四村民小组", "第五村民小组"),
            is_village=True,
        ),
    ),
}

VILLAGE = "梨花村"
#: the community whose residents also verify with printed codes
CODE_COMMUNITY = "桂花苑社区"


@dataclass(frozen=True)
class DemoLogin:
    """One line of the printed table of demo logins."""

    role: str  # a Role value, or "resident"
    name: str
    phone: str
    where: str  # the node the role is held on, or the resident's community
    note: str = ""  # e.g. how a resident was verified


#: accounts with a role: (role, name, phone, node the role is held on, home community)
ROLE_HOLDERS: tuple[tuple[Role, str, str, str, str], ...] = (
    (Role.ADMIN, "邵文博", "13900000001", DISTRICT, "锦绣社区"),
    (Role.DISTRICT_OFFICER, "蒋海峰", "13900000002", DISTRICT, "新华社区"),
    (Role.EXPERT, "钟立平", "13900000003", DISTRICT, "滨河社区"),
    (Role.SUPERVISOR, "严淑芬", "13900000004", DISTRICT, "翠屏社区"),
    (Role.STREET_OFFICER, "丁雅琴", "13900000011", "锦江街道", "桂花苑社区"),
    (Role.STREET_OFFICER, "韦国栋", "13900000012", "望川街道", "和平里社区"),
    (Role.STREET_OFFICER, "覃志刚", "13900000013", "白沙镇", "白沙社区"),
    (Role.STAFF, "周慧敏", "13900000101", "桂花苑社区", "桂花苑社区"),
    (Role.STAFF, "吴志强", "13900000102", "锦绣社区", "锦绣社区"),
    (Role.STAFF, "许丽华", "13900000103", "滨河社区", "滨河社区"),
    (Role.STAFF, "冯建军", "13900000104", "和平里社区", "和平里社区"),
    (Role.STAFF, "曹雪梅", "13900000105", "新华社区", "新华社区"),
    (Role.STAFF, "彭俊杰", "13900000106", "翠屏社区", "翠屏社区"),
    (Role.STAFF, "田春花", "13900000107", "白沙社区", "白沙社区"),
    (Role.STAFF, "董振华", "13900000108", "石桥社区", "石桥社区"),
    (Role.STAFF, "袁玉珍", "13900000109", VILLAGE, VILLAGE),
    (Role.REPRESENTATIVE, "刘德明", "13900000201", "桂花苑社区", "桂花苑社区"),
    (Role.REPRESENTATIVE, "潘桂英", "13900000202", "锦绣社区", "锦绣社区"),
    (Role.REPRESENTATIVE, "杜国强", "13900000203", "滨河社区", "滨河社区"),
    (Role.REPRESENTATIVE, "叶淑珍", "13900000204", "和平里社区", "和平里社区"),
    (Role.REPRESENTATIVE, "程宏伟", "13900000205", "新华社区", "新华社区"),
    (Role.REPRESENTATIVE, "苏凤英", "13900000206", "翠屏社区", "翠屏社区"),
    (Role.REPRESENTATIVE, "魏建华", "13900000207", "白沙社区", "白沙社区"),
    (Role.REPRESENTATIVE, "吕秀兰", "13900000208", "石桥社区", "石桥社区"),
    (Role.REPRESENTATIVE, "任永生", "13900000209", VILLAGE, VILLAGE),
    (Role.SUPERVISOR, "何德明", "13900000301", VILLAGE, VILLAGE),  # 村务监督委员会
)

#: residents shown in the table of logins: (name, phone, community, how verified)
FEATURED_RESIDENTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("李秀英", "13900001001", "桂花苑社区", "staff"),
    ("王建国", "13900001002", "桂花苑社区", "code"),
    ("赵小红", "13900001003", "桂花苑社区", None),
    ("陈桂兰", "13900001004", VILLAGE, "staff"),
)

#: more residents of each community, not printed (same password): verified and not
RESIDENTS_PER_COMMUNITY = 14
UNVERIFIED_PER_COMMUNITY = 2

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)


def _split(text_: str) -> tuple[str, ...]:
    return tuple(text_.split())


GIVEN_NAMES = _split(
    "秀英 桂英 秀兰 玉兰 桂兰 凤英 建国 建华 建军 国强 国华 志强 志明 海燕 红梅 丽娟 丽华 淑珍 玉珍 春花 "
    "雪梅 晓东 晓燕 振华 宏伟 俊杰 文博 思远 雨桐 欣怡 梓涵 子轩 浩然 一诺 伟 磊 军 勇 杰 涛 超 明 静 敏 "
    "艳 娟 霞 平 刚 芳 鑫 婷 琳 斌 德华 美玲 福生 金凤 长青 桂芳"
)
PHONE_PREFIXES = _split(
    "130 131 132 133 135 136 137 138 150 151 152 153 155 156 157 158 159 166 176 177 178 "
    "180 181 182 183 185 186 187 188 189 191 198 199"
)


@dataclass(frozen=True)
class _Template:
    """A realistic proposal; ``{b}`` stands for a building or resident group."""

    category: str
    title: str
    description: str
    cost_yuan: tuple[int, int] | None  # a plausible range (DOMAIN §7), None when unknown
    where: str = "urban"  # "urban" (社区) or "village" (村)
    location: str = "{b}"


TEMPLATES: tuple[_Template, ...] = (
    # 楼道照明 — DOMAIN §7: about 80 yuan a light, 90 lights ≈ 8,000 yuan
    _Template(
        "stairwell_lighting",
        "{b}楼道灯更换为声控LED灯",
        "{b}楼道灯泡老化，多处不亮，老人晚上上下楼只能摸黑。建议整栋更换为声控LED灯，约90盏，每盏约80元。",
        (6500, 9000),
    ),
    _Template(
        "stairwell_lighting",
        "{b}单元门口加装感应灯",
        "{b}单元门口没有照明，晚上回家看不清台阶，上个月已有老人摔倒。希望在每个单元门口加装一盏感应灯。",
        (900, 2500),
    ),
    _Template(
        "stairwell_lighting",
        "地下车库照明改造",
        "地下车库的灯管坏了一半，光线昏暗，停车和行人都不安全。建议更换为节能LED灯管，并增加应急照明。",
        (18000, 32000),
        location="地下车库",
    ),
    # 加装电梯
    _Template(
        "elevator",
        "{b}加装电梯",
        "{b}共7层，住户中60岁以上老人超过一半，上下楼十分困难。多数住户已签字同意加装电梯，希望立项并协调补贴。",
        (480000, 720000),
    ),
    _Template(
        "elevator",
        "{b}加装电梯前期管线迁移",
        "{b}加装电梯前需迁移楼前的燃气和供水管线，住户希望协调相关单位先行勘察并估算费用。",
        (60000, 120000),
    ),
    # 停车
    _Template(
        "parking",
        "规划非机动车集中停放区",
        "小区主干道两侧电动车、自行车乱停乱放，消防通道经常被堵。建议划线设置集中停放区并安装标识牌。",
        (3000, 8000),
        location="小区主干道",
    ),
    _Template(
        "parking",
        "增设临时停车位并重新划线",
        "小区停车位严重不足，车辆乱停占用绿化带。建议利用东侧空地增设约20个临时停车位，并重新施划停车线。",
        (25000, 60000),
        location="小区东侧空地",
    ),
    _Template(
        "parking",
        "小区出入口安装车牌识别道闸",
        "外来车辆随意进出，占用居民车位，晚上还有陌生车辆长期停放。建议在出入口安装车牌识别道闸。",
        (30000, 52000),
        location="小区南门",
    ),
    # 绿化
    _Template(
        "greening",
        "{b}前绿化带补植",
        "{b}前绿化带多处裸露黄土，下雨泥泞，晴天扬尘。建议补种灌木和草皮，并设置低矮护栏。",
        (5000, 15000),
    ),
    _Template(
        "greening",
        "修剪遮挡采光的高大树木",
        "中心花园几棵香樟树过高，遮挡低层住户采光，树枝靠近电线存在隐患，建议请专业人员修剪。",
        (2000, 6000),
        location="中心花园",
    ),
    _Template(
        "greening",
        "闲置空地改造为口袋公园",
        "小区西侧空地长期堆放建筑垃圾和杂物，建议改造为口袋公园：铺设步道、种植花木、放置座椅。",
        (80000, 180000),
        location="小区西侧空地",
    ),
    # 适老化改造
    _Template(
        "ageing_friendly",
        "{b}楼梯加装扶手",
        "{b}楼梯只有一侧有扶手，而且多处松动。老年住户较多，建议两侧加装不锈钢扶手。",
        (4000, 9000),
    ),
    _Template(
        "ageing_friendly",
        "单元门口台阶改建无障碍坡道",
        "{b}单元门口有三级台阶，轮椅和婴儿车进出困难，建议改建无障碍坡道并加装扶手。",
        (6000, 15000),
    ),
    _Template(
        "ageing_friendly",
        "老年活动室适老化改造",
        "老年活动室地面湿滑，卫生间没有扶手，建议铺防滑地胶、加装扶手和紧急呼叫按钮。",
        (20000, 45000),
        location="社区服务中心二楼",
    ),
    # 文体设施
    _Template(
        "sports_culture",
        "更换老化健身器材",
        "广场上的健身器材使用多年，部分已生锈断裂，存在安全隐患，建议更换一批新器材并铺设塑胶地面。",
        (15000, 35000),
        location="中心广场",
    ),
    _Template(
        "sports_culture",
        "增设儿童游乐设施",
        "小区没有儿童活动场地，孩子们只能在车道边玩耍，建议在中心花园设置儿童滑梯和软质地面。",
        (30000, 80000),
        location="中心花园",
    ),
    _Template(
        "sports_culture",
        "篮球场地面翻新和夜间照明",
        "篮球场地面开裂起皮，晚上没有照明，下班后的年轻人无法使用。建议翻新地面并加装照明灯。",
        (60000, 150000),
        location="篮球场",
    ),
    # 环境卫生
    _Template(
        "sanitation",
        "垃圾分类投放点加装雨棚和洗手池",
        "{b}旁的垃圾投放点露天设置，下雨时污水横流，投放后也没有地方洗手。建议加装雨棚和洗手池。",
        (8000, 15000),
    ),
    _Template(
        "sanitation",
        "清理{b}楼道堆放杂物",
        "{b}楼道堆放了大量纸箱和旧家具，影响通行，也有火灾隐患，建议组织一次集中清理。",
        (500, 2000),
    ),
    _Template(
        "sanitation",
        "化粪池清掏及污水管道疏通",
        "小区化粪池多年未清掏，夏天异味严重，{b}附近污水外溢，建议尽快清掏并疏通管道。",
        (10000, 30000),
    ),
    # 安全设施
    _Template(
        "safety",
        "{b}更换过期灭火器",
        "{b}楼道的灭火器已过期，部分压力表指针在红区，建议全部更换并定期检查。",
        (2000, 5000),
    ),
    _Template(
        "safety",
        "电动车充电区安装监控和烟感",
        "电动车充电区没有监控，曾发生电瓶被盗，居民也担心充电起火。建议安装监控和烟感报警器。",
        (8000, 20000),
        location="电动车充电区",
    ),
    _Template(
        "safety",
        "小区侧门增设监控探头",
        "小区侧门没有监控，近期发生多起快递被盗，建议增设高清监控探头并接入门卫室。",
        (10000, 25000),
        location="小区侧门",
    ),
    # 道路与排水
    _Template(
        "roads_drainage",
        "修补小区主干道破损路面",
        "小区主干道多处坑洼，雨天积水，老人和孩子容易绊倒，建议修补路面约300平方米。",
        (20000, 60000),
        location="小区主干道",
    ),
    _Template(
        "roads_drainage",
        "{b}前积水点排水改造",
        "每逢大雨{b}前就积水没过脚踝，雨水井排水不畅，建议疏通并改造排水管网。",
        (50000, 150000),
    ),
    _Template(
        "roads_drainage",
        "雨污分流改造",
        "小区雨污合流，暴雨时污水倒灌一楼住户家中，建议实施雨污分流改造。",
        (300000, 800000),
        location="全小区",
    ),
    # 充电桩与车棚
    _Template(
        "ev_charging",
        "建设电动自行车充电车棚",
        "小区电动车多，不少居民从楼上拉线充电，存在很大安全隐患，建议建设带充电桩的车棚。",
        (30000, 60000),
        location="{b}北侧",
    ),
    _Template(
        "ev_charging",
        "停车场增设汽车充电桩",
        "有新能源汽车的家庭越来越多，但小区没有公共充电桩，建议在停车场增设4个充电桩。",
        (40000, 90000),
        location="地面停车场",
    ),
    # 休憩座椅与遮阳
    _Template(
        "seating_shade",
        "中心花园增设休息座椅",
        "中心花园只有两张长椅，老人散步累了没有地方坐，建议增设6张带靠背的座椅。",
        (3000, 8000),
        location="中心花园",
    ),
    _Template(
        "seating_shade",
        "活动广场加装遮阳棚",
        "广场夏天太晒，老人和孩子白天无法活动，建议加装遮阳棚。",
        (15000, 40000),
        location="活动广场",
    ),
    # 便民服务
    _Template(
        "community_services",
        "每月设立便民维修服务点",
        "修鞋、配钥匙、修小家电要跑很远，建议每月在社区设立一次便民维修服务点。",
        (2000, 6000),
        location="社区服务中心门口",
    ),
    _Template(
        "community_services",
        "开设老年助餐点",
        "社区独居和高龄老人多，做饭不便，建议在社区服务中心开设老年助餐点。",
        (50000, 120000),
        location="社区服务中心",
    ),
    _Template(
        "community_services",
        "设置快递集中收发点",
        "快递堆放在{b}单元门口经常丢失，建议设立快递集中收发点或智能快递柜。",
        (8000, 20000),
    ),
    # 其他
    _Template(
        "other",
        "更换小区公告栏",
        "小区公告栏破损，通知贴上去就被风吹走，建议更换为带玻璃门的公告栏。",
        (1500, 4000),
        location="小区大门",
    ),
    _Template(
        "other",
        "规范小区流浪猫管理",
        "小区流浪猫越来越多，夜间叫声扰民，建议联系志愿者组织进行绝育和救助。",
        None,
        location="全小区",
    ),
    # 村
    _Template(
        "safety",
        "{b}村道安装太阳能路灯",
        "{b}通往村委会的村道约1.2公里没有路灯，村民晚上出行、学生放学回家都要摸黑，建议安装太阳能路灯约20盏。",
        (30000, 50000),
        where="village",
    ),
    _Template(
        "roads_drainage",
        "{b}灌溉水渠清淤加固",
        "{b}的灌溉水渠淤积严重，部分渠堤垮塌，春耕放水困难，建议清淤并用混凝土加固约300米。",
        (40000, 90000),
        where="village",
    ),
    _Template(
        "sports_culture",
        "修缮村文化礼堂",
        "村文化礼堂屋顶漏雨、墙面脱落，逢年过节的活动和村民会议都受影响，建议修缮屋顶、粉刷墙面。",
        (60000, 150000),
        where="village",
        location="村文化礼堂",
    ),
    _Template(
        "sanitation",
        "村口垃圾收集点改造",
        "村口垃圾收集点露天堆放，夏天蚊蝇多、气味大，建议建设封闭式垃圾收集房并定期清运。",
        (15000, 30000),
        where="village",
        location="村口",
    ),
    _Template(
        "roads_drainage",
        "{b}入户道路硬化",
        "{b}有十几户村民的入户路还是泥土路，雨天泥泞难行，建议硬化约400平方米。",
        (50000, 100000),
        where="village",
    ),
    _Template(
        "community_services",
        "村卫生室设老年人血压监测点",
        "村里高血压老人多，去镇上量血压不方便，建议在村卫生室设血压监测点并每周义诊一次。",
        (3000, 8000),
        where="village",
        location="村卫生室",
    ),
    _Template(
        "seating_shade",
        "村口大榕树下增设石凳",
        "村口大榕树下是村民聊天纳凉的地方，现在只有几块石头，建议增设石凳石桌。",
        (2000, 5000),
        where="village",
        location="村口大榕树",
    ),
    _Template(
        "other",
        "更换村务公开栏",
        "村委会门口的村务公开栏锈蚀破损，公示材料贴不住，村民看不清，建议更换为带防雨玻璃门的公开栏。",
        (2000, 5000),
        where="village",
        location="村委会门口",
    ),
    _Template(
        "ageing_friendly",
        "独居老人家中加装扶手和夜灯",
        "村里独居老人有二十多户，卫生间和床边没有扶手，晚上起夜容易摔倒，建议统一加装扶手和感应夜灯。",
        (15000, 30000),
        where="village",
        location="全村独居老人家中",
    ),
    _Template(
        "greening",
        "{b}村道两侧种植行道树",
        "{b}村道两侧光秃秃的，夏天没有遮阴，建议种植桂花树约80株，并由村民认领养护。",
        (20000, 40000),
        where="village",
    ),
    _Template(
        "sports_culture",
        "村委会旁空地建设健身场地",
        "村里没有健身场地，村民晚饭后只能在村道上散步，建议平整村委会旁空地，安装健身器材。",
        (40000, 80000),
        where="village",
        location="村委会旁空地",
    ),
    _Template(
        "parking",
        "村委会前空地规划停车位",
        "逢年过节外出务工人员开车回村，车辆沿村道乱停，堵塞交通，建议平整村委会前空地并划线，规划约30个停车位。",
        (30000, 60000),
        where="village",
        location="村委会前空地",
    ),
    _Template(
        "sanitation",
        "{b}生活污水收集池清掏",
        "{b}的生活污水收集池多年未清掏，夏天气味很大，雨后还会外溢，建议清掏并加装盖板。",
        (8000, 15000),
        where="village",
    ),
    _Template(
        "safety",
        "{b}配备消防器材箱",
        "{b}的房屋多为砖木结构，一旦起火很难扑救，建议设置消防器材箱，配备灭火器和水带，并组织一次演练。",
        (5000, 12000),
        where="village",
    ),
)


def _templates_for(community: Region) -> list[_Template]:
    kind = "village" if community.is_village else "urban"
    return [t for t in TEMPLATES if t.where == kind]


COMMENTS = (
    "支持！我家老人也反映过这个问题。",
    "我们单元也有同样的情况，希望一起解决。",
    "建议施工时间避开中午和晚上，不要影响休息。",
    "费用能不能从公共维修资金里出？",
    "同意，最好选用质量好一点的材料，别过两年又坏了。",
    "可以先征求一下一楼住户的意见。",
    "希望尽快落实，谢谢社区！",
    "这个问题拖了好几年了，终于有人提了。",
    "施工的时候要注意安全，楼下有小孩玩。",
    "我愿意当志愿者帮忙统计住户意见。",
)
STAFF_REPLIES = (
    "社区已收到，近期将组织现场勘查，请大家留意公示。",
    "已联系物业和施工单位估价，有进展会在这里更新。",
    "感谢大家的意见，我们会在下次居民议事会上讨论。",
)
#: comments staff hide, with the public reason
HIDDEN_COMMENTS = (
    ("专业防水补漏、管道疏通，价格实惠，有需要的加微信 fangshui888", "含商业广告，已隐藏。"),
    ("5号楼502的王某天天从窗口往下扔垃圾，大家直接去他家敲门！", "含他人个人信息，已隐藏。"),
    ("楼上那个人脑子有问题吧，天天就知道提意见。", "含人身攻击内容，已隐藏。"),
    ("代办各类证件，快速出证，电话联系。", "与本事项无关的广告，已隐藏。"),
)
REJECT_REASONS = (
    "该事项属于物业服务合同约定的维修责任，已转交物业公司处理，不纳入民生小实事。",
    "该位置已列入区里今年的老旧小区改造项目，为避免重复投入，不予受理。",
    "经现场勘查，该位置地下有燃气管线，不具备施工条件。",
    "属于个别住户的私人事务，建议相关住户自行协商解决。",
    "该事项已由市政部门列入年度计划，社区将跟进并向居民公示进度。",
)
RAISE_REASONS = (
    "经现场勘查，需同步改造地下管线，涉及多个部门，提级由上一级协调。",
    "受益范围涉及相邻小区，需统筹规划，提级办理。",
    "实际工程量超出初步估算，提级办理。",
)
WITHDRAW_REASONS = (
    "物业已经修好了，谢谢社区。",
    "和邻居商量后决定自己解决。",
    "",
)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _display_width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table that lines up in a terminal, Chinese characters counted as two."""
    widths = [max(_display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def demo_logins() -> list[DemoLogin]:
    """The printed demo accounts that exist in the database (all of them after seeding)."""
    wanted = [(r.value, n, p, w, "") for r, n, p, w, _home in ROLE_HOLDERS] + [
        ("resident", n, p, c, via or "unverified") for n, p, c, via in FEATURED_RESIDENTS
    ]
    present = set(
        db.session.scalars(select(User.phone).where(User.phone.in_([w[2] for w in wanted])))
    )
    return [DemoLogin(*w) for w in wanted if w[2] in present]


@dataclass
class DemoResult:
    created: bool
    logins: list[DemoLogin]
    #: unused verification codes of 桂花苑社区, printable only right after seeding
    codes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _Plan:
    """What will happen to one demo matter; played through the services in creation order."""

    community: Region
    template: _Template
    building: Region
    created: datetime
    author: User
    cost_fen: int | None
    on_behalf: tuple[str, str] | None = None
    outcome: State = State.SUBMITTED
    triage_at: datetime | None = None
    tier: int | None = None  # chosen at acceptance, above the routed tier when raised there
    raise_to: int | None = None  # raised later, after acceptance
    merge_into: _Plan | None = None
    matter_id: int | None = None

    def text(self, s: str) -> str:
        return s.replace("{b}", self.building.name)


class _DemoBuilder:
    def __init__(self, seed: int = 20240915):
        self.rng = random.Random(seed)
        self.now = utcnow().replace(microsecond=0)
        self.password_hash = account_services.hash_password(DEMO_PASSWORD)
        self.phones: set[str] = {p for *_x, p, _w, _h in ROLE_HOLDERS} | {
            r[1] for r in FEATURED_RESIDENTS
        }
        self.regions: dict[str, Region] = {}
        self.groups: dict[int, list[Region]] = {}
        self.staff: dict[int, User] = {}
        self.representative: dict[int, User] = {}
        self.street_officer: dict[int, User] = {}
        self.residents: dict[int, list[User]] = defaultdict(list)  # residents without roles
        self.members: dict[int, list[User]] = defaultdict(list)  # everyone living there
        self.admin: User | None = None
        self.district_officer: User | None = None
        self.unused_codes: list[str] = []
        self.settings: DistrictSettings | None = None

    # helpers ---------------------------------------------------------------------------------
    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _days_ago(self, lo: float, hi: float) -> datetime:
        """A moment between ``hi`` and ``lo`` days ago, in Shanghai's waking hours."""
        local = (self.now - timedelta(days=self.rng.uniform(lo, hi))).astimezone(SHANGHAI)
        local = local.replace(
            hour=self.rng.randint(7, 21), minute=self.rng.randrange(60), second=0, microsecond=0
        )
        return min(local, self.now - timedelta(minutes=30))

    def _between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random()

    # regions ---------------------------------------------------------------------------------
    def build_regions(self) -> None:
        district = create_region(DISTRICT, RegionKind.DISTRICT)
        self.regions[DISTRICT] = district
        for street_name, communities in STREETS.items():
            street = create_region(street_name, RegionKind.STREET, district)
            self.regions[street_name] = street
            for spec in communities:
                community = create_region(
                    spec.name,
                    RegionKind.COMMUNITY,
                    street,
                    is_village=spec.is_village,
                    adult_count=spec.adults,
                    household_count=spec.households,
                )
                self.regions[spec.name] = community
                self.groups[community.id] = [
                    create_region(g, RegionKind.GROUP, community) for g in spec.groups
                ]
        self.settings = db.session.get(DistrictSettings, district.id)

    # accounts --------------------------------------------------------------------------------
    def _account(self, name: str, phone: str, community: Region) -> User:
        """An account made like ``register()`` does, but with the password hashed once for all
        (Argon2 is slow on purpose; hashing 150 times would take most of a minute)."""
        building = self.rng.choice(self.groups[community.id])
        created = self._days_ago(230, 320)
        user = User(
            name=name,
            phone=phone,
            password_hash=self.password_hash,
            community=community,
            building=building,
            unit=f"{self.rng.randint(1, 4)}单元{self.rng.randint(1, 7)}0{self.rng.randint(1, 4)}"
            if not community.is_village
            else "",
            session_token=secrets.token_hex(16),
            created_at=created,
        )
        db.session.add(user)
        db.session.flush()
        self.members[community.id].append(user)
        return user

    def build_accounts(self) -> None:
        holders: list[tuple[User, Role, Region]] = []
        for role, name, phone, node_name, home in ROLE_HOLDERS:
            user = self._account(name, phone, self.regions[home])
            node = self.regions[node_name]
            holders.append((user, role, node))
            if role == Role.ADMIN:
                self.admin = user
            elif role == Role.DISTRICT_OFFICER:
                self.district_officer = user
            elif role == Role.STREET_OFFICER:
                self.street_officer[node.id] = user
            elif role == Role.STAFF:
                self.staff[node.id] = user
            elif role == Role.REPRESENTATIVE:
                self.representative[node.id] = user
        for user, role, node in holders:
            assignment = account_services.grant_role(user, role, node, by=self.admin)
            assignment.granted_at = user.created_at + timedelta(days=1)

        for name, phone, community_name, _via in FEATURED_RESIDENTS:
            user = self._account(name, phone, self.regions[community_name])
            self.residents[user.community_id].append(user)
        for community in self._communities():
            for _i in range(RESIDENTS_PER_COMMUNITY + UNVERIFIED_PER_COMMUNITY):
                self.residents[community.id].append(
                    self._account(self._name(), self._phone(), community)
                )

        # Verification: in person by community staff (staff themselves by their street officer),
        # and, in 桂花苑社区, with printed one-time codes — so both paths appear.
        by_code = {p for _n, p, _c, via in FEATURED_RESIDENTS if via == "code"}
        unverified = {p for _n, p, _c, via in FEATURED_RESIDENTS if via is None}
        for community in self._communities():
            extra = self.residents[community.id][-UNVERIFIED_PER_COMMUNITY:]
            unverified |= {u.phone for u in extra}
        code_community = self.regions[CODE_COMMUNITY]
        by_code |= {
            u.phone
            for u in self.residents[code_community.id][
                -UNVERIFIED_PER_COMMUNITY - 2 : -UNVERIFIED_PER_COMMUNITY
            ]
        }
        for community in self._communities():
            staff = self.staff[community.id]
            for user in self.members[community.id]:
                if user.phone in unverified or user.phone in by_code:
                    continue
                verifier = staff if user is not staff else self.street_officer[community.parent_id]
                account_services.verify_resident(user, by=verifier)
                user.verified_at = user.created_at + timedelta(days=self.rng.uniform(1, 20))
        self._verify_with_codes(
            code_community, [u for u in self.members[code_community.id] if u.phone in by_code]
        )

    def _verify_with_codes(self, community: Region, people: list[User]) -> None:
        staff = self.staff[community.id]
        issued_at = self.now - timedelta(days=230)
        codes = list(account_services.issue_codes(community, len(people), by=staff))
        for person, code in zip(people, codes, strict=True):
            account_services.redeem_code(person, account_services.format_code(code))
        db.session.flush()
        for row in db.session.scalars(
            select(VerificationCode).where(VerificationCode.used_by_id.in_([p.id for p in people]))
        ):
            row.created_at = issued_at
            row.expires_at = issued_at + timedelta(days=60)
            row.used_at = issued_at + timedelta(days=self.rng.uniform(2, 20))
            person = next(p for p in people if p.id == row.used_by_id)
            person.verified_at = row.used_at
        # A fresh batch, printed with the logins, to try the code path on a new account.
        self.unused_codes = [
            account_services.format_code(c)
            for c in account_services.issue_codes(community, 5, by=staff)
        ]

    def _communities(self) -> list[Region]:
        return [self.regions[c.name] for cs in STREETS.values() for c in cs]

    # matters ---------------------------------------------------------------------------------
    def _routed(self, cost_fen: int | None) -> int:
        return tier_for_cost(cost_fen, self.settings.tier1_max_fen, self.settings.tier2_max_fen)

    def plan_matters(self) -> list[_Plan]:
        plans: list[_Plan] = []
        for community in self._communities():
            eligible = _templates_for(community)
            count = 14 if community.is_village else 20
            chosen = self.rng.sample(eligible, min(count, len(eligible)))
            while len(chosen) < count:
                chosen.append(self.rng.choice(eligible))
            own: list[_Plan] = []
            for template in chosen:
                cost = None
                if template.cost_yuan:
                    cost = self.rng.randint(*template.cost_yuan) // 100 * 100 * 100
                author = self.rng.choice(self.residents[community.id])
                on_behalf = None
                if self.rng.random() < 0.08:  # assisted entry by the representative
                    author = self.representative[community.id]
                    on_behalf = (self._name(), self._phone())
                own.append(
                    _Plan(
                        community=community,
                        template=template,
                        building=self.rng.choice(self.groups[community.id]),
                        created=self._days_ago(0.2, 200),
                        author=author,
                        cost_fen=cost,
                        on_behalf=on_behalf,
                    )
                )
            # Two duplicates per community: the same matter proposed again later by a neighbour.
            for original in self.rng.sample(own, 2):
                later = original.created + timedelta(days=self.rng.uniform(2, 40))
                neighbours = [u for u in self.residents[community.id] if u is not original.author]
                duplicate = _Plan(
                    community=community,
                    template=original.template,
                    building=original.building,
                    created=min(later, self.now - timedelta(hours=3)),
                    author=self.rng.choice(neighbours),
                    cost_fen=original.cost_fen,
                )
                duplicate.merge_into = original
                own.append(duplicate)
            plans.extend(own)
        plans.sort(key=lambda p: p.created)
        for plan in plans:
            self._choose_outcome(plan)
        self._ensure_coverage(plans)
        return plans

    def _choose_outcome(self, plan: _Plan) -> None:
        age = (self.now - plan.created).total_seconds() / 86400
        if plan.merge_into is not None:
            target = plan.merge_into
            if target.outcome not in (State.SUBMITTED, State.ACCEPTED):
                target.outcome = State.ACCEPTED
                target.triage_at = target.triage_at or self._triage_time(target)
                target.tier = self._routed(target.cost_fen)
                target.raise_to = None
            if age < 3:  # a fresh duplicate staff have not merged yet
                plan.merge_into = None
                return
            plan.outcome = State.MERGED
            plan.triage_at = self._triage_time(plan)
            return
        roll = self.rng.random()
        if age < 3:
            plan.outcome = State.WITHDRAWN if roll < 0.05 else State.SUBMITTED
        elif roll < 0.50:
            plan.outcome = State.ACCEPTED
        elif roll < 0.64:
            plan.outcome = State.REJECTED
        elif roll < 0.71:
            plan.outcome = State.WITHDRAWN
        else:
            plan.outcome = State.SUBMITTED  # still waiting; some of them overdue
        if plan.outcome != State.SUBMITTED:
            plan.triage_at = self._triage_time(plan)
        if plan.outcome == State.ACCEPTED:
            routed = self._routed(plan.cost_fen)
            plan.tier = routed
            if routed < 3 and self.rng.random() < 0.10:
                plan.tier = routed + 1
            elif plan.tier < 3 and self.rng.random() < 0.12:
                plan.raise_to = plan.tier + 1

    def _triage_time(self, plan: _Plan) -> datetime:
        """Within the 5 working days DESIGN §2 gives, mostly; never in the future."""
        at = plan.created + timedelta(days=self.rng.uniform(0.3, 6))
        return max(min(at, self.now - timedelta(hours=1)), plan.created + timedelta(minutes=5))

    def _ensure_coverage(self, plans: list[_Plan]) -> None:
        """Every state and tier appears, whatever the random draw gave."""
        old = [p for p in plans if p.merge_into is None and (self.now - p.created).days >= 10]

        def accepted(p: _Plan) -> bool:
            return p.outcome == State.ACCEPTED

        for tier in (1, 2, 3):
            if not any(accepted(p) and p.tier == tier for p in plans):
                candidate = next(
                    p
                    for p in old
                    if self._routed(p.cost_fen) == tier
                    and p.outcome != State.ACCEPTED
                    and not any(q.merge_into is p for q in plans)
                )
                candidate.outcome, candidate.tier, candidate.raise_to = State.ACCEPTED, tier, None
                candidate.triage_at = self._triage_time(candidate)
        if not any(accepted(p) and p.tier > self._routed(p.cost_fen) for p in plans):
            p = next(p for p in old if accepted(p) and p.tier < 3 and p.raise_to is None)
            p.tier += 1
        if not any(accepted(p) and p.raise_to for p in plans):
            p = next(p for p in old if accepted(p) and p.tier < 3)
            p.raise_to = p.tier + 1
        for state in (State.REJECTED, State.WITHDRAWN, State.SUBMITTED):
            if not any(p.outcome == state for p in plans):
                p = next(
                    p
                    for p in old
                    if p.outcome == State.ACCEPTED and not any(q.merge_into is p for q in plans)
                )
                p.outcome, p.tier, p.raise_to = state, None, None
        if not any(p.outcome == State.MERGED for p in plans):
            raise RuntimeError("the demo plan has no merged matter")  # duplicates are planned

    def play(self, plan: _Plan) -> Matter:
        """Run one matter's life through the services, then date it."""
        community = plan.community
        staff = self.staff[community.id]
        template = plan.template
        matter = matter_services.submit_matter(
            author=plan.author,
            community=community,
            title=plan.text(template.title),
            description=plan.text(template.description),
            category=template.category,
            location=plan.text(template.location),
            estimated_cost_fen=plan.cost_fen,
            on_behalf_name=plan.on_behalf[0] if plan.on_behalf else "",
            on_behalf_phone=plan.on_behalf[1] if plan.on_behalf else "",
        )
        matter.created_at = matter.updated_at = plan.created
        self._date_last_transition(matter, plan.created)
        until = plan.triage_at or self.now - timedelta(minutes=20)

        # Supports (附议) by verified neighbours, before the matter closes.
        pool = [u for u in self.members[community.id] if u.verified_at and u is not plan.author]
        roll = self.rng.random()
        if plan.outcome in (State.WITHDRAWN, State.REJECTED) or roll < 0.3:
            k = self.rng.randint(0, 2)
        elif roll < 0.88:
            k = self.rng.randint(2, 8)
        else:  # past the threshold: triage is mandatory
            k = self.rng.randint(10, len(pool))
        when: dict[int, datetime] = {}
        for user in self.rng.sample(pool, min(k, len(pool))):
            matter_services.support(matter, user)
            when[user.id] = self._between(plan.created, until)
        for row in db.session.scalars(select(Support).where(Support.matter_id == matter.id)):
            row.created_at = when[row.user_id]

        # Comments, now and then a reply from staff, a few hidden with a public reason.
        for _i in range(self.rng.choice((0, 0, 1, 1, 2, 3))):
            author = self.rng.choice(self.members[community.id])
            comment = matter_services.add_comment(
                matter, author=author, body=self.rng.choice(COMMENTS)
            )
            comment.created_at = self._between(plan.created, until)
        if plan.outcome == State.ACCEPTED and self.rng.random() < 0.3:
            reply = matter_services.add_comment(
                matter, author=staff, body=self.rng.choice(STAFF_REPLIES)
            )
            reply.created_at = self._between(plan.created, until)

        self._transition(plan, matter, staff)
        plan.matter_id = matter.id
        # Services that update matters in bulk evaluate their criteria against every matter in
        # the session; letting finished ones go keeps seeding linear (and a few seconds long).
        db.session.flush()
        db.session.expunge(matter)
        return matter

    def _transition(self, plan: _Plan, matter: Matter, staff: User) -> None:
        at = plan.triage_at
        if plan.outcome == State.ACCEPTED:
            routed = self._routed(plan.cost_fen)
            reason = self.rng.choice(RAISE_REASONS) if plan.tier > routed else ""
            matter_services.accept_matter(matter, by=staff, tier=plan.tier, reason=reason)
            self._date_last_transition(matter, at)
            matter.triaged_at = at
            if plan.raise_to:
                raised_at = min(
                    at + timedelta(days=self.rng.uniform(3, 20)), self.now - timedelta(minutes=10)
                )
                officer = (
                    self.street_officer[plan.community.parent_id]
                    if plan.raise_to == 2
                    else self.district_officer
                )
                matter_services.raise_tier(
                    matter, by=officer, tier=plan.raise_to, reason=self.rng.choice(RAISE_REASONS)
                )
                self._date_last_transition(matter, raised_at)
        elif plan.outcome == State.REJECTED:
            matter_services.reject_matter(matter, by=staff, reason=self.rng.choice(REJECT_REASONS))
            self._date_last_transition(matter, at)
            matter.triaged_at = at
        elif plan.outcome == State.WITHDRAWN:
            matter_services.withdraw_matter(
                matter, by=plan.author, reason=self.rng.choice(WITHDRAW_REASONS)
            )
            self._date_last_transition(matter, at)
        elif plan.outcome == State.MERGED:
            target = db.session.get(Matter, plan.merge_into.matter_id)
            matter_services.merge_matter(
                matter,
                into=target,
                by=staff,
                reason=f"与 #{target.id} 内容相同，合并办理，附议一并转入。",
            )
            self._date_last_transition(matter, at)
            matter.triaged_at = at

    def _date_last_transition(self, matter: Matter, at: datetime) -> None:
        last = db.session.scalar(
            select(Transition)
            .where(Transition.matter_id == matter.id)
            .order_by(Transition.id.desc())
            .limit(1)
        )
        last.at = at

    def hide_some_comments(self, plans: list[_Plan]) -> None:
        """A few comments that break the rules, hidden by staff with a public reason."""
        day_ago = self.now - timedelta(days=1)
        open_plans = [
            p
            for p in plans
            if p.outcome in (State.SUBMITTED, State.ACCEPTED) and p.created < day_ago
        ]
        for (body, reason), plan in zip(
            HIDDEN_COMMENTS, self.rng.sample(open_plans, len(HIDDEN_COMMENTS)), strict=True
        ):
            author = self.rng.choice(self.residents[plan.community.id])
            matter = db.session.get(Matter, plan.matter_id)
            comment = matter_services.add_comment(matter, author=author, body=body)
            comment.created_at = self._between(plan.created, self.now - timedelta(hours=2))
            matter_services.hide_comment(comment, by=self.staff[plan.community.id], reason=reason)
            comment.hidden_at = min(
                comment.created_at + timedelta(hours=self.rng.uniform(1, 20)), self.now
            )

    def settle_timestamps(self) -> None:
        """After the services ran: ``updated_at`` = the last transition, and the threshold
        moment = when the threshold-th support came in (services stamp both with "now")."""
        db.session.flush()
        last = dict(
            db.session.execute(
                select(Transition.matter_id, func.max(Transition.at)).group_by(Transition.matter_id)
            ).all()
        )
        supports: dict[int, list[datetime]] = defaultdict(list)
        for matter_id, at in db.session.execute(select(Support.matter_id, Support.created_at)):
            supports[matter_id].append(at)
        threshold = self.settings.support_threshold
        rows = []
        for matter_id, updated in last.items():
            times = sorted(supports.get(matter_id, []))
            rows.append(
                {
                    "id": matter_id,
                    "updated_at": updated,
                    "threshold_reached_at": times[threshold - 1]
                    if len(times) >= threshold
                    else None,
                }
            )
        db.session.execute(update(Matter), rows)


def seed_demo() -> DemoResult:
    """Seed the demo district once: when a district exists already, nothing is written and the
    demo logins found in the database are returned. Commits."""
    started = time.perf_counter()
    if db.session.scalar(
        select(Region.id).where(Region.kind == RegionKind.DISTRICT.value).limit(1)
    ):
        return DemoResult(created=False, logins=demo_logins())
    builder = _DemoBuilder()
    builder.build_regions()
    builder.build_accounts()
    plans = builder.plan_matters()
    for plan in plans:
        builder.play(plan)
    builder.hide_some_comments(plans)
    builder.settle_timestamps()
    db.session.commit()
    return DemoResult(
        created=True,
        logins=demo_logins(),
        codes=builder.unused_codes,
        seconds=time.perf_counter() - started,
    )


def _role_label(role: str) -> str:
    if role == "resident":
        return _("Resident")
    from consult.accounts.forms import role_label

    return role_label(role)


def print_logins(result: DemoResult) -> None:
    """The demo logins as a table, and the fresh verification codes right after seeding."""
    notes = {
        "staff": _("verified in person"),
        "code": _("verified with a printed code"),
        "unverified": _("not verified"),
    }
    click.echo()
    if result.logins:
        click.echo(_("Demo logins — every account uses the password: %(pw)s", pw=DEMO_PASSWORD))
        click.echo()
        rows = [
            [
                _role_label(login.role),
                login.name,
                login.phone,
                login.where,
                notes.get(login.note, ""),
            ]
            for login in result.logins
        ]
        click.echo(format_table([_("Role"), _("Name"), _("Mobile"), _("Where"), _("Note")], rows))
    else:
        click.echo(_("A district exists that is not the demo district: no demo logins to show."))
    if result.codes:
        click.echo()
        click.echo(
            _(
                "Unused verification codes for %(community)s (shown only now): %(codes)s",
                community=CODE_COMMUNITY,
                codes="  ".join(result.codes),
            )
        )
    click.echo()


@click.command("demo")
@click.option(
    "--serve/--no-serve", default=True, help="Serve on 127.0.0.1 after seeding (default)."
)
@click.option("--port", default=5000, show_default=True, type=int, help="Port to serve on.")
@with_appcontext
def demo_command(serve: bool, port: int) -> None:
    """Migrate, seed the demo district once, print the logins and serve on 127.0.0.1."""
    from flask_migrate import upgrade

    app = current_app._get_current_object()
    upgrade()
    result = seed_demo()
    if result.created:
        click.echo(_("Seeded the demo district in %(s).1f s.", s=result.seconds))
    else:
        click.echo(_("The database already has a district: nothing seeded."))
    print_logins(result)
    db.session.remove()
    if not serve:
        return
    # The demo is served over plain http on this machine: a Secure cookie would never come back.
    app.config["SESSION_COOKIE_SECURE"] = False
    click.echo(_("Serving the demo on http://127.0.0.1:%(port)d (Ctrl+C stops it).", port=port))
    from werkzeug.serving import run_simple

    # Not app.run(): Flask turns app.run() into a no-op inside any `flask` command.
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False, use_debugger=False)


# ---------------------------------------------------------------------------------------------
# Bulk data for benchmarks
# ---------------------------------------------------------------------------------------------
CHUNK = 5000

#: state mix of generated matters (merged ones need an older open matter of the same community)
BULK_STATES = (
    (State.SUBMITTED, 0.38),
    (State.ACCEPTED, 0.38),
    (State.REJECTED, 0.10),
    (State.MERGED, 0.06),
    (State.WITHDRAWN, 0.08),
)


class SeedError(ValueError):
    """The data asked for cannot be generated on this database."""


@dataclass
class SeedReport:
    users: int = 0
    matters: int = 0
    supports: int = 0
    transitions: int = 0
    comments: int = 0
    seconds: float = 0.0
    regions_created: bool = False


def _chunks(rows: list[dict], size: int = CHUNK) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _minimal_tree() -> None:
    """A small region tree for an empty database: one district, two streets, six communities."""
    district = create_region("示范区", RegionKind.DISTRICT)
    for s, street_name in enumerate(("东湖街道", "西山镇")):
        street = create_region(street_name, RegionKind.STREET, district)
        for c in range(3):
            village = s == 1 and c == 2
            name = f"{street_name[:2]}{'村' if village else '社区'}{c + 1}"
            community = create_region(
                name,
                RegionKind.COMMUNITY,
                street,
                is_village=village,
                adult_count=5000,
                household_count=2000,
            )
            for g in range(4):
                create_region(
                    f"{g + 1}号楼" if not village else f"第{g + 1}村民小组",
                    RegionKind.GROUP,
                    community,
                )


def _reserve_ids(model: type[db.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``, so related rows can be written in bulk
    without reading ids back. PostgreSQL hands them out from the table's sequence."""
    if count == 0:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = db.session.scalar(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{model.__tablename__}"'}
        )
        return sorted(
            db.session.scalars(
                text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": sequence, "n": count}
            )
        )
    start = (db.session.scalar(select(func.max(model.id))) or 0) + 1
    return list(range(start, start + count))


def _bulk_insert(model: type[db.Model], rows: list[dict], size: int = CHUNK) -> None:
    # render_nulls: rows differing only in which values are None still go in one executemany
    stmt = insert(model).execution_options(render_nulls=True)
    for chunk in _chunks(rows, size):
        db.session.execute(stmt, chunk)


@dataclass
class _BulkContext:
    rng: random.Random
    now: datetime
    communities: list[Region]
    regions: dict[int, Region]
    groups: dict[int, list[int]]  # community id → building/group ids
    settings: dict[int, DistrictSettings]  # district id → settings

    def settings_of(self, community: Region) -> DistrictSettings:
        return self.settings.get(community.ancestor_ids[0]) or DistrictSettings(
            tier1_max_fen=20_000 * 100, tier2_max_fen=200_000 * 100, support_threshold=10
        )


def _bulk_context(rng: random.Random, now: datetime, report: SeedReport) -> _BulkContext:
    def load_communities() -> list[Region]:
        return list(
            db.session.scalars(
                select(Region).where(Region.kind == RegionKind.COMMUNITY.value).order_by(Region.id)
            )
        )

    communities = load_communities()
    if not communities:
        _minimal_tree()
        report.regions_created = True
        communities = load_communities()
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    groups: dict[int, list[int]] = defaultdict(list)
    for r in regions.values():
        if r.kind == RegionKind.GROUP.value:
            groups[r.parent_id].append(r.id)
    settings = {s.district_id: s for s in db.session.scalars(select(DistrictSettings))}
    return _BulkContext(rng, now, communities, regions, groups, settings)


def _bulk_users(ctx: _BulkContext, count: int, report: SeedReport) -> None:
    """``count`` residents (90 % verified) spread over the communities, and a staff member for
    every community that has none (transitions name who triaged)."""
    rng, now = ctx.rng, ctx.now
    password_hash = account_services.hash_password(DEMO_PASSWORD)  # once: Argon2 is slow
    highest = db.session.scalar(select(func.max(User.phone)).where(User.phone.like("170%")))
    first_phone = int(highest) + 1 if highest else 17000000000
    staffed = set(
        db.session.scalars(
            select(RoleAssignment.region_id).where(RoleAssignment.role == Role.STAFF.value)
        )
    )
    unstaffed = [c for c in ctx.communities if c.id not in staffed]
    homes = [ctx.communities[i % len(ctx.communities)] for i in range(count)] + unstaffed
    ids = _reserve_ids(User, len(homes))
    rows = []
    for i, (uid, community) in enumerate(zip(ids, homes, strict=True)):
        created = now - timedelta(days=rng.uniform(380, 720))
        verified = i >= count or rng.random() < 0.9
        buildings = ctx.groups[community.id]
        rows.append(
            {
                "id": uid,
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
                "phone": str(first_phone + i),
                "password_hash": password_hash,
                "community_id": community.id,
                "building_id": rng.choice(buildings) if buildings else None,
                "unit": "",
                "created_at": created,
                "verified_at": created + timedelta(days=rng.uniform(1, 30)) if verified else None,
                "verified_via": "staff" if verified else None,
                "is_active": True,
                "failed_logins": 0,
                "session_token": secrets.token_hex(16),
            }
        )
    _bulk_insert(User, rows)
    _bulk_insert(
        RoleAssignment,
        [
            {"user_id": uid, "role": Role.STAFF.value, "region_id": c.id, "granted_at": now}
            for uid, c in zip(ids[count:], unstaffed, strict=True)
        ],
    )
    report.users = len(rows)


def _support_counts(rng: random.Random, total: int, capacity: list[int]) -> list[int]:
    """Spread ``total`` supports over matters with a long tail (most have a few, some many),
    none above its capacity (the verified neighbours who may support it)."""
    weights = [rng.paretovariate(1.2) for _ in capacity]
    scale = total / (sum(weights) or 1)
    counts = [min(cap, int(w * scale)) for w, cap in zip(weights, capacity, strict=True)]
    missing = total - sum(counts)
    open_slots = [i for i, cap in enumerate(capacity) if counts[i] < cap]
    while missing > 0 and open_slots:
        rng.shuffle(open_slots)
        still = []
        for i in open_slots:
            if missing == 0:
                break
            counts[i] += 1
            missing -= 1
            if counts[i] < capacity[i]:
                still.append(i)
        open_slots = still
    return counts


def seed_bulk(
    *,
    matters: int,
    supports: int = 0,
    users: int | None = None,
    comments: int = 0,
    seed: int = 7,
) -> SeedReport:
    """Add ``matters`` matters with their transitions, ``supports`` supports and ``users``
    verified residents on top of the existing regions (a small tree is made when there is
    none) and ``comments`` comments, with bulk INSERTs. ``support_count`` equals the support rows, the threshold moment
    is set where supports reached it, and ``search_text`` is filled. Commits."""
    started = time.perf_counter()
    rng = random.Random(seed)
    report = SeedReport()
    ctx = _bulk_context(rng, utcnow().replace(microsecond=0), report)
    now = ctx.now
    if users is None:  # enough neighbours for the supports of the busiest matters
        per_matter = supports / matters if matters else 0
        users = max(200, min(50_000, int(20 * (per_matter + 1) * len(ctx.communities))))
    _bulk_users(ctx, users, report)

    staff_of = dict(
        db.session.execute(
            select(RoleAssignment.region_id, func.min(RoleAssignment.user_id))
            .where(RoleAssignment.role == Role.STAFF.value)
            .group_by(RoleAssignment.region_id)
        ).all()
    )
    residents: dict[int, list[int]] = defaultdict(list)
    verified: dict[int, list[int]] = defaultdict(list)
    for uid, cid, verified_at in db.session.execute(
        select(User.id, User.community_id, User.verified_at)
    ):
        residents[cid].append(uid)
        if verified_at is not None:
            verified[cid].append(uid)

    # Segmenting 20,000 texts would take most of the run; they repeat (a template in a
    # building), so each distinct text is segmented once.
    index_cache: dict[tuple[str, str], str] = {}

    def index_text(title: str, description: str) -> str:
        key = (title, description)
        if key not in index_cache:
            index_cache[key] = search.index_text(title, description)
        return index_cache[key]

    templates = {c.id: _templates_for(c) for c in ctx.communities}
    # Matters go to communities that have residents, bigger ones more often.
    homes = [c for c in ctx.communities if residents[c.id]]
    if matters and not homes:
        raise SeedError(_("No community has residents to propose matters: add --users."))
    cum_weights = list(itertools.accumulate(max(1, c.household_count or 1000) for c in homes))
    states, state_weights = zip(*BULK_STATES, strict=True)
    ids = _reserve_ids(Matter, matters)
    created_times = sorted(now - timedelta(days=rng.uniform(0, 365)) for _ in range(matters))
    rows: list[dict] = []
    transitions: list[dict] = []
    open_by_community: dict[int, list[int]] = defaultdict(list)  # ids that can take a merge
    for mid, created in zip(ids, created_times, strict=True):
        community = rng.choices(homes, cum_weights=cum_weights)[0]
        template = rng.choice(templates[community.id])
        buildings = ctx.groups[community.id]
        building = ctx.regions[rng.choice(buildings)].name if buildings else ""
        title = template.title.replace("{b}", building)
        description = template.description.replace("{b}", building)
        cost = rng.randint(*template.cost_yuan) // 100 * 100 * 100 if template.cost_yuan else None
        rules = ctx.settings_of(community)
        routed = tier_for_cost(cost, rules.tier1_max_fen, rules.tier2_max_fen)
        state = (
            rng.choices(states, state_weights)[0] if (now - created).days >= 2 else State.SUBMITTED
        )
        into = None
        if state == State.MERGED:
            candidates = open_by_community[community.id][-50:]
            into = rng.choice(candidates) if candidates else None
            state = State.MERGED if into else State.SUBMITTED
        tier = (
            routed + 1 if state == State.ACCEPTED and routed < 3 and rng.random() < 0.05 else routed
        )
        triaged = (
            min(created + timedelta(days=rng.uniform(0.3, 6)), now)
            if state != State.SUBMITTED
            else None
        )
        author = rng.choice(residents[community.id])
        staff = staff_of.get(community.id)
        rows.append(
            {
                "id": mid,
                "title": title,
                "description": description,
                "category": template.category,
                "community_id": community.id,
                "location": template.location.replace("{b}", building),
                "estimated_cost_fen": cost,
                "state": state.value,
                "tier": tier if state == State.ACCEPTED else None,
                "handling_region_id": community.ancestor_ids[-tier]
                if state == State.ACCEPTED
                else None,
                "author_id": author,
                "assisted": False,
                "on_behalf_name": "",
                "on_behalf_phone": "",
                "merged_into_id": into,
                "support_count": 0,
                "comment_count": 0,
                "threshold_reached_at": None,
                "search_text": index_text(title, description),
                "created_at": created,
                "updated_at": triaged or created,
                "triaged_at": triaged if state not in (State.SUBMITTED, State.WITHDRAWN) else None,
                "_threshold": rules.support_threshold,
            }
        )
        # The same records the services write.
        transitions.append(
            _transition_row(
                mid, created, author, "submit", None, State.SUBMITTED, data={"assisted": False}
            )
        )
        if state == State.ACCEPTED:
            transitions.append(
                _transition_row(
                    mid,
                    triaged,
                    staff,
                    "accept",
                    State.SUBMITTED,
                    state,
                    reason=RAISE_REASONS[0] if tier > routed else "",
                    data={"tier": tier, "routed_tier": routed},
                )
            )
        elif state == State.REJECTED:
            transitions.append(
                _transition_row(
                    mid,
                    triaged,
                    staff,
                    "reject",
                    State.SUBMITTED,
                    state,
                    reason=rng.choice(REJECT_REASONS),
                )
            )
        elif state == State.MERGED:
            transitions.append(
                _transition_row(
                    mid,
                    triaged,
                    staff,
                    "merge",
                    State.SUBMITTED,
                    state,
                    reason=f"与 #{into} 内容相同，合并办理。",
                    data={"into": into, "carried": 0},
                )
            )
        elif state == State.WITHDRAWN:
            transitions.append(
                _transition_row(mid, triaged, author, "withdraw", State.SUBMITTED, state)
            )
        if state in (State.SUBMITTED, State.ACCEPTED):
            open_by_community[community.id].append(mid)

    # Supports by verified neighbours (never the author), between submission and triage.
    capacity = [
        len(verified[r["community_id"]]) - (r["author_id"] in verified[r["community_id"]])
        for r in rows
    ]
    counts = _support_counts(rng, supports, capacity)
    support_rows: list[dict] = []
    for row, count in zip(rows, counts, strict=True):
        threshold = row.pop("_threshold")
        if not count:
            continue
        pool = verified[row["community_id"]]
        chosen = [u for u in rng.sample(pool, min(len(pool), count + 1)) if u != row["author_id"]][
            :count
        ]
        start = row["created_at"]
        still_open = row["state"] in (State.SUBMITTED.value, State.ACCEPTED.value)
        span = (now if still_open else row["updated_at"]) - start
        times = sorted(start + span * rng.random() for _ in chosen)
        row["support_count"] = len(chosen)
        if len(times) >= threshold:
            row["threshold_reached_at"] = times[threshold - 1]
        support_rows += [
            {"matter_id": row["id"], "user_id": uid, "created_at": at, "carried_from_id": None}
            for uid, at in zip(chosen, times, strict=True)
        ]

    # Comments by neighbours (verified or not), while the matter is open.
    comment_rows: list[dict] = []
    per_matter = _support_counts(rng, comments, [10_000] * len(rows)) if comments else []
    for row, count in zip(rows, per_matter, strict=False):
        start = row["created_at"]
        still_open = row["state"] in (State.SUBMITTED.value, State.ACCEPTED.value)
        span = (now if still_open else row["updated_at"]) - start
        pool = residents[row["community_id"]]
        row["comment_count"] = count
        comment_rows += [
            {
                "matter_id": row["id"],
                "author_id": rng.choice(pool),
                "body": rng.choice(COMMENTS),
                "created_at": at,
                "hidden_at": None,
                "hidden_by_id": None,
                "hidden_reason": "",
            }
            for at in sorted(start + span * rng.random() for _ in range(count))
        ]

    _bulk_insert(Matter, rows)
    _bulk_insert(Support, support_rows, 20_000)
    _bulk_insert(Transition, transitions)
    _bulk_insert(Comment, comment_rows)
    report.matters, report.supports, report.transitions, report.comments = (
        len(rows),
        len(support_rows),
        len(transitions),
        len(comment_rows),
    )
    db.session.commit()
    report.seconds = time.perf_counter() - started
    return report


def _transition_row(
    matter_id, at, actor_id, action, from_state, to_state, *, reason="", data=None
) -> dict:
    return {
        "matter_id": matter_id,
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "from_state": from_state.value if from_state else None,
        "to_state": to_state.value,
        "reason": reason,
        "data": data or {},
    }


@click.command("seed")
@click.option(
    "--matters",
    "matters",
    type=click.IntRange(0, 1_000_000),
    required=True,
    help="How many matters to add.",
)
@click.option(
    "--supports",
    "supports",
    type=click.IntRange(0, 10_000_000),
    default=0,
    show_default=True,
    help="How many supports (附议) to add, spread over the new matters.",
)
@click.option(
    "--users",
    "users",
    type=click.IntRange(0, 1_000_000),
    default=None,
    help="How many residents to add (default: enough for the supports).",
)
@click.option(
    "--comments",
    "comments",
    type=click.IntRange(0, 10_000_000),
    default=0,
    show_default=True,
    help="How many comments to add, spread over the new matters.",
)
@click.option("--seed", "seed", type=int, default=7, show_default=True, help="Random seed.")
@with_appcontext
def seed_command(matters: int, supports: int, users: int | None, comments: int, seed: int) -> None:
    """Add large generated data fast (bulk inserts), for benchmarks."""
    try:
        report = seed_bulk(
            matters=matters, supports=supports, users=users, comments=comments, seed=seed
        )
    except SeedError as exc:
        raise click.ClickException(str(exc)) from None
    if report.regions_created:
        click.echo(_("No regions existed: created a small region tree."))
    click.echo(
        _(
            "Added %(u)d users, %(m)d matters, %(s)d supports, %(t)d transitions and "
            "%(c)d comments in %(sec).1f s.",
            u=report.users,
            m=report.matters,
            s=report.supports,
            t=report.transitions,
            c=report.comments,
            sec=report.seconds,
        )
    )
    if report.supports < supports:
        click.echo(
            _(
                "Only %(n)d supports fit: each resident supports a matter at most once. Add --users.",
                n=report.supports,
            )
        )
