"""Chinese person names, birthplaces and phone numbers for the demo county (fictional people)."""

from __future__ import annotations

import random


def words(text: str) -> tuple[str, ...]:
    """The space-separated words of ``text``."""
    return tuple(text.split())


# The most common surnames, roughly in order of frequency (more weight to the first ones).
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
)
MALE_GIVEN = words(
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 建国 建军 志强 志刚 "
    "海涛 晓东 国栋 文博 永康 德明 立新 卫东 振华 宏伟 俊杰 浩然 子轩 宇航 "
    "天宇 博文 嘉豪 明轩 家乐 晨阳 思远 正阳 云飞 鹏程 立军 春生 学文 广才 "
    "治国 成林 长青 金山 玉龙 新民 兴旺 树林 东升 光明 红军 庆丰"
)
FEMALE_GIVEN = words(
    "芳 娜 敏 静 丽 艳 娟 霞 玲 燕 婷 雪 琳 洁 颖 秀英 桂英 玉兰 海燕 "
    "丽华 晓燕 春梅 红梅 淑芬 雅琴 慧敏 欣怡 梓涵 诗琪 雨桐 佳怡 思彤 梦瑶 "
    "晓雯 丹丹 文静 亚楠 晓丽 海霞 月华 素珍 凤英 美玲 晶晶 倩 悦 蕾 薇 璐"
)
# Reporters get names from their own list, so no reporter shares a name with a cadre.
REPORTER_GIVEN = words("满囤 秋菊 二柱 桂枝 铁锁 喜凤 金锁 翠莲 根旺 巧云")
REPORTER_SURNAMES = "牛裴洪尚庞"

NEIGHBOURS = ("云州市安平县", "云州市临川区", "云州市宁远县", "江北省青原市", "江北省梅江县")


def person_name(rng: random.Random, gender: str, taken: set[str]) -> str:
    """A plausible, not yet used name (surname + one or two characters)."""
    given = MALE_GIVEN if gender == "男" else FEMALE_GIVEN
    while True:
        # Triangular weight: common surnames come up more often.
        surname = SURNAMES[int(rng.triangular(0, len(SURNAMES), 0))]
        name = surname + rng.choice(given)
        if name not in taken:
            taken.add(name)
            return name


def growth_place(rng: random.Random, townships: list[str]) -> str:
    """Where a cadre grew up: mostly a township of the county, sometimes a neighbour."""
    if rng.random() < 0.75:
        return f"江北省云州市清河县{rng.choice(townships)}"
    return f"江北省{rng.choice(NEIGHBOURS).removeprefix('江北省')}"


def reporters(rng: random.Random, count: int) -> list[dict[str, str]]:
    """Distinct reporter identities (name and mobile number) for named complaints."""
    names = [s + g for s in REPORTER_SURNAMES for g in REPORTER_GIVEN]
    rng.shuffle(names)
    prefixes = ("139", "138", "137", "135", "152", "158", "187", "189", "133", "177")
    return [
        {"name": names[i], "phone": rng.choice(prefixes) + f"{rng.randrange(10**8):08d}"}
        for i in range(count)
    ]
