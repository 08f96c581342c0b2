"""A preview: the filter run over the bundled sample or an uploaded JSON Lines file, through the
very code ``csdl run`` uses (``csdl.evaluate.runner``, ``.forecast``, ``.report``), so the page
shows the same counts, tags, bad lines and forecast that ``csdl run --format json`` prints for
the same inputs. On top: the first N matching posts, with the words they matched on.
"""

from __future__ import annotations

from csdl.evaluate.posts import PostsError


class PreviewTooLarge(ValueError):
    """Posts beyond a preview's bounds (``upload.BoundedLines``)."""


class _FirstMatches:
    """The runner's sink: keeps the first ``limit`` matching posts (as the runner writes them,
    tags included) and drops the rest."""

    def __init__(self, limit: int):
        self.limit = limit
        self.posts: list[bytes] = []

    def write(self, data: bytes) -> None:
        if len(self.posts) >= self.limit:
            return
        for line in data.splitlines():
            if len(self.posts) >= self.limit:
                break
            self.posts.append(line)


class FirstLines:
    """The first ``count`` lines of ``raw``: a preview of a large ``--sample`` stays bounded."""

    def __init__(self, raw, count: int):
        self.raw = raw
        self.count = count

    def __iter__(self):
        import itertools

        return itertools.islice(self.raw, self.count)

    def close(self) -> None:
        self.raw.close()


def _matched_lines(matcher, lines, wanted: int) -> list[int]:
    """Line numbers of the first ``wanted`` matching posts (the runner's sink sees no numbers)."""
    from csdl.evaluate.posts import codec

    loads = codec()[0]
    out = []
    for number, line in enumerate(lines, 1):
        if len(out) >= wanted:
            break
        try:
            post = loads(line[3:] if number == 1 and line.startswith(b"\xef\xbb\xbf") else line)
        except Exception:  # noqa: BLE001 - bad lines are the runner's to report
            continue
        if isinstance(post, dict) and matcher.match(post):
            out.append(number)
    return out


def run_preview(text: str, *, lines_factory, posts_name: str, library=None, pricing=None, limit: int = 20,
                source_rate=None, checks: dict | None = None) -> dict:
    """Run ``text`` over the lines ``lines_factory()`` gives (called twice: the run, then the
    line numbers of the shown posts). Raises ``csdl.CSDLError`` for a filter that cannot run,
    ``PostsError`` for posts that cannot be read, ``PreviewTooLarge``."""
    import csdl
    from csdl.engines.running import RunError
    from csdl.evaluate.posts import codec

    from csdl.server.workbench import highlight

    compiled = csdl.compile(text, library=library, pricing=pricing, checks=checks)
    sink = _FirstMatches(limit)
    posts = lines_factory()
    try:
        run = csdl.run(compiled, posts, engine="python", output=sink, library=library, pricing=pricing,
                       source_rate=source_rate, filter_name="(workbench)", posts_name=posts_name)
    except RunError as exc:
        raise PostsError(str(exc)) from None
    finally:
        posts.close()
    matcher = run.matcher
    summary = run.to_dict()
    numbers: list[int] = []
    if sink.posts:
        again = lines_factory()
        try:
            numbers = _matched_lines(matcher, again, len(sink.posts))
        finally:
            again.close()
    loads = codec()[0]
    finders = highlight.finders(compiled.tree)
    matches = []
    for index, raw in enumerate(sink.posts):
        post = loads(raw)
        interaction = post.get("interaction") if isinstance(post, dict) else None
        tags = list(interaction.get("tags") or []) if isinstance(interaction, dict) else []
        matches.append({
            "line": numbers[index] if index < len(numbers) else None,
            "post": post,
            "tags": tags,
            "highlights": highlight.highlights(post, finders),
        })
    return {"summary": summary, "matches": matches, "dpu": summary["forecast"].get("dpu"), "hash": compiled.hash}
