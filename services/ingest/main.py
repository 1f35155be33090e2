"""Ingest process: `yuqing serve ingest`."""

from services.ingest import models
from services.ingest.service import IngestService
from services.ingest.servicer import IngestServicer
from yuqing.core.bootstrap import Runtime, ServiceParts, run_service
from yuqing.core.settings import ServiceSettings
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc


class IngestSettings(ServiceSettings):
    pass


async def build(runtime: Runtime) -> ServiceParts:
    servicer = IngestServicer(IngestService(runtime.sessions, runtime.outbox))
    return ServiceParts(
        full_service_name=ingest_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name,
        register=lambda server: ingest_pb2_grpc.add_IngestServiceServicer_to_server(servicer, server),
    )


def main() -> None:
    run_service("ingest", IngestSettings, (models.outbox, models.inbox), build)
