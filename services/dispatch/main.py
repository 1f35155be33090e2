"""Dispatch process: `yuqing serve dispatch`."""

from services.dispatch import models
from services.dispatch.service import DispatchService
from services.dispatch.servicer import DispatchServicer
from yuqing.core import streams
from yuqing.core.bootstrap import Runtime, ServiceParts, run_service
from yuqing.core.settings import ServiceSettings
from yuqing.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc


class DispatchSettings(ServiceSettings):
    pass


async def build(runtime: Runtime) -> ServiceParts:
    service = DispatchService(runtime.sessions, runtime.outbox)
    await service.ensure_default_plan()
    servicer = DispatchServicer(service)
    return ServiceParts(
        full_service_name=dispatch_pb2.DESCRIPTOR.services_by_name["DispatchService"].full_name,
        register=lambda server: dispatch_pb2_grpc.add_DispatchServiceServicer_to_server(servicer, server),
        background=[runtime.consumer(streams.LEVELS, service.on_event_graded).run],
    )


def main() -> None:
    run_service("dispatch", DispatchSettings, (models.outbox, models.inbox), build)
