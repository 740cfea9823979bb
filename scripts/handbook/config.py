"""The project's configuration, read from ``handbook.yml`` and checked against its schema.

The schema (the pydantic models below) is the single source of truth for every key: its type,
default, description and example. ``CONFIGURATION.md`` is generated from it
(``python -m handbook.config``) and a test keeps the two equal. A mistake in the file is a
``ConfigError`` naming the file, the line and the key; the command reports it in a line or two.
"""

from __future__ import annotations

import datetime as dt
import difflib
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CONFIG_NAME = "handbook.yml"
OPENCC_SCHEMES = Literal["s2tw", "s2hk", "s2twp", "s2t"]


class ConfigError(ValueError):
    """A mistake in the configuration a user can make and fix: the message says where and what."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_default(cls, values: Any) -> Any:
        """A key written with nothing after it (``essays:``) takes its default."""
        if isinstance(values, dict):
            return {k: v for k, v in values.items()
                    if not (v is None and k in cls.model_fields and not cls.model_fields[k].is_required())}
        return values


class Paths(_Section):
    """Where the raw scrapes and the generated essays live, relative to the project's root."""

    seeds: str = Field("seeds", description="Raw scrapes, copied byte for byte, never edited.")
    essays: str = Field("docs/essays", description="Generated Markdown, owned by the cleaner; inside `docs/` so the site reads it.")


class Chapter(_Section):
    """One chapter of the handbook."""

    name: str = Field(description="The chapter's title, shown in the navigation, the home page and the booklet.", examples=["户籍窗口"])
    match: list[str] = Field([], description="Words that put an essay in this chapter when its title holds one (or, failing every title, when its text uses them most).", examples=[["户籍", "户政"]])
    essays: list[str] = Field([], description="Seed file names always placed in this chapter.", examples=[["000_9b93f4d6943d791b.txt"]])


class EssayCorrection(_Section):
    """An editor's corrections to one essay, keyed by its seed's file name."""

    title: str | None = Field(None, description="A better title than the one the cleaner found.", examples=["树立五种意识，践行科学发展观"])
    chapter: str | None = Field(None, description="The chapter the essay goes to, whatever its words.", examples=["户籍窗口"])
    headings: dict[str, int] = Field({}, description="Heading text as generated -> level 2 to 6, or 0 for \"not a heading\".", examples=[{"一是要增强服务意识。": 3}])

    @field_validator("headings")
    @classmethod
    def _levels(cls, headings: dict[str, int]) -> dict[str, int]:
        for text, level in headings.items():
            if level != 0 and not 2 <= level <= 6:
                raise ValueError(f"heading {text!r}: level must be 0 or 2 to 6, not {level}")
        return headings


class Footer(_Section):
    """Page furniture the cleaner cuts from an essay's end, written in Simplified (Traditional forms are derived with OpenCC)."""

    keys: list[str] = Field(description="Words that open a \"key: value\" line (浏览次数:  更新时间:2014-08-30 16:50:22).", examples=[["浏览次数", "更新时间"]])
    marks: list[str] = Field(description="Whole items, alone or several on a line (【打印本页】【关闭窗口】).", examples=[["打印本页", "关闭窗口"]])
    list_marks: list[str] = Field(description="Marks after which a list of article titles follows; the list goes with them.", examples=[["相关文章"]])
    date_keys: list[str] = Field(description="Keys whose value is the essay's date (kept as `date:` in the page's front matter).", examples=[["更新时间", "发布时间"]])


class Cleaner(_Section):
    """How raw scrapes are repaired and outlined."""

    title_max_chars: int = Field(60, gt=0, description="Lines longer than this are never taken for a title.")
    heading_max_chars: int = Field(50, gt=0, description="Lines longer than this are never taken for a bare heading.")
    traditional_threshold: float = Field(0.05, ge=0, le=1, description="Share of Han characters that OpenCC's t2s changes above which an essay counts as Traditional (and is converted).")
    max_input_bytes: int = Field(5_000_000, gt=0, description="Inputs larger than this many bytes are refused with the reason; the others are still cleaned.")
    entity_aliases: dict[str, str] = Field({}, description="Entity names the scrapers mangle, mapped to the entity meant (`&bsp;` -> `&nbsp;`).", examples=[{"bsp": "nbsp"}])
    break_tags: list[str] = Field(description="Tags left over from the scrape that mean \"new paragraph\"; other markup is shown literally.", examples=[["p", "br", "div"]])
    inline_tags: list[str] = Field(description="Inline tags that carry no text of their own: dropped, their content kept.", examples=[["span", "font"]])
    footer: Footer


class Site(_Section):
    """The generated pages of the site. Every listing stays small whatever the size of the handbook."""

    nav_fanout: int = Field(50, ge=2, description="At most this many entries in a navigation section, a chapter page or a group page; a larger chapter is split into numbered groups (第 1 组 …) of two thirds to all of it, ending after essays chosen by their pages' names so that an essay added or removed changes its own group.")
    home_catalogue_max_essays: int = Field(200, ge=0, description="Up to this many essays, the home page lists every essay by chapter; above it, the chapters only.")


class Search(_Section):
    """How search ranks the essays that hold a query (every one is found; this decides the order)."""

    title_weight: float = Field(3.0, ge=0, description="Added (times the term's rarity) when an essay's title holds a query term: above the most a body can give (`k1` + 1), so an essay about the word comes first.")
    heading_weight: float = Field(2.0, ge=0, description="Added (times the term's rarity) when one of an essay's headings holds a query term.")
    k1: float = Field(1.2, ge=0, description="BM25's saturation: how quickly more mentions in the body stop counting.")
    b: float = Field(0.75, ge=0, le=1, description="BM25's length normalisation: 0 ignores the essay's length, 1 divides the mentions by it fully.")
    near_chars: int = Field(20, ge=0, description="Terms of a query of several words this close together (characters between them) rank above essays where they lie further apart.")
    positions_max_kb: int = Field(240, ge=0, description="A word of three or more characters is found from its pairs' positions up to this many KB of them; above it (pairs found in nearly every essay of a large handbook), the essays holding its pairs are checked against their texts as they are shown, and the count says how many are not checked yet.")
    near_max_kb: int = Field(120, ge=0, description="A query of several words fetches the positions of its two-character words (to see how near they stand) only up to this many KB; above it, they count but are not placed. Words of three or more characters always are (their positions find them).")


class Edition(_Section):
    """One edition of the site and the booklet, keyed by its language code (zh-Hans, zh-Hant)."""

    label: str = Field(description="The edition's name in the edition switcher.", examples=["繁體"])
    site_dir: str = Field(description="Where the edition's site is written, relative to the project's root.", examples=["site/zh-Hant"])
    opencc: OPENCC_SCHEMES | None = Field(None, description="OpenCC configuration that makes this edition from the Simplified text: s2tw (Taiwan forms), s2hk (Hong Kong forms), s2twp (Taiwan forms and phrases, 信息 -> 資訊) or s2t (OpenCC's standard); none for the Simplified edition.")


class Booklet(_Section):
    """The print booklet (`handbook booklet`, run by `make` after the site)."""

    paper: Literal["A5", "A4"] = Field("A5", description="Page size. The imposed print file puts two pages on each sheet of the next size up (A4 for A5, A3 for A4).")
    impose: bool = Field(True, description="Also write `<name>-booklet.pdf`, the pages in saddle-stitch order: print duplex, flip on the short edge, fold, staple.")
    output: str = Field("build/booklet", description="Where the PDFs are written; they are then copied into each edition's `downloads/`.")
    volume_max_essays: int = Field(300, gt=0, description="An edition of more essays is printed in volumes, split at chapter boundaries, a larger chapter in parts of two thirds of this to all of it, each ending after an essay picked by a digest of its page name (Typst holds a volume in memory).")
    jobs: int = Field(2, gt=0, description="Volumes typeset side by side, each in a process of its own.")
    piece_essays: int = Field(20, gt=0, description="A volume is typeset about this many essays at a time (a run ends after an essay picked by a digest of its page name), each run kept: an edited or added essay retypesets its run and the contents, not the volume.")
    chapter_pdfs: bool = Field(True, description="Also print each chapter on its own (`chapter-<n>-<edition>.pdf`, linked from the chapter's page): a cover and contents, then the chapter's pages of the handbook.")

    @field_validator("paper", mode="before")
    @classmethod
    def _upper(cls, paper: Any) -> Any:
        return paper.upper() if isinstance(paper, str) else paper


class NamedBooklet(_Section):
    """A booklet for a class: a selection of essays with a cover of its own, typeset by `make` in every edition and listed on the home page. An essay is selected when it is in one of `chapters`, is one of `essays` or holds one of `words` (in its title or text), and its date is within `since`/`until`; with dates alone, every essay of those dates."""

    title: str = Field(description="The cover's title.", examples=["户籍窗口专题培训"])
    subtitle: str = Field("", description="The cover's second line.", examples=["第一期"])
    file: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", description="File name stem, ASCII: `build/booklet/<edition>/<file>-<edition>.pdf`.", examples=["huji-training"])
    chapters: list[str] = Field([], description="Chapters whose essays it holds.", examples=[["户籍窗口"]])
    essays: list[str] = Field([], description="Seed file names of essays it holds.", examples=[["000_9b93f4d6943d791b.txt"]])
    words: list[str] = Field([], description="It holds the essays whose title or text holds one of these words.", examples=[["电话回访"]])
    since: dt.date | None = Field(None, description="Only essays dated on or after this day.", examples=["2014-01-01"])
    until: dt.date | None = Field(None, description="Only essays dated on or before this day.", examples=["2015-12-31"])
    layout: Literal["book", "handout"] = Field("book", description="`book`: each essay from a right-hand page; `handout`: essays one after another, no blank pages.")

    @model_validator(mode="after")
    def _selects(self) -> NamedBooklet:
        if not (self.chapters or self.essays or self.words or self.since or self.until):
            raise ValueError("a booklet needs at least one of chapters, essays, words, since, until")
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until}): no day is in both")
        return self


class Handbook(_Section):
    """handbook.yml: everything the cleaner, the site and the booklet need that is not MkDocs' business (that lives in mkdocs.yml)."""

    title: str = Field(description="The handbook's title: the booklet's cover and running heads.", examples=["公安窗口服务工作手册"])
    subtitle: str = Field("", description="The booklet cover's second line.", examples=["窗口服务论文选编"])
    paths: Paths = Paths()
    chapters: list[Chapter] = Field([], description="Chapters in reading order. An essay goes to the chapter an editor chose for it (`essays:`), else to the first chapter whose `essays` names its seed or whose `match` words are in its title, else to the chapter whose words its text uses most (at least `chapter_min_mentions` times), else to `default_chapter`.")
    default_chapter: str = Field("综合", description="The chapter of essays no other chapter takes; it comes last.")
    chapter_min_mentions: int = Field(3, ge=1, description="How often an essay's text must use a chapter's words to be placed there by its text.")
    essays: dict[str, EssayCorrection] = Field({}, description="Per-essay corrections, keyed by the seed's file name.")
    cleaner: Cleaner
    site: Site = Site()
    search: Search = Search()
    editions: dict[str, Edition] = Field(description="The editions, the Simplified one (the seeds' own text, no `opencc`) first.")
    booklet: Booklet = Booklet()
    booklets: list[NamedBooklet] = Field([], description="Booklets for classes, each a selection of essays (see below).")

    @field_validator("booklets")
    @classmethod
    def _unique_files(cls, booklets: list[NamedBooklet]) -> list[NamedBooklet]:
        files = [booklet.file for booklet in booklets]
        for file in files:
            if files.count(file) > 1:
                raise ValueError(f"two booklets have the file name {file!r}")
        return booklets


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working folder) holding handbook.yml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(f"no {CONFIG_NAME} in {here} or any folder above it")


@lru_cache(maxsize=8)
def load(path: Path | None = None) -> dict[str, Any]:
    """The configuration as a plain dict, every default filled in, with ``root`` set to the folder
    the file lives in. Raises ``ConfigError`` for any mistake in the file."""
    path = Path(path) if path else find_root() / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        context = getattr(error, "context_mark", None)
        opened = f" ({error.context} on line {context.line + 1})" if context and getattr(error, "context", None) and context.line != mark.line else ""
        raise ConfigError(f"{where}: YAML syntax error: {getattr(error, 'problem', None) or error}{opened}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected keys and values (a YAML mapping), got {type(raw).__name__}")
    try:
        model = Handbook.model_validate(raw)
    except ValidationError as error:
        raise ConfigError("\n".join(_describe(path, node, problem) for problem in error.errors())) from None
    names = [chapter.name for chapter in model.chapters] + [model.default_chapter]
    wrong = [(seed, c.chapter) for seed, c in model.essays.items() if c.chapter and c.chapter not in names]
    if wrong:
        raise ConfigError("\n".join(
            f"{path}:{_line_of(node, ['essays', seed, 'chapter'])[0]}: essays.{seed}.chapter: no chapter named {chapter}"
            f"{_did_you_mean(chapter, names)} (the chapters: {', '.join(names)})" for seed, chapter in wrong))
    wrong = [(n, chapter) for n, booklet in enumerate(model.booklets) for chapter in booklet.chapters if chapter not in names]
    if wrong:
        raise ConfigError("\n".join(
            f"{path}:{_line_of(node, ['booklets', str(n), 'chapters'])[0]}: booklets[{model.booklets[n].file}].chapters: no chapter named {chapter}"
            f"{_did_you_mean(chapter, names)}" for n, chapter in wrong))
    config = model.model_dump()
    config["root"] = path.resolve().parent
    return config


def check_seeds(config: dict[str, Any], seeds: set[str]) -> None:
    """Per-essay corrections and chapters' ``essays`` must name seeds that exist.

    >>> check_seeds({"essays": {"a.txt": {}}, "chapters": [], "root": Path("/nowhere")}, {"b.txt"})
    Traceback (most recent call last):
    ...
    handbook.config.ConfigError: /nowhere/handbook.yml: essays.a.txt: no such seed in the seeds folder; did you mean b.txt?
    """
    named = [(["essays", seed], seed) for seed in config["essays"]]
    named += [(["chapters", str(n), "essays", str(i)], seed) for n, chapter in enumerate(config.get("chapters") or [])
              for i, seed in enumerate(chapter.get("essays") or [])]
    named += [(["booklets", str(n), "essays", str(i)], seed) for n, booklet in enumerate(config.get("booklets") or [])
              for i, seed in enumerate(booklet.get("essays") or [])]
    missing = [(location, seed) for location, seed in named if seed not in seeds]
    if not missing:
        return
    path = Path(config["root"]) / CONFIG_NAME
    node = yaml.compose(path.read_text(encoding="utf-8")) if path.is_file() else None
    problems = []
    for location, seed in missing:
        line, keys = _line_of(node, location)
        where = f"{path}:{line}" if line else str(path)
        problems.append(f"{where}: {'.'.join(keys)}: no such seed in the seeds folder{_did_you_mean(seed, seeds)}")
    raise ConfigError("\n".join(problems))


def _did_you_mean(word: str, known: Any) -> str:
    close = difflib.get_close_matches(word, [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _describe(path: Path, node: yaml.Node | None, problem: dict) -> str:
    """One line for one validation problem: file, line, dotted key, what is expected."""
    location = [str(part) for part in problem["loc"]]
    line, keys = _line_of(node, location)
    where = f"{path}:{line}" if line else str(path)
    dotted = ".".join(keys) or "(top level)"
    kind, message = problem["type"], problem["msg"]
    if kind == "extra_forbidden":
        model = _model_at(location[:-1])
        known = list(model.model_fields) if model else []
        return f"{where}: {dotted}: unknown key{_did_you_mean(location[-1], known)}"
    if kind == "missing":
        return f"{where}: {dotted}: required key missing"
    value = problem.get("input")
    got = "" if isinstance(value, (dict, list)) else f", got {value!r}"
    expected = EXPECTED.get(kind.removesuffix("_parsing").removesuffix("_type"))
    if expected:
        message = f"expected {expected}"
    else:
        message = message.removeprefix("Value error, ").replace("Input should be", "expected")
    return f"{where}: {dotted}: {message}{got}"


EXPECTED = {"int": "an integer", "float": "a number", "bool": "true or false", "string": "text", "list": "a list",
            "dict": "keys and values", "model": "keys and values", "date": "a date (2014-01-31)", "date_from_datetime": "a date (2014-01-31)"}


def _line_of(node: yaml.Node | None, location: list[str]) -> tuple[int | None, list[str]]:
    """The line of the deepest node of ``location`` found in the YAML tree, and the readable key
    path (list items named by their ``name`` where they have one)."""
    line = node.start_mark.line + 1 if node else None
    keys: list[str] = []
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if match is None:
                keys.append(part)
                continue
            line = match[0].start_mark.line + 1
            node = match[1]
            keys.append(part)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
            name = next((v.value for k, v in node.value if k.value in ("name", "file")), None) if isinstance(node, yaml.MappingNode) else None
            keys[-1:] = [f"{keys[-1]}[{name or part}]"] if keys else [part]
        else:
            keys.append(part)
    return line, keys


def _model_at(location: list[str]) -> type[BaseModel] | None:
    """The model that holds the keys at ``location`` (list indices and dict keys skipped)."""
    model: Any = Handbook
    for part in location:
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            continue
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """The model inside ``list[M]``, ``dict[str, M]`` or ``M``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        inner = _inner_model(argument)
        if inner is not None:
            return inner
    return None


def reference() -> str:
    """CONFIGURATION.md: every key of handbook.yml with its type, default, example and meaning."""
    lines = [
        "# Configuration reference: `handbook.yml`",
        "",
        "Generated from the schema in `scripts/handbook/config.py` by `python -m handbook.config > CONFIGURATION.md`;",
        "a test fails when this file and the schema disagree. MkDocs' own settings (theme, site_url, …) live in",
        "`mkdocs.yml`. A mistake in `handbook.yml` is reported with its line and key, and the command exits",
        "with status 2.",
        "",
    ]
    _document(Handbook, "", lines)
    return "\n".join(lines).rstrip() + "\n"


def _document(model: type[BaseModel], prefix: str, lines: list[str]) -> None:
    lines += [f"## `{prefix.rstrip('.') or 'handbook.yml'}`" if prefix else "## Top level", "", model.__doc__.strip(), "",
              "| key | type | default | meaning |", "|---|---|---|---|"]
    nested: list[tuple[type[BaseModel], str]] = []
    for name, field in model.model_fields.items():
        inner = _inner_model(field.annotation)
        kind = _type_name(field.annotation)
        if field.is_required():
            default = "required"
        elif inner is not None and not isinstance(field.default, (list, dict)):
            default = "see below"
        else:
            default = f"`{_yaml(field.default)}`"
        meaning = field.description or (inner.__doc__.strip() if inner else "")
        if field.examples:
            meaning += f" Example: `{_yaml(field.examples[0])}`"
        lines.append(f"| `{name}` | {kind} | {default} | {meaning} |")
        if inner is not None:
            key = f"{prefix}{name}" + ("[]" if "list" in kind else ".<seed>" if name == "essays" else ".<code>" if "mapping" in kind else "")
            nested.append((inner, key + "."))
    lines.append("")
    for inner, key in nested:
        _document(inner, key, lines)


def _type_name(annotation: Any) -> str:
    origin = getattr(annotation, "__origin__", None)
    args = getattr(annotation, "__args__", ())
    if annotation is type(None):
        return "none"
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping to {_type_name(args[1])}"
    if origin is Literal:
        return " or ".join(f"`{a}`" for a in args)
    if args:
        return " or ".join(_type_name(a) for a in args)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    return {"str": "text", "int": "integer", "float": "number", "bool": "true/false", "date": "date"}.get(getattr(annotation, "__name__", ""), str(annotation))


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000).strip().removesuffix("...").strip()


if __name__ == "__main__":
    sys.stdout.write(reference())
