"""Dispatch process: `yuqing serve dispatch`."""

import datetime as dt

from services.dispatch import models
from services.dispatch.channels import Channel, SmtpChannel, WebhookChannel, delivery_worker
from services.dispatch.domain import TimerPolicy
from services.dispatch.service import FIRE_BATCH, DispatchService, carries_feedback_deadline
from services.dispatch.servicer import DispatchServicer
from yuqing.core import streams
from yuqing.core.bootstrap import Runtime, ServiceParts, run_service
from yuqing.core.due import DueWorkLoop
from yuqing.core.grpc_server import client_channel
from yuqing.core.identity import Caller
from yuqing.core.settings import ServiceSettings
from yuqing.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc

# Who a drill's items come from, as ingest sees it.
DRILL_CALLER = Caller("drill", frozenset({"monitor"}), "wxb")


class DispatchSettings(ServiceSettings):
    # Warnings before a limit, in per cent of it (YQ_WARNING_PERCENTS='[50, 80]').
    warning_percents: tuple[int, ...] = (50, 80)
    # 督办 follows 催办 (at 100 %) after this many minutes.
    supervise_after_minutes: int = 30
    timers: bool = True
    # Outbound channels; each is off while its address is empty.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "yuqing@localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    webhook_url: str = ""
    webhook_secret: str = ""


def channels_of(settings: DispatchSettings) -> list[Channel]:
    channels: list[Channel] = []
    if settings.smtp_host:
        channels.append(SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_username,
                                    settings.smtp_password, settings.smtp_starttls))
    if settings.webhook_url:
        channels.append(WebhookChannel(settings.webhook_url, settings.webhook_secret))
    return channels


async def build(runtime: Runtime) -> ServiceParts:
    settings: DispatchSettings = runtime.settings
    policy = TimerPolicy(tuple(p / 100 for p in settings.warning_percents),
                         dt.timedelta(minutes=settings.supervise_after_minutes))
    channels = channels_of(settings)
    ingest = ingest_pb2_grpc.IngestServiceStub(client_channel(settings.address_of("ingest")))

    async def submit_items(items: list) -> list:
        response = await ingest.SubmitItems(ingest_pb2.SubmitItemsRequest(items=items), timeout=30,
                                            metadata=DRILL_CALLER.metadata())
        return list(response.results)

    service = DispatchService(runtime.sessions, runtime.outbox, policy=policy, channels=channels,
                              submit_items=submit_items)
    await service.ensure_default_plan()
    servicer = DispatchServicer(service)
    background = [runtime.consumer(streams.LEVELS, service.graded_events).run,
                  runtime.consumer(streams.ITEMS, service.on_item_ingested, wants=carries_feedback_deadline).run,
                  runtime.consumer(streams.STATEMENTS, service.on_statement_published).run]
    if settings.timers:
        timers = DueWorkLoop("timers", service.fire_due_timers, service.next_fire_at, service.clock, FIRE_BATCH)
        service.timers_changed = timers.due_at
        drills = DueWorkLoop("drills", service.send_due_drill_items, service.next_drill_send_at, service.clock, 50)
        service.drills_changed = drills.wake
        background += [timers.run, drills.run]
    if channels:
        worker = delivery_worker(runtime.sessions, channels)
        service.deliveries_added = worker.wakeup.set
        background.append(worker.run)
    return ServiceParts(
        full_service_name=dispatch_pb2.DESCRIPTOR.services_by_name["DispatchService"].full_name,
        register=lambda server: dispatch_pb2_grpc.add_DispatchServiceServicer_to_server(servicer, server),
        background=background,
        gauges=[service.refresh_workload_figures],
    )


def main() -> None:
    run_service("dispatch", DispatchSettings, (models.outbox, models.inbox), build)
