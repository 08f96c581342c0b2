"""``validate``, ``compile``, ``dpu`` and their PYLON twins, answered by our compiler and cost model.

Shapes as DataSift recorded them: ``dpu`` is a decimal *string* in validate/compile and a *number*
in ``/dpu``; ``created_at`` is ``YYYY-MM-DD HH:MM:SS`` (UTC).
"""

from __future__ import annotations

import time

from csdl.diagnostics import CSDLError
from csdl.server import incoming
from csdl.server.errors import ApiError, csdl_error_text

_DPU_ERROR = "Unable to get DPU [400]"


def _now_text() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


def api_checks(platform: str) -> dict:
    """The checks of an API call: DataSift refuses a filter only for errors, and every error code
    is an E code, so the lint warnings are not even run."""
    return {"platform": platform, "select": ["E"]}


def cost_text(call, platform: str):
    """The cost report of the call's ``csdl`` parameter, or DataSift's 400."""
    import csdl

    text = incoming.text(call.params, "csdl", required=True)
    try:
        report = csdl.cost(text, library=call.state.library, pricing=call.state.settings.options.pricing,
                           checks=api_checks(platform))
    except CSDLError as exc:
        raise ApiError(400, csdl_error_text(text, exc.diagnostics)) from None
    refuse_unknown_streams(text, report)
    return report


def refuse_unknown_streams(text: str, report) -> None:
    """DataSift knows every hash; a stream we cannot resolve would not compile there either."""
    if report.complete:
        return
    from csdl.library import INCOMPLETE_CODES

    unknown = [w for w in report.warnings if w.code in INCOMPLETE_CODES]
    if unknown:
        first = unknown[0]
        from csdl.codes import diagnostic

        problem = diagnostic(first.code, f"{_reference(text, first)} is not known to this server: compile its "
                             "filter here first, or put it in the --library directory", first.span)
        raise ApiError(400, csdl_error_text(text, [problem]))


def _reference(text: str, diagnostic) -> str:
    span = diagnostic.span
    written = text[span.start:span.end].strip()
    return written if written else "a referenced stream"


def validate(call, platform: str = "stream"):
    from csdl.units import dpu_text

    report = cost_text(call, platform)
    return 200, {"created_at": _now_text(), "dpu": dpu_text(report.dpu)}


def compile_(call, platform: str = "stream"):
    from csdl.server.streams import compile_and_store
    from csdl.units import dpu_text

    text = incoming.text(call.params, "csdl", required=True)
    try:
        compiled = compile_and_store(call.state.store, call.state.library, text, platform=platform, owner=call.user,
                                     pricing=call.state.settings.options.pricing,
                                     accept=lambda c: refuse_unknown_streams(text, c.report))
    except CSDLError as exc:
        raise ApiError(400, csdl_error_text(text, exc.diagnostics)) from None
    return 200, {"hash": compiled.hash, "created_at": _now_text(), "dpu": dpu_text(compiled.dpu)}


def pylon_validate(call):
    return validate(call, "pylon")


def pylon_compile(call):
    return compile_(call, "pylon")


def stream_report(state, hash: str):
    """The cost report of a stored or library stream, or None when the hash is unknown/invalid."""
    from csdl.compiler import cost_tree

    entry = state.library.resolve(hash)
    if entry is None or entry.tree is None:
        return None
    try:
        return cost_tree(entry.tree, library=state.library, pricing=state.settings.options.pricing)
    except CSDLError:
        return None


def dpu(call):
    """``/dpu``: a stream's DPU (a number) and our breakdown in DataSift's ``detail`` shape."""
    from csdl.units import dpu_json

    hash = incoming.text(call.params, "hash")
    historics_id = incoming.text(call.params, "historics_id")
    if hash is None and historics_id is not None:
        if not incoming.is_hex(historics_id, 20):
            raise _dpu_error()
        record = call.state.store.get_document("historics", historics_id.lower(), call.user)
        if record is None:
            raise _dpu_error()
        hash = record["definition_id"]
    if hash is None:
        raise ApiError(400, "The hash or historics_id parameter is required")
    if not incoming.is_hex(hash, 32):
        raise _dpu_error()
    report = stream_report(call.state, hash)
    if report is None:
        raise _dpu_error()
    return 200, {"dpu": dpu_json(report.dpu), "detail": report.detail()}


def _dpu_error() -> ApiError:
    return ApiError(400, body={"error": _DPU_ERROR, "original_error": _DPU_ERROR})
