"""Publish process: `yuqing serve publish`."""

from services.publish import models
from services.publish.service import SCHEDULE_BATCH, PublishService
from services.publish.servicer import PublishServicer
from yuqing.core import streams
from yuqing.core.bootstrap import Runtime, ServiceParts, run_service
from yuqing.core.delivery import DeliveryLog
from yuqing.core.due import DueWorkLoop
from yuqing.core.settings import ServiceSettings
from yuqing.publish.v1 import publish_pb2, publish_pb2_grpc


class PublishSettings(ServiceSettings):
    pass


async def build(runtime: Runtime) -> ServiceParts:
    service = PublishService(runtime.sessions, runtime.outbox)
    servicer = PublishServicer(service)
    scheduled = DueWorkLoop("scheduled statements", service.publish_due, service.next_scheduled, service.clock,
                            SCHEDULE_BATCH)
    service.schedule_changed = scheduled.wakeup.set
    deliveries = DeliveryLog(runtime.sessions, models.publication_deliveries, service.release_sender())
    service.deliveries_added = deliveries.wakeup.set
    return ServiceParts(
        full_service_name=publish_pb2.DESCRIPTOR.services_by_name["PublishService"].full_name,
        register=lambda server: publish_pb2_grpc.add_PublishServiceServicer_to_server(servicer, server),
        background=[runtime.consumer(streams.LEVELS, service.on_event_graded).run, scheduled.run, deliveries.run],
    )


def main() -> None:
    run_service("publish", PublishSettings, (models.outbox, models.inbox), build)
