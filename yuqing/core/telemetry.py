"""OpenTelemetry configured only through the standard OTEL_* variables.

OTEL_TRACES_EXPORTER: otlp | console | none (default none, so the embedded suite needs no
collector); OTEL_EXPORTER_OTLP_PROTOCOL: grpc | http/protobuf; endpoints, headers, batch
timings and OTEL_TRACES_SAMPLER are read by the SDK and exporters themselves. With no exporter
and no sampler named, spans are not recorded (nothing would ever read them) but still carry
trace and span ids, so logs and messages keep their context. Trace context crosses gRPC
through the instrumentation's interceptors and crosses Redis Streams as `traceparent` message
fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

_configured: TracerProvider | None = None


def setup_telemetry(service_name: str) -> TracerProvider | None:
    global _configured
    if _configured is not None or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return _configured
    provider = tracer_provider(service_name, os.environ)
    trace.set_tracer_provider(provider)
    _configured = provider
    return provider


def tracer_provider(service_name: str, environ: Mapping[str, str]) -> TracerProvider:
    """The provider the OTEL_* settings in `environ` describe. Exported nowhere, a span would be
    built, timed and given its attributes for nothing (≈ 30 µs a message in a consumer): it is
    sampled out instead — unless a sampler is named — and keeps only its ids."""
    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME", service_name)}).merge(
        OTELResourceDetector().detect()
    )
    processors = []
    for name in [n.strip() for n in environ.get("OTEL_TRACES_EXPORTER", "none").split(",") if n.strip()]:
        if name == "otlp":
            processors.append(BatchSpanProcessor(_otlp_exporter(environ)))
        elif name == "console":
            processors.append(BatchSpanProcessor(ConsoleSpanExporter()))
        elif name != "none":
            raise ValueError(f"OTEL_TRACES_EXPORTER: unsupported exporter {name!r} (otlp, console, none)")
    # sampler=None: the SDK's own choice, from OTEL_TRACES_SAMPLER (default parent-based, always on).
    sampler = ALWAYS_OFF if not processors and "OTEL_TRACES_SAMPLER" not in environ else None
    provider = TracerProvider(resource=resource, sampler=sampler)
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def _otlp_exporter(environ: Mapping[str, str]):
    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    elif protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    else:
        raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL: unsupported protocol {protocol!r}")
    return OTLPSpanExporter()


def shutdown_telemetry() -> None:
    if _configured is not None:
        _configured.shutdown()


def inject_context() -> dict[str, str]:
    """The current trace context as text fields, to travel inside a stream message."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


# W3C Trace Context: what a caller-supplied context may hold, and how long (traceparent is 55
# characters in version 00; a tracestate of 512 characters is what every platform must pass on).
_TRACE_FIELD_LIMITS = {"traceparent": 128, "tracestate": 512}


def caller_trace_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """The trace context fields a caller sent with an item, kept for its message: the W3C
    fields within their sizes; anything else is dropped, as the standard has a receiver ignore
    a context it cannot use (the message then continues the call's own trace)."""
    if not fields:   # most items, all of a platform's batch: 2.1 → 0.4 µs an item in ingest
        return {}
    return {key: value for key, value in fields.items()
            if key in _TRACE_FIELD_LIMITS and len(value) <= _TRACE_FIELD_LIMITS[key]}


def extract_context(fields: Mapping[str, str]):
    return propagate.extract(dict(fields))


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)
