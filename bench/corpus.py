"""Synthetic corpora of damaged essays for the benchmarks.

Every essay is written from our own text (the sentences below and ``tests/damage.py``'s ESSAY,
written for this project; nothing is copied from the seeds). Each essay differs: a numbered title
on one of the chapters' topics, its own choice and order of paragraphs and sections, and then the
seeds' kinds of damage through ``tests/damage.py`` (punctuation folded to ASCII, mangled entities,
lines glued, furniture footers), plus the seeds' encodings and line ends: UTF-8, GBK, GB18030,
UTF-16 with BOM, Traditional essays in Big5, CRLF.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
import damage as dmg  # noqa: E402  (tests/damage.py: ESSAY, FOOTERS, fold_punctuation, glue, entity_noise)

TOPICS = [  # (topic word for the title, chapter it should land in by handbook.yml's `match`)
    ("户籍窗口", "户籍窗口"), ("户政服务", "户籍窗口"), ("户口办理", "户籍窗口"),
    ("交警窗口", "交警窗口"), ("车管业务", "交警窗口"), ("驾驶人服务", "交警窗口"),
    ("出入境窗口", "综合"), ("派出所窗口", "综合"), ("综合服务大厅", "综合"),
]
THEMES = ["服务质量提升", "规范化建设", "便民措施", "作风建设", "队伍素质培养", "信息化应用", "群众满意度", "投诉处理"]
TITLE_FORMS = ["浅谈{topic}{theme}（之{n}）", "做好{topic}{theme}的几点体会 第{n}篇", "{topic}{theme}工作思考{n}",
               "关于加强{topic}{theme}的调研 {n}"]

# Sentences written for this benchmark; paragraphs are drawn from them.
SENTENCES = [
    "窗口是公安机关联系群众的桥梁，也是展示队伍形象的窗口。",
    "群众办事最怕跑冤枉路，一次告知清楚，就能少跑一趟。",
    "民警要把群众的小事当作自己的大事，用心办好每一件事。",
    "近年来，随着办事人数逐年增加，窗口的压力也越来越大。",
    "我们推行了预约办理、延时服务和节假日值班制度，效果明显。",
    "对于行动不便的老人和残疾人，窗口安排专人上门服务。",
    "业务骨干每周讲解一次新政策，大家边学边用，进步很快。",
    "服务态度好不好，群众心里有一杆秤。",
    "遇到群众情绪激动时，民警应当先倾听，再解释，最后解决问题。",
    "材料不全的，要一次性写明所需材料（包括复印件份数），避免群众来回奔波！",
    "每天下班前，窗口民警对当天的业务进行复盘，查找不足。",
    "网上办理的业务越来越多，但窗口仍然是许多群众的首选。",
    "我们在大厅设置了评价器，满意率保持在98.5%以上。",
    "对不满意的评价，所领导逐条回访，查明原因，限期整改。",
    "办事指南张贴在大厅显眼位置，网址见 http://www.example.cn/guide?id=7 页面。",
    "窗口民警要做到：来有迎声、问有答声、走有送声。",
    "新规定出台后，要第一时间组织学习，确保人人掌握；不能让群众替我们的不熟悉买单。",
    "今年以来，窗口共办理各类业务12,500余件，无一起有效投诉。",
    "排队时间从原来的40分钟缩短到15分钟左右，群众普遍满意。",
    "我们把常见问题整理成册，放在窗口供群众查阅？答案是肯定的，效果很好。",
    "工作时间为每天8:30至17:30，周六上午照常办公。",
    "基层所队人少事多，只有靠制度管人、靠流程办事，才能忙而不乱。",
    "老民警带新民警，手把手传授经验，是我们的好传统。",
    "信息系统升级后，身份证受理时间由十分钟缩短到三分钟。",
    "群众送来的锦旗，是对我们工作的肯定，更是一种鞭策。",
    "每一次办事经历，都会影响群众对公安机关的整体印象。",
    "窗口服务没有终点，只有起点，我们将继续努力。",
    "要坚持问题导向，哪里群众意见多，就从哪里改起。",
]
SUBHEADINGS = ["热情接待每一位群众。", "换位思考解决难题。", "坚持每周集中学习", "建立问题台账", "推行预约办理",
               "完善考核办法", "加强队伍管理", "优化办事流程", "公开办事指南", "延长服务时间"]
SECTIONS = ["端正服务态度", "提高业务能力", "完善监督机制", "创新服务方式", "加强作风建设", "强化保障措施"]
NUMERALS = "一二三四五六七八九十"

# How often each kind of file occurs: (encoding, traditional?, weight).
ENCODINGS = [("utf-8", False, 45), ("gbk", False, 15), ("gb18030", False, 10), ("utf-16", False, 10), ("big5", True, 15),
             ("utf-8", True, 5)]


@dataclass
class Generated:
    name: str
    data: bytes
    encoding: str
    traditional: bool


def paragraph(rng: random.Random) -> str:
    return "".join(rng.sample(SENTENCES, rng.randint(3, 6)))


def essay_blocks(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) blocks like tests/damage.py's ESSAY: an opening, numbered sections, sub-points."""
    blocks = [("p", paragraph(rng))]
    for s, section in enumerate(rng.sample(SECTIONS, rng.randint(3, 6))):
        blocks.append(("h", f"{NUMERALS[s]}、{section}"))
        blocks.append(("p", paragraph(rng)))
        style = rng.random()
        points = rng.sample(SUBHEADINGS, rng.randint(1, 3))
        for i, point in enumerate(points):
            if style < 0.4:
                blocks.append(("h", f"（{NUMERALS[i]}）{point}"))
            elif style < 0.7:
                blocks.append(("h", f"{i + 1}.{point}"))
            else:  # the essay convention 一是……。 opening a paragraph
                blocks.append(("p", f"{NUMERALS[i]}是{point.rstrip('。')}。" + rng.choice(SENTENCES)))
                continue
            blocks.append(("p", paragraph(rng)))
    if n % 7 == 0:  # now and then the hand-written essay of tests/damage.py, whole
        blocks += dmg.ESSAY[1:]
    return blocks


def make_title(n: int, rng: random.Random) -> str:
    topic, _ = TOPICS[n % len(TOPICS)]
    return rng.choice(TITLE_FORMS).format(topic=topic, theme=rng.choice(THEMES), n=n + 1)


def _s2t():
    import opencc

    return opencc.OpenCC("s2tw.json")


def generate_one(n: int, seed: int = 0, converter=None) -> Generated:
    rng = random.Random(seed * 1_000_003 + n)
    encoding, traditional = _pick_encoding(rng)
    title = make_title(n, rng)
    blocks = essay_blocks(n, rng)
    footer = rng.choice(["seed", "related", "print", "seed"])
    if traditional:
        converter = converter or _s2t()
        title = converter.convert(title)
        blocks = [(kind, converter.convert(text)) for kind, text in blocks]
        footer = "traditional"
    text = dmg.damage(title=title, essay=blocks, footer=footer, seed=rng.randrange(1 << 30))
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    data = _encode(text, encoding)
    if data is None:  # a character the legacy encoding lacks: the scrape would have been UTF-8
        encoding, data = "utf-8", text.encode("utf-8")
    return Generated(f"{n:05d}_{rng.getrandbits(64):016x}.txt", data, encoding, traditional)


def _pick_encoding(rng: random.Random) -> tuple[str, bool]:
    total = sum(w for *_, w in ENCODINGS)
    x = rng.uniform(0, total)
    for encoding, traditional, weight in ENCODINGS:
        x -= weight
        if x <= 0:
            return encoding, traditional
    return ENCODINGS[0][:2]


def _encode(text: str, encoding: str) -> bytes | None:
    if encoding in ("gbk", "gb18030", "big5"):
        text = text.replace("\xa0", "&nbsp;")  # no-break space: not in GBK/Big5; scrapes have the entity
    try:
        return text.encode(encoding)  # "utf-16" writes the BOM
    except UnicodeEncodeError:
        return None


def write_corpus(folder: Path, count: int, seed: int = 0) -> dict:
    """Write ``count`` damaged essays into ``folder`` (emptied first); return what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    converter = _s2t()
    stats = {"essays": count, "bytes": 0, "encodings": {}, "traditional": 0}
    for n in range(count):
        essay = generate_one(n, seed, converter)
        (folder / essay.name).write_bytes(essay.data)
        stats["bytes"] += len(essay.data)
        stats["encodings"][essay.encoding] = stats["encodings"].get(essay.encoding, 0) + 1
        stats["traditional"] += essay.traditional
    return stats


if __name__ == "__main__":  # python -m bench.corpus FOLDER COUNT
    print(write_corpus(Path(sys.argv[1]), int(sys.argv[2])))
