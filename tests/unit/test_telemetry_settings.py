"""What the OTEL_* settings make of a process's spans: recorded when something exports them,
otherwise only their ids, which logs and stream messages still carry."""

from opentelemetry import propagate, trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from yuqing.core.telemetry import caller_trace_fields, extract_context, tracer_provider

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_exported_nowhere_a_span_is_not_recorded_but_has_ids_that_travel_on():
    provider = tracer_provider("grading", {"OTEL_TRACES_EXPORTER": "none"})
    finished = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(finished))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("message", attributes={"messaging.message.id": "m1"}) as span:
        context = span.get_span_context()
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
    assert not span.is_recording() and context.is_valid and not context.trace_flags.sampled
    assert carrier["traceparent"].split("-")[1:3] == [f"{context.trace_id:032x}", f"{context.span_id:016x}"]
    assert finished.get_finished_spans() == ()
    # A caller's trace goes on through a process that records nothing: same trace, new span.
    with tracer.start_as_current_span("process", context=extract_context(caller_trace_fields(
            {"traceparent": TRACEPARENT}))) as child:
        assert f"{child.get_span_context().trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"


def test_a_named_exporter_or_sampler_records_spans(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    for environ in ({"OTEL_TRACES_EXPORTER": "console"},
                    {"OTEL_TRACES_EXPORTER": "none", "OTEL_TRACES_SAMPLER": "always_on"}):
        provider = tracer_provider("grading", environ)
        with provider.get_tracer("test").start_as_current_span("message") as span:
            assert span.is_recording() and span.get_span_context().trace_flags.sampled
        provider.shutdown()


def test_an_unknown_exporter_is_refused():
    try:
        tracer_provider("grading", {"OTEL_TRACES_EXPORTER": "jaeger"})
    except ValueError as error:
        assert "jaeger" in str(error)
    else:
        raise AssertionError("an unknown exporter was accepted")


def test_the_service_name_comes_from_the_settings_or_the_process():
    named = tracer_provider("grading", {"OTEL_SERVICE_NAME": "grading-2"})
    assert named.resource.attributes["service.name"] == "grading-2"
    assert tracer_provider("grading", {}).resource.attributes["service.name"] == "grading"
    assert trace.get_tracer_provider() is not named   # building one leaves the process's alone
