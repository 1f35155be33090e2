"""Ingest process: `yuqing serve ingest`."""

from services.ingest import models
from services.ingest.domain import MAINSTREAM_SITES
from services.ingest.feeds import FeedAdmin, FeedPoller
from services.ingest.preparing import Preparer
from services.ingest.service import IngestService
from services.ingest.servicer import IngestServicer
from yuqing.core.bootstrap import Runtime, ServiceParts, run_service
from yuqing.core.settings import ServiceSettings
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc


class IngestSettings(ServiceSettings):
    feed_fetch_timeout_seconds: float = 15.0
    feed_polling: bool = True
    # YQ_MAINSTREAM_SITES='["people.com.cn", "xyrb.com.cn"]': sites whose carrying an item counts.
    mainstream_sites: tuple[str, ...] = MAINSTREAM_SITES
    # Worker processes cleaning and fingerprinting big batches (services/ingest/preparing.py);
    # 0: all in the service process.
    prepare_workers: int = 1


async def build(runtime: Runtime) -> ServiceParts:
    settings: IngestSettings = runtime.settings
    preparer = Preparer(settings.prepare_workers)
    preparer.start()
    service = IngestService(runtime.sessions, runtime.outbox, mainstream_sites=settings.mainstream_sites,
                            preparer=preparer, driver_pool=runtime.driver_pool)
    poller = FeedPoller(service, fetch_timeout=settings.feed_fetch_timeout_seconds)
    servicer = IngestServicer(service, FeedAdmin(service, poller))
    return ServiceParts(
        full_service_name=ingest_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name,
        register=lambda server: ingest_pb2_grpc.add_IngestServiceServicer_to_server(servicer, server),
        background=[poller.run] if settings.feed_polling else [],
        on_stop=[preparer.close],
    )


def main() -> None:
    run_service("ingest", IngestSettings, (models.outbox, models.inbox), build)
