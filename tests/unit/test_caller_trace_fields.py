"""What ingest keeps of the trace context a caller sends with an item (ItemInput.trace_context):
it ends up in the item's stream message, so only W3C fields of sane size pass."""

from opentelemetry import trace

from yuqing.core.telemetry import caller_trace_fields, extract_context

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_the_w3c_fields_pass_and_continue_the_callers_trace():
    fields = caller_trace_fields({"traceparent": TRACEPARENT, "tracestate": "congo=t61rcWkgMzE"})
    assert fields == {"traceparent": TRACEPARENT, "tracestate": "congo=t61rcWkgMzE"}
    context = trace.get_current_span(extract_context(fields)).get_span_context()
    assert (f"{context.trace_id:032x}", f"{context.span_id:016x}") == ("0af7651916cd43dd8448eb211c80319c",
                                                                      "b7ad6b7169203331")


def test_other_fields_and_oversized_values_are_dropped():
    assert caller_trace_fields({"x-anything": "1", "baggage": "user=admin", "traceparent": "0" * 10_000,
                                "tracestate": "a=" + "b" * 600}) == {}
