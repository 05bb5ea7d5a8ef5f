"""The demo county's organisation: 清河县 of 云州市, 江北省 (fictional), its organs, townships and
villages, and the posts they establish."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

COUNTY = "QHX"  # the county party committee's code; the demo is loaded when it exists
COUNTY_GOV = "QHX-ZF"
CITY_ORG = "YZS-ZZB"
PROVINCE_DEPT = "JBS-ZRT"


@dataclass(frozen=True)
class PostSpec:
    """A post a unit establishes."""

    code: str
    title: str
    category: str  # leadership | non_leadership
    grade: str = ""
    team_member: bool = False
    principal: bool = False


@dataclass
class UnitSpec:
    """A unit to register, with its posts (pooled posts are added as the careers need them)."""

    code: str
    name: str
    level: str
    kind: str
    parent: str | None
    posts: list[PostSpec] = field(default_factory=list)
    township: str = ""  # the township's short name, for township and village units
    joint_with: str | None = None  # the unit it shares its staff with (合署)


def leadership(code: str, title: str, grade: str, *, principal: bool = False) -> PostSpec:
    """A team-member leadership post (领导班子成员)."""
    return PostSpec(code, title, "leadership", grade, team_member=True, principal=principal)


# code, name, principal title, deputy title, deputies
COUNTY_ORGANS = (
    ("QHX-XWB", "中共清河县委办公室", "主任", "副主任", 2),
    ("QHX-ZFB", "清河县人民政府办公室", "主任", "副主任", 2),
    ("QHX-ZZB", "中共清河县委组织部", "部长", "副部长", 2),
    ("QHX-XCB", "中共清河县委宣传部", "部长", "副部长", 2),
    ("QHX-JW", "中共清河县纪律检查委员会 清河县监察委员会", "书记、主任", "副书记、副主任", 2),
    ("QHX-XCY", "中共清河县委巡察工作领导小组办公室", "主任", "副主任", 1),
    ("QHX-FGJ", "清河县发展和改革局", "局长", "副局长", 2),
    ("QHX-CZJ", "清河县财政局", "局长", "副局长", 2),
    ("QHX-JTJ", "清河县教育和体育局", "局长", "副局长", 2),
    ("QHX-RSJ", "清河县人力资源和社会保障局", "局长", "副局长", 2),
    ("QHX-ZRJ", "清河县自然资源和规划局", "局长", "副局长", 2),
    ("QHX-NYJ", "清河县农业农村局", "局长", "副局长", 2),
    ("QHX-ZJJ", "清河县住房和城乡建设局", "局长", "副局长", 2),
    ("QHX-WJJ", "清河县卫生健康局", "局长", "副局长", 1),
    ("QHX-MZJ", "清河县民政局", "局长", "副局长", 1),
    ("QHX-XFJ", "清河县信访局", "局长", "副局长", 1),
    ("QHX-SJJ", "清河县审计局", "局长", "副局长", 1),
)
PARTY_ORGANS = {"QHX-XWB", "QHX-ZZB", "QHX-XCB", "QHX-JW", "QHX-XCY"}

# short code, name, kind (镇/乡/街道), villages (村) and communities (社区)
TOWNSHIPS = (
    ("CGZ", "城关镇", "镇", ("西关村", "南坡村"), ("北街社区", "东城社区")),
    ("LLZ", "柳林镇", "镇", ("柳林村", "前进村", "王庄村", "大柳树村"), ()),
    ("SQZ", "石桥镇", "镇", ("石桥村", "河口村", "李家湾村"), ()),
    ("HXX", "河西乡", "乡", ("红旗村", "张庄村", "杨家店村", "小河村"), ()),
    ("DGZ", "东岗镇", "镇", ("东岗村", "东风村", "三里屯村"), ("东岗社区",)),
    ("BMX", "白马乡", "乡", ("白马村", "朱家沟村", "黄土岭村", "双井村", "刘家坪村"), ()),
    ("QSZ", "青山镇", "镇", ("青山村", "石门村", "青龙村", "枣林村"), ()),
    ("LQZ", "龙泉镇", "镇", ("龙泉村", "马家洼村", "油坊村"), ("龙泉社区",)),
    ("MJZ", "马集镇", "镇", ("马集村", "后营村", "高庄村", "桥头村"), ()),
    ("YZX", "杨庄乡", "乡", ("杨庄村", "丰收村", "赵家庄村"), ()),
    ("TYJD", "桃园街道", "街道", (), ("桃园社区", "桃花社区", "团结社区")),
    ("XHJD", "新华街道", "街道", (), ("新华社区", "胜利社区", "和平社区", "光明社区")),
)


def _organ(code: str, name: str, head: str, deputy: str, deputies: int) -> UnitSpec:
    parent = "QHX" if code in PARTY_ORGANS else COUNTY_GOV
    posts = [leadership("zz", head, "正科", principal=True)]
    posts += [leadership(f"fz-{i}", deputy, "副科") for i in range(1, deputies + 1)]
    return UnitSpec(code, name, "county", "department", parent, posts)


def _township(short: str, name: str, kind: str) -> list[UnitSpec]:
    gov_title, party = {"镇": ("镇长", "党委"), "乡": ("乡长", "党委"), "街道": ("主任", "党工委")}[
        kind
    ]
    discipline = "纪工委书记" if kind == "街道" else "纪委书记"
    code = f"QHX-{short}"
    if kind == "街道":
        gov = UnitSpec(code, f"{name}办事处", "township", "dispatched_office", COUNTY_GOV)
        committee = f"中共{name}工作委员会"
    else:
        gov = UnitSpec(code, f"{name}人民政府", "township", "government", COUNTY_GOV)
        committee = f"中共{name}委员会"
    deputy = "副" + gov_title
    gov.posts = [leadership("zz", gov_title, "正科", principal=True)]
    gov.posts += [leadership(f"fz-{i}", deputy, "副科") for i in (1, 2, 3)]
    # The township's party committee and its government are one organ (合署): one staff.
    dw = UnitSpec(f"{code}-DW", committee, "township", "party_committee", COUNTY, joint_with=code)
    dw.posts = [
        leadership("sj", f"{party}书记", "正科", principal=True),
        leadership("fsj", f"{party}副书记", "副科"),
        leadership("jw", discipline, "副科"),
        leadership("zzwy", "组织委员", "副科"),
        leadership("xcwy", "宣传委员", "副科"),
    ]
    gov.township = dw.township = name
    return [gov, dw]


def _villages(
    short: str, name: str, villages: tuple[str, ...], communities: tuple[str, ...]
) -> list[UnitSpec]:
    units = []
    for i, village in enumerate((*villages, *communities), start=1):
        community = village.endswith("社区")
        full = f"{name}{village}{'居民委员会' if community else '村民委员会'}"
        kind = "community" if community else "village_committee"
        unit = UnitSpec(f"QHX-{short}-{i:02d}", full, "village", kind, f"QHX-{short}")
        unit.township = name
        units.append(unit)
    return units


def county_units() -> list[UnitSpec]:
    """Every unit of the demo, parents before children."""
    units = [
        UnitSpec("JBS-ZF", "江北省人民政府", "province", "government", None),
        UnitSpec(PROVINCE_DEPT, "江北省自然资源厅", "province", "department", "JBS-ZF"),
        UnitSpec("YZS", "中共云州市委员会", "city", "party_committee", None),
        UnitSpec(CITY_ORG, "中共云州市委组织部", "city", "department", "YZS"),
        UnitSpec("YZS-XCB", "中共云州市委宣传部", "city", "department", "YZS"),
        UnitSpec(COUNTY, "中共清河县委员会", "county", "party_committee", "YZS"),
        UnitSpec(COUNTY_GOV, "清河县人民政府", "county", "government", None),
    ]
    units += [_organ(*organ) for organ in COUNTY_ORGANS]
    for short, name, kind, _, _ in TOWNSHIPS:
        units += _township(short, name, kind)
    for short, name, _, villages, communities in TOWNSHIPS:
        units += _villages(short, name, villages, communities)
    return units


# Non-leadership grades (职级), lowest first: pooled posts, numbered per unit.
GRADES = (("ky", "一级科员"), ("zr4", "四级主任科员"), ("zr2", "二级主任科员"))


class Roster:
    """Which cadre holds which post when: allocates free posts as careers are planned."""

    def __init__(self, units: list[UnitSpec]) -> None:
        self.units = {u.code: u for u in units}
        self._holders: dict[tuple[str, str], list[list[date | None]]] = {}

    def free(self, unit: str, post: str, day: date) -> bool:
        """Whether nobody holds the post from ``day`` on."""
        tenures = self._holders.get((unit, post), [])
        if not tenures:
            return True
        left = tenures[-1][1]
        return left is not None and left <= day

    def take(self, unit: str, grade: str, day: date) -> str:
        """A pooled post of that grade free from ``day`` on (a new one when all are held)."""
        spec = self.units[unit]
        title = dict(GRADES)[grade]
        pool = [p.code for p in spec.posts if p.code.startswith(grade + "-")]
        for code in pool:
            if self.free(unit, code, day):
                return self.hold(unit, code, day)
        code = f"{grade}-{len(pool) + 1:02d}"
        spec.posts.append(PostSpec(code, title, "non_leadership", title))
        return self.hold(unit, code, day)

    def free_leadership(
        self, units: list[str], day: date, *, principal: bool
    ) -> list[tuple[str, str]]:
        """Leadership posts of those units nobody holds from ``day`` on."""
        return [
            (u, p.code)
            for u in units
            for p in self.units[u].posts
            if p.category == "leadership" and p.principal == principal and self.free(u, p.code, day)
        ]

    def hold(self, unit: str, post: str, day: date) -> str:
        """Record that a cadre holds the post from ``day``."""
        self._holders.setdefault((unit, post), []).append([day, None])
        return post

    def release(self, unit: str, post: str, day: date) -> None:
        """The holder leaves the post on ``day``."""
        self._holders[(unit, post)][-1][1] = day

    def title(self, unit: str, post: str) -> str:
        """The post's title."""
        return next(p.title for p in self.units[unit].posts if p.code == post)
