"""Our own essays and the kinds of damage scrapers do to them, for tests and benchmarks.

The text here is written for this project; it copies nothing from the seeds or elsewhere.
"""

from __future__ import annotations

import random

TITLE = "做好窗口服务 提升群众满意度"
# (kind, text): "h" headings as the essay means them, "p" paragraphs. Punctuation is full width:
# the damage below folds it to ASCII the way the scrapers do.
ESSAY = [
    ("p", "窗口是公安机关面向群众的第一道门，群众对公安工作的“第一印象”，往往从一次办事经历开始。本文结合基层工作体会，谈谈如何把窗口服务做细做实。"),
    ("h", "一、端正服务态度"),
    ("p", "态度决定效果。民警坐在窗口，代表的不只是个人，更是整个队伍的形象。"),
    ("h", "（一）热情接待每一位群众。"),
    ("p", "群众来到窗口，往往带着急事、难事。民警应当主动问候，耐心倾听，做到“来有迎声、问有答声、走有送声”。"),
    ("h", "（二）换位思考解决难题。"),
    ("p", "遇到材料不全的情况，要一次性告知所需材料（包括复印件份数），避免群众来回奔波；确有困难的，可以预约上门办理！"),
    ("h", "二、提高业务能力"),
    ("p", "政策在变化，业务在更新。窗口民警要经常学习新规定：一是学法规，二是学流程，三是学系统操作。"),
    ("h", "1.坚持每周集中学习"),
    ("p", "所里每周安排半天时间集中学习，由业务骨干讲解新政策，时间为周三下午14:30至17:00，参加人数约1,200人次。"),
    ("h", "2.建立问题台账"),
    ("p", "把群众咨询较多的问题整理成册，放在窗口供查阅，网址见 http://www.example.cn/faq?id=12 页面。"),
    ("h", "三、完善监督机制"),
    ("p", "服务好不好，群众说了算。我们在窗口设置评价器，满意率达到98.5%以上，对不满意的评价逐条回访？答案是肯定的。"),
]

FOOTERS = {
    "seed": ["", "浏览次数:  更新时间:2015-03-12 09:15:40", "上一篇:关于户籍管理的几点思考", "下一篇:交警窗口服务规范解读",
             "网友评论《{title}》", "评论功能已关闭"],
    "related": ["相关文章", "关于户籍管理的几点思考", "交警窗口服务规范解读", "社区民警工作随笔"],
    "print": ["", "【打印本页】【关闭窗口】", "来源:市公安局  作者:宣传科  发布时间:2016年4月5日  点击数:1024",
              "字体:【大 中 小】", "扫一扫在手机打开当前页", "责任编辑:李明", "上一篇:没有了"],
    "traditional": ["", "瀏覽次數:  更新時間:2017-11-20 08:00:00", "上一篇:關於戶籍管理的幾點思考", "網友評論", "評論功能已關閉", "相關文章"],
}

ASCII = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?"})


def body_text(essay=ESSAY) -> str:
    """The essay as its author meant it: title excluded, one block a line."""
    return "\n".join(text for _, text in essay)


def fold_punctuation(text: str) -> str:
    """What NFKC-folding scrapers do: ，：；（）！？ become ASCII, 、。“”《》 survive."""
    return text.translate(ASCII)


def glue(blocks: list[str], rng: random.Random) -> str:
    """Lines joined by the scraper with a space where some line breaks were (as in seed 002)."""
    out = blocks[0]
    for block in blocks[1:]:
        out += (" " if rng.random() < 0.6 else "\n") + block
    return out


def entity_noise(rng: random.Random) -> str:
    return rng.choice(["&bsp;", "&nbsp;", "&ampnbsp", "&nbsp", "&amp;nbsp;", "&#160;", "&#x3000;", "\u3000", "\xa0"]) * rng.randint(1, 4)


def damage(title: str = TITLE, essay=ESSAY, footer: str = "seed", seed: int = 0) -> str:
    """A scrape of the essay: punctuation folded, entities mangled, lines glued, a footer appended."""
    rng = random.Random(seed)
    blocks = [fold_punctuation(text) for _, text in essay]
    blocks = [entity_noise(rng) + block + (entity_noise(rng) if rng.random() < 0.3 else "") if rng.random() < 0.4 else block for block in blocks]
    blocks[0] = blocks[0].replace("“", "&ampldquo").replace("”", "&amp;rdquo;", 1)
    damaged_title = title.replace(" ", "&ampnbsp&ampnbsp")
    lines = [damaged_title, ""] + glue(blocks, rng).split("\n")
    footer_lines = [line.format(title=damaged_title) for line in FOOTERS[footer]]
    return "\n".join(lines + footer_lines)
