"""Datastreamer Data365 collection tasks (P3xx): ``{"tasks": [{task}, …]}`` posted to
``…/api/data-providers/data365/<source>``. The source comes from the options (``--data365-source``
or the configuration) or from a ``"source"`` key of the file."""

from __future__ import annotations

import datetime as _dt
import re

from csdl.payloads.context import Context, closest, show
from csdl.payloads.json_parser import ARRAY, NUMBER, OBJECT, STRING, Node

KIND = "data365-tasks"
SOURCES = (
    "facebook_hashtag", "facebook_keywords_latest", "facebook_keywords_top", "facebook_profile",
    "instagram_hashtag", "instagram_location", "instagram_profile", "linkedin_company", "linkedin_keywords",
    "linkedin_member", "tiktok_hashtag", "tiktok_keywords", "tiktok_music", "tiktok_profile", "twitter_keywords",
    "twitter_profile",
)
SEARCH_PREFIX = "data365_"
EXPIRY_EXAMPLE, EXPIRY_TEXT = "auto_update_expire_at", "auto_update_expires_at"
TASK_KEYS = ("value", "from_date", "to_date", "update_interval", EXPIRY_EXAMPLE, EXPIRY_TEXT, "parameters")
BODY_KEYS = ("tasks", "source")
TWITTER_QUERY_LIMIT = 498
TWITTER_MAX_POSTS = 300
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?\Z")
OPERATORS = re.compile(r"(?<![\w-])(AND|OR)(?![\w-])")


def check(ctx: Context) -> None:
    root = ctx.root
    source = _source(ctx, root)
    for key, _ in root.pairs:
        if key.value not in BODY_KEYS:
            guess = closest(key.value, BODY_KEYS + TASK_KEYS)
            hint = ("task fields go inside each object of `tasks`" if guess in TASK_KEYS else
                    f"did you mean `{guess}`?" if guess else 'a Data365 body is {"tasks": [...]}')
            ctx.report("P319", key, f"unknown field `{show(key.value)[1:-1]}` in a Data365 body", hint=hint)
    tasks = root.get("tasks")
    if tasks is None:
        ctx.report("P301", root, "missing `tasks`: a Data365 body is {\"tasks\": [ {task}, … ]}", opening=True)
        return
    if tasks.type != ARRAY:
        hint = "wrap the task in brackets: [ {…} ]" if tasks.type == OBJECT else None
        ctx.report("P301", tasks, f"`tasks` must be an array of task objects, found {tasks.type_word}", hint=hint)
        return
    if not tasks.items:
        ctx.report("P301", tasks, "`tasks` is empty: nothing would be collected")
        return
    seen: dict[str, int] = {}
    for index, task in enumerate(tasks.items, 1):
        if task.type != OBJECT:
            ctx.report("P301", task, f"task {index} must be an object, found {task.type_word}",
                       hint='write {"value": …, "from_date": …, "to_date": …}')
            continue
        _task(ctx, task, index, source)
        key = task.canonical()
        if key in seen:
            ctx.report("P318", task, f"task {index} repeats task {seen[key]}: Data365 adds it again and it is "
                       "collected twice", opening=True, hint="remove one of the two")
        else:
            seen[key] = index


def _source(ctx: Context, root: Node) -> str | None:
    """The source name: the options win over the file's ``source`` key (P320 when they differ)."""
    option = ctx.options.data365_source
    key = root.get("source")
    if key is not None and key.type != STRING:
        ctx.report("P312", key, f"`source` must be a Data365 source name (a string), found {key.type_word}")
        key = None
    if option is not None:
        if key is not None and key.value != option:
            ctx.report("P320", key, f"the file says source {show(key.value)} but {ctx.options.data365_source_origin} "
                       f"sets {show(option)}; {show(option)} is used", hint="remove or correct one of the two")
        _known_source(ctx, option, key if key is not None and key.value == option else None)
        return option if option in SOURCES else None
    if key is None:
        return None
    _known_source(ctx, key.value, key)
    return key.value if key.value in SOURCES else None


def _known_source(ctx: Context, name: str, node: Node | None) -> None:
    if name in SOURCES:
        return
    if name.startswith(SEARCH_PREFIX) and name[len(SEARCH_PREFIX):] in SOURCES:
        hint = f"write {show(name[len(SEARCH_PREFIX):])}: the data365_ prefix is for searching the collected data"
    else:
        guess = closest(name, SOURCES)
        hint = f"did you mean {show(guess)}?" if guess else f"known sources: {', '.join(SOURCES)}"
    where = node if node is not None else ctx.root
    ctx.report("P312", where, f"unknown Data365 source {show(name)}", hint=hint, opening=node is None)


def _task(ctx: Context, task: Node, index: int, source: str | None) -> None:
    for key, _ in task.pairs:
        if key.value not in TASK_KEYS:
            guess = closest(key.value, TASK_KEYS)
            if key.value in ("max_posts",) or (guess is None and key.value not in TASK_KEYS):
                hint = "upstream options go under \"parameters\""
            else:
                hint = f"did you mean `{guess}`?"
            ctx.report("P319", key, f"unknown field `{show(key.value)[1:-1]}` in task {index}", hint=hint)
    value = task.get("value")
    if value is None:
        ctx.report("P302", task, f"task {index} has no `value`", opening=True,
                   hint="the profile, keywords, location id, music name or hashtag to collect")
    elif value.type != STRING or not value.value.strip():
        ctx.report("P302", value, f"the `value` of task {index} must be a non-empty string, found "
                   f"{show(value.to_python())}")
    else:
        _value(ctx, value, source)
    start = _date(ctx, task, "from_date", index)
    end = _date(ctx, task, "to_date", index)
    if start is not None and end is not None:
        if start[0] > end[0]:
            ctx.report("P305", start[1], f"task {index} starts on {start[0]} after it ends on {end[0]}: the period is empty",
                       hint="swap from_date and to_date")
        else:
            days = (end[0] - start[0]).days + 1
            limit = ctx.options.max_period_days
            if days > limit:
                ctx.report("P316", end[1], f"task {index} covers {days} days; many small tasks collect more reliably than "
                           f"one long one (limit {limit} days)", hint="split the period into tasks of a day or a week")
    _repeat(ctx, task, index)
    _parameters(ctx, task, index, source)


def _value(ctx: Context, value: Node, source: str | None) -> None:
    text = value.value
    if source is None:
        return
    if source.endswith("_hashtag") and text.startswith("#"):
        ctx.report("P303", value, "the hashtag starts with `#`; Data365 takes it without", hint=f"write {show(text.lstrip('#'))}")
    if source == "instagram_location" and not text.strip().isdigit():
        ctx.report("P313", value, f"{show(text)} is not a location id: instagram_location takes a numeric id such as "
                   "212988663", hint="look the location id up; a place name is not one")
    if source == "twitter_keywords" and len(text) > TWITTER_QUERY_LIMIT:
        ctx.report("P314", value, f"the Twitter query has {len(text)} characters; at most {TWITTER_QUERY_LIMIT} "
                   "are allowed", hint="split the query over several tasks")
    if source == "twitter_profile":
        found = OPERATORS.search(text)
        if found:
            ctx.report("P315", value, f"twitter_profile takes one profile and no operators, found `{found.group(1)}`",
                       hint="create one task per profile (operators belong to twitter_keywords)")


def _date(ctx: Context, task: Node, key: str, index: int):
    node = task.get(key)
    if node is None:
        ctx.report("P304", task, f"task {index} has no `{key}`", opening=True, hint=f'add "{key}": "yyyy-mm-dd"')
        return None
    if node.type != STRING or not DATE.match(node.value):
        ctx.report("P304", node, f"`{key}` must be a date in yyyy-mm-dd format, found {show(node.to_python())}",
                   hint=_date_hint(node))
        return None
    try:
        day = _dt.date.fromisoformat(node.value)
    except ValueError:
        ctx.report("P304", node, f"`{key}` {show(node.value)} is not a real date")
        return None
    return day, node


def _date_hint(node: Node) -> str | None:
    if node.type != STRING:
        return None
    match = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", node.value.strip())
    if match:
        return "write the year first: yyyy-mm-dd"
    if DATE_TIME.match(node.value):
        return f"write the date alone: {show(node.value[:10])}"
    return None


def _repeat(ctx: Context, task: Node, index: int) -> None:
    interval = task.get("update_interval")
    example, text = task.get(EXPIRY_EXAMPLE), task.get(EXPIRY_TEXT)
    if interval is not None and not (interval.type == NUMBER and interval.is_integer and interval.value > 0):
        ctx.report("P306", interval, f"`update_interval` must be a positive integer, found {show(interval.to_python())}",
                   hint="such as 300")
    if text is not None:
        message = ("both spellings of the expiry are given; which one the service reads is not known" if example is not None
                   else f"`{EXPIRY_TEXT}` is the spelling of Datastreamer's text; its request example uses `{EXPIRY_EXAMPLE}`")
        key = task.key_node(EXPIRY_TEXT)
        ctx.report("P308", key, message, hint=f"use `{EXPIRY_EXAMPLE}` only")
    expiry = example if example is not None else text
    if interval is not None and expiry is None:
        ctx.report("P307", interval, f"task {index} repeats every {interval.raw} but has no `{EXPIRY_EXAMPLE}`",
                   hint=f'add "{EXPIRY_EXAMPLE}": "2024-01-01T15:00:00" to stop the repetition')
    for node in (example, text):
        if node is not None:
            _expiry(ctx, node, interval is not None)


def _expiry(ctx: Context, node: Node, repeated: bool) -> None:
    moment = None
    if node.type == STRING and DATE_TIME.match(node.value):
        try:
            moment = _dt.datetime.fromisoformat(node.value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        hint = None
        if node.type == STRING and DATE.match(node.value):
            hint = f"add a time: {show(node.value + 'T00:00:00')}"
        ctx.report("P309", node, f"the expiry must be a date-time such as \"2024-01-01T15:00:00\", found "
                   f"{show(node.to_python())}", hint=hint)
        return
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    if repeated and moment <= ctx.options.now:
        ctx.report("P310", node, f"the expiry {node.value} has passed: the task is executed only once",
                   hint="move the expiry into the future, or drop update_interval for a single run")


def _parameters(ctx: Context, task: Node, index: int, source: str | None) -> None:
    parameters = task.get("parameters")
    if parameters is None:
        return
    if parameters.type != OBJECT:
        ctx.report("P311", parameters, f"the `parameters` of task {index} must be an object, found {parameters.type_word}",
                   hint='write {"max_posts": 300}')
        return
    max_posts = parameters.get("max_posts")
    if max_posts is None:
        return
    if not (max_posts.type == NUMBER and max_posts.is_integer and max_posts.value > 0):
        ctx.report("P311", max_posts, f"`max_posts` must be a positive integer, found {show(max_posts.to_python())}")
    elif source is not None and source.startswith("twitter_") and max_posts.value > TWITTER_MAX_POSTS:
        ctx.report("P317", max_posts, f"max_posts {max_posts.raw}: Twitter returns at most {TWITTER_MAX_POSTS} posts "
                   "per search", hint="split the period into smaller tasks instead")
