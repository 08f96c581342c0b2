"""The workbench's JSON endpoints: thin translations of ``csdl``'s own check, cost, billing, run
and compile code into HTTP (documented in docs/serve.md). Each handler reads a JSON body (or a
multipart form for uploads), calls the library in a worker thread, and answers JSON; bad input
is a 4xx with ``{"error": …}`` (and ``diagnostics`` when the filter is at fault), never a traceback.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal, InvalidOperation

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from csdl.diagnostics import CSDLError

HASH = re.compile(r"[0-9a-fA-F]{32}")
# JSON bodies carry at most a filter (1 MB) or two, escaped.
MAX_JSON_BYTES = 4 * 1024 * 1024
DEFAULT_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_SHOWN = 500
MAX_PREVIEWS = 4  # at once; more are refused with 503 (each holds an upload and a thread)
API_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400, **extra):
        super().__init__(message)
        self.status = status
        self.extra = extra


def reply(data, status: int = 200) -> Response:
    from csdl.server.values import json_bytes

    return Response(json_bytes(data), status_code=status, headers=API_HEADERS, media_type="application/json")


def refuse(error: BadRequest) -> Response:
    return reply({"error": str(error), **error.extra}, error.status)


def invalid(exc: CSDLError) -> BadRequest:
    first = exc.diagnostics[0] if exc.diagnostics else None
    message = f"the filter has errors: {first.one_line()}" if first else "the filter has errors"
    return BadRequest(message, 422, diagnostics=[d.to_dict() for d in exc.diagnostics])


async def json_body(request: Request) -> dict:
    """The request's JSON object, read as the DataSift endpoints read theirs (``incoming``)."""
    from csdl.server import incoming

    return await incoming.read_json_object(request, MAX_JSON_BYTES)


def text_field(data, name: str = "csdl") -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise BadRequest(f"`{name}` must be the filter's text (a string)")
    return value


def number_field(data, name: str, default=None, *, minimum: Decimal = Decimal(0), maximum: Decimal = Decimal(10) ** 12):
    value = data.get(name)
    if value is None or value == "":
        return default
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadRequest(f"`{name}` must be a number, not {str(value)[:40]!r}") from None
    if not number.is_finite() or number < minimum or number > maximum:
        raise BadRequest(f"`{name}` must be between {minimum} and {maximum}")
    return number


def int_field(data, name: str, default: int, *, maximum: int) -> int:
    number = number_field(data, name, Decimal(default), maximum=Decimal(maximum))
    if number != number.to_integral_value():
        raise BadRequest(f"`{name}` must be a whole number")
    return int(number)


def hash_field(value) -> str:
    if not isinstance(value, str) or not HASH.fullmatch(value):
        raise BadRequest("a stream hash is 32 hexadecimal digits")
    return value.lower()


def checks_of(data) -> dict:
    platform = data.get("platform", "stream")
    if platform not in ("stream", "pylon"):
        raise BadRequest("`platform` is `stream` or `pylon`")
    return {"platform": platform}


class Handlers:
    """The endpoints, bound to one server's settings and store."""

    def __init__(self, context):
        self.context = context
        self.previews = 0  # previews running now

    async def run(self, request: Request, work):
        import sqlite3

        from csdl.server.errors import ApiError
        from csdl.server.store import Unstorable, unavailable

        try:
            return await work()
        except BadRequest as error:
            return refuse(error)
        except ApiError as error:
            return reply(error.body, error.status)
        except Unstorable as error:
            return reply({"error": f"not stored: {error}"}, 400)
        except sqlite3.Error as error:
            return reply({"error": unavailable(error, self.context.store.path)}, 503)

    def owner(self, request: Request) -> str | None:
        """The ``--users`` user of the request (None without ``--users``: everything is shared)."""
        from csdl.server.incoming import basic_user

        users = getattr(self.context.settings, "users", None)
        return basic_user(request.headers.get("authorization"), users) if users else None

    # --- language --------------------------------------------------------------------------------

    async def language(self, request: Request):
        from csdl.server.workbench import language

        def build():
            sample = self.context.sample_path()
            return {
                "terminals": list(language.terminals()),
                "keywords": language.words(),
                "targets": [{"name": t["name"], "type": t["type"]} for t in language.targets()],
                "limits": {"filter_bytes": 1_048_576, "upload_bytes": self.context.upload_bytes()},
                "sample": os.path.basename(sample) if sample else None,
            }

        return reply(await run_in_threadpool(build))

    # --- check, cost, format ------------------------------------------------------------------

    async def check(self, request: Request):
        async def work():
            data = await json_body(request)
            text = text_field(data)
            checks = checks_of(data)

            with_cost = bool(data.get("cost"))

            def go():
                import csdl

                found = csdl.check(text, **checks)
                errors = sum(1 for d in found if d.is_error)
                out = {
                    "diagnostics": [d.to_dict() for d in found],
                    "errors": errors,
                    "warnings": len(found) - errors,
                }
                if with_cost:  # one request per keystroke pause: the page asks for both
                    out["cost"] = None if errors else self._cost_answer(text, checks)
                return out

            return reply(await run_in_threadpool(go))

        return await self.run(request, work)

    def _cost(self, text: str, checks: dict):
        import csdl

        try:
            return csdl.cost(text, library=self.context.library(), pricing=self.context.pricing(), checks=checks)
        except CSDLError as exc:
            raise invalid(exc) from None

    def _cost_answer(self, text: str, checks: dict) -> dict:
        from csdl.units import dpu_json

        report = self._cost(text, checks)
        return {"dpu": dpu_json(report.dpu), "complete": report.complete, "report": report.to_dict()}

    async def cost(self, request: Request):
        async def work():
            data = await json_body(request)
            text = text_field(data)
            checks = checks_of(data)

            return reply(await run_in_threadpool(self._cost_answer, text, checks))

        return await self.run(request, work)

    async def format(self, request: Request):
        async def work():
            data = await json_body(request)
            text = text_field(data)
            checks_of(data)  # the same request shape as the others

            def go():
                import csdl

                try:
                    formatted = csdl.format(text)
                except CSDLError as exc:
                    raise invalid(exc) from None
                return {"csdl": formatted, "changed": formatted != text}

            return reply(await run_in_threadpool(go))

        return await self.run(request, work)

    # --- billing -----------------------------------------------------------------------------------

    async def bill(self, request: Request):
        async def work():
            data = await json_body(request)
            plan = data.get("plan", "on_demand")
            if plan not in ("on_demand", "subscription"):
                raise BadRequest("`plan` is `on_demand` or `subscription`")
            source = data.get("source") or "twitter"
            if not isinstance(source, str) or len(source) > 64:
                raise BadRequest("`source` must be a data source's name")
            per_hour = number_field(data, "objects_per_hour", Decimal(0))
            if "csdl" in data:
                text = text_field(data)
                dpu = None
            else:
                text = None
                dpu = number_field(data, "dpu", None, maximum=Decimal(10) ** 6)
                if dpu is None:
                    raise BadRequest("give the filter as `csdl` or its cost as `dpu`")
            hours = number_field(data, "hours", Decimal(720))
            allowance = number_field(data, "allowance", Decimal(0))
            limit = number_field(data, "limit", Decimal(0))
            fee = number_field(data, "fee", None)
            month = number_field(data, "month_hours", None, maximum=Decimal(10_000))
            checks = checks_of(data)

            def go():
                from csdl import billing
                from csdl.units import dpu_json

                nonlocal dpu
                complete = True
                if text is not None:
                    report = self._cost(text, checks)
                    dpu, complete = report.dpu, report.complete
                pricing = self.context.pricing()
                try:
                    if plan == "on_demand":
                        result = billing.stream([dpu], hours, objects=per_hour * hours, source=source, pricing=pricing)
                    else:
                        result = billing.subscription([dpu], allowance=allowance, limit=limit, objects_per_hour=per_hour,
                                                      source=source, fee=fee, hours=month, pricing=pricing)
                except billing.BillingError as exc:
                    raise BadRequest(str(exc), 422) from None
                lines = [[label, value] for label, value in result.lines]
                return {"plan": plan, "dpu": dpu_json(dpu), "complete": complete, "lines": lines, "bill": result.to_dict()}

            return reply(await run_in_threadpool(go))

        return await self.run(request, work)

    # --- preview -----------------------------------------------------------------------------------

    async def preview(self, request: Request):
        # Each preview holds an upload and a worker thread: a bounded number run at once.
        if self.previews >= MAX_PREVIEWS:
            busy = refuse(BadRequest(f"{MAX_PREVIEWS} previews are running: try again in a moment", 503))
            busy.headers["Retry-After"] = "1"
            return busy
        self.previews += 1  # (the event loop's thread only: no lock needed)
        try:
            return await self.run(request, lambda: self._preview(request))
        finally:
            self.previews -= 1

    async def _preview(self, request: Request):
        from csdl.server.workbench.preview import PreviewTooLarge, run_preview

        data, upload = await self._preview_input(request)
        try:
            text = text_field(data)
            shown = int_field(data, "limit", 20, maximum=MAX_SHOWN)
            source_rate = number_field(data, "source_rate", None)
            checks = checks_of(data)
            name, lines = await self._posts(upload)

            def go():
                from csdl.evaluate.posts import PostsError

                try:
                    return run_preview(text, lines_factory=lines, posts_name=name, library=self.context.library(),
                                       pricing=self.context.pricing(), limit=shown, source_rate=source_rate,
                                       checks=checks)
                except CSDLError as exc:
                    raise invalid(exc) from None
                except PreviewTooLarge as exc:
                    raise BadRequest(f"{name}: {exc}", 413) from None
                except PostsError as exc:
                    raise BadRequest(str(exc), 422) from None

            return reply(await run_in_threadpool(go))
        finally:
            if upload is not None:
                await upload.close()  # the upload is never kept

    async def _preview_input(self, request: Request):
        """The preview's fields and its uploaded file (None: the sample), from a form or JSON."""
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return await json_body(request), None
        limit_bytes = self.context.upload_bytes()
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit_bytes + MAX_JSON_BYTES:
            raise BadRequest(f"the upload is over the {limit_bytes:,}-byte limit", 413)
        try:
            form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_JSON_BYTES)
        except Exception as exc:  # noqa: BLE001 - Starlette's parser errors: a bad form
            raise BadRequest(f"the form cannot be read: {exc}") from None
        data = {k: v for k, v in form.items() if isinstance(v, str)}
        upload = form.get("file")
        if isinstance(upload, str) or (upload is not None and not getattr(upload, "filename", None)):
            upload = None
        return data, upload

    async def _posts(self, upload):
        """The posts' name and a function opening their lines: the upload's (bounded), or the sample's."""
        from csdl.evaluate.posts import open_posts

        from csdl.server.workbench.preview import FirstLines
        from csdl.server.workbench.upload import open_upload

        if upload is not None:
            limit_bytes = self.context.upload_bytes()
            size = upload.size if upload.size is not None else len(await upload.read())
            if size > limit_bytes:
                raise BadRequest(f"{upload.filename}: {size:,} bytes, over the {limit_bytes:,}-byte limit", 413)
            return os.path.basename(upload.filename) or "upload.jsonl", lambda: open_upload(upload.file, limit_bytes)
        sample = self.context.sample_path()
        if not sample:
            raise BadRequest("this server has no sample posts: upload a JSON Lines file", 404)
        most = int(getattr(self.context.settings, "max_sample_posts", 0) or 100_000)
        return os.path.basename(sample), lambda: FirstLines(open_posts(sample), most)

    # --- compile and streams --------------------------------------------------------------------

    async def compile(self, request: Request):
        async def work():
            data = await json_body(request)
            text = text_field(data)
            checks = checks_of(data)

            owner = self.owner(request)

            def go():
                from csdl.server.streams import compile_and_store
                from csdl.units import dpu_json

                try:
                    compiled = compile_and_store(self.context.store, self.context.library(), text,
                                                 platform=checks["platform"], owner=owner,
                                                 pricing=self.context.pricing())
                except CSDLError as exc:
                    raise invalid(exc) from None
                return {"hash": compiled.hash, "dpu": dpu_json(compiled.dpu), "complete": compiled.complete,
                        "csdl": compiled.csdl, "stored": True}

            return reply(await run_in_threadpool(go))

        return await self.run(request, work)

    async def streams(self, request: Request):
        async def work():
            from csdl.server.workbench import stored

            query = request.query_params
            page = int_field(query, "page", 1, maximum=1_000_000) or 1
            per_page = int_field(query, "per_page", stored.PER_PAGE, maximum=stored.MAX_PER_PAGE) or stored.PER_PAGE
            found = await run_in_threadpool(stored.listing, self.context.store, self.context.library(),
                                            owner=self.owner(request), page=page, per_page=per_page)
            return reply(found)

        return await self.run(request, work)

    async def stream(self, request: Request):
        async def work():
            from csdl.server.workbench import stored

            hash = hash_field(request.path_params.get("hash"))
            found = await run_in_threadpool(stored.detail, self.context.store, hash, self.context.library(),
                                            owner=self.owner(request))
            if found is None:
                raise BadRequest(f"no stored stream {hash}", 404)
            return reply(found)

        return await self.run(request, work)

    async def diff(self, request: Request):
        async def work():
            data = await json_body(request)
            text = text_field(data)
            base_hash = hash_field(data.get("base"))
            checks = checks_of(data)
            owner = self.owner(request)

            def go():
                from csdl.costing import json_report
                from csdl.costing.diff import diff as compute_diff

                store = self.context.store
                base_text = store.get_stream(base_hash)
                # with --users the base is one of the caller's own streams, as /api/streams/{hash}
                if base_text is None or (owner is not None and not store.owns_stream(owner, base_hash)):
                    raise BadRequest(f"no stored stream {base_hash}", 404)
                name = "filter"  # both sides under one name: the diff matches files by path
                try:
                    base_report = self._cost(base_text, {})
                    base_record = json_report.file_record(name, base_report)
                except BadRequest:
                    base_record = json_report.file_record(name, errors=[])
                current_record = json_report.file_record(name, self._cost(text, checks))
                result = compute_diff(json_report.build([base_record]), json_report.build([current_record]))
                return {
                    "diff": result,
                    "base": {"hash": base_hash, "dpu": base_record["dpu"], "detail": base_record.get("detail", {})},
                    "current": {"dpu": current_record["dpu"], "detail": current_record["detail"]},
                }

            return reply(await run_in_threadpool(go))

        return await self.run(request, work)
