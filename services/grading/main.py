"""Grading process: `yuqing serve grading`."""

from services.grading import models
from services.grading.service import GradingService
from services.grading.servicer import GradingServicer
from yuqing.core import streams
from yuqing.core.bootstrap import Runtime, ServiceParts, run_service
from yuqing.core.settings import ServiceSettings
from yuqing.grading.v1 import grading_pb2, grading_pb2_grpc


class GradingSettings(ServiceSettings):
    pass


async def build(runtime: Runtime) -> ServiceParts:
    service = GradingService(runtime.sessions, runtime.outbox)
    await service.ensure_defaults()
    servicer = GradingServicer(service)
    return ServiceParts(
        full_service_name=grading_pb2.DESCRIPTOR.services_by_name["GradingService"].full_name,
        register=lambda server: grading_pb2_grpc.add_GradingServiceServicer_to_server(servicer, server),
        background=[runtime.consumer(streams.ITEMS, service).run],
    )


def main() -> None:
    run_service("grading", GradingSettings, (models.outbox, models.inbox), build)
