"""Publish process: `yuqing serve publish`."""

from __future__ import annotations

import asyncio
import datetime as dt

import grpc

from services.publish import models
from services.publish.bulletin_service import BulletinService, County, ItemCounter
from services.publish.bulletins import Period
from services.publish.service import SCHEDULE_BATCH, PublishService
from services.publish.servicer import PublishServicer
from yuqing.core import streams
from yuqing.core.bootstrap import Runtime, ServiceParts, run_service
from yuqing.core.delivery import DeliveryLog
from yuqing.core.due import DueWorkLoop
from yuqing.core.errors import Unavailable
from yuqing.core.grpc_server import client_channel
from yuqing.core.identity import Caller
from yuqing.core.settings import ServiceSettings
from yuqing.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from yuqing.grading.v1 import grading_pb2, grading_pb2_grpc
from yuqing.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from yuqing.publish.v1 import publish_pb2, publish_pb2_grpc

PEER_TIMEOUT = 30.0
PEER_NAMES = {"ingest": "信息收集", "grading": "分级研判", "dispatch": "交办督办"}


class PublishSettings(ServiceSettings):
    # The masthead's issuing body and the bulletins' recipients (版记 "报：…").
    bulletin_issuer: str = "县委网信办（县舆情办）"
    bulletin_recipients: str = "市委网信办，市委宣传部"
    # A channel delivery in flight when its replica dies is sent again (same Idempotency-Key)
    # once this lease runs out.
    delivery_lease_seconds: float = 60.0


class GrpcPeers:
    """Bulletins' reads from the other services, made as the person drafting."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.ingest = ingest_pb2_grpc.IngestServiceStub(client_channel(settings.address_of("ingest")))
        self.grading = grading_pb2_grpc.GradingServiceStub(client_channel(settings.address_of("grading")))
        self.dispatch = dispatch_pb2_grpc.DispatchServiceStub(client_channel(settings.address_of("dispatch")))

    @staticmethod
    async def _call(service: str, call):
        try:
            return await call
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise Unavailable(f"{PEER_NAMES[service]}服务暂不可用，请稍后重试") from error
            raise

    async def handling(self, caller: Caller, period: Period):
        request = dispatch_pb2.GetHandlingReportRequest(start=period.start.isoformat(), end=period.end.isoformat(),
                                                        list_limit=50)
        return await self._call("dispatch", self.dispatch.GetHandlingReport(
            request, timeout=PEER_TIMEOUT, metadata=caller.metadata()))

    async def leads(self, caller: Caller, event_ids: list[str]):
        """Each event's current lead assignment (with its deadlines), if it has one."""
        async def lead(event_id: str):
            listed = await self._call("dispatch", self.dispatch.ListAssignments(
                dispatch_pb2.ListAssignmentsRequest(event_id=event_id, page_size=100), timeout=PEER_TIMEOUT,
                metadata=caller.metadata()))
            return next((a for a in listed.assignments if a.role == "lead" and not a.successor_id), None)
        found = await asyncio.gather(*[lead(event_id) for event_id in event_ids])
        return {event_id: a for event_id, a in zip(event_ids, found, strict=True) if a is not None}

    async def grades(self, caller: Caller, event_ids: list[str]):
        # GetGrade carries the heat trend; key events are few (bulletins.KEY_EVENTS).
        async def grade(event_id: str):
            try:
                return await self._call("grading", self.grading.GetGrade(
                    grading_pb2.GetGradeRequest(event_id=event_id), timeout=PEER_TIMEOUT, metadata=caller.metadata()))
            except grpc.aio.AioRpcError as error:
                if error.code() == grpc.StatusCode.NOT_FOUND:   # not graded yet: the brief's figures stand
                    return None
                raise
        found = await asyncio.gather(*[grade(event_id) for event_id in event_ids])
        return {grade.event_id: grade for grade in found if grade is not None}

    async def event(self, caller: Caller, event_id: str):
        return await self._call("ingest", self.ingest.GetEvent(
            ingest_pb2.GetEventRequest(event_id=event_id), timeout=PEER_TIMEOUT, metadata=caller.metadata()))

    async def events(self, caller: Caller, event_ids: list[str]):
        if not event_ids:
            return {}
        response = await self._call("ingest", self.ingest.BatchGetEvents(
            ingest_pb2.BatchGetEventsRequest(event_ids=event_ids), timeout=PEER_TIMEOUT, metadata=caller.metadata()))
        return {event.event_id: event for event in response.events}

    async def place_names(self, caller: Caller):
        response = await self._call("dispatch", self.dispatch.ListUnits(
            dispatch_pb2.ListUnitsRequest(), timeout=PEER_TIMEOUT, metadata=caller.metadata()))
        return {unit.code: unit.name.removesuffix("人民政府") for unit in response.units}


# Publish follows levels, leads and item counts for approval chains and bulletins, not for a
# unit waiting on its inbox: while messages keep coming it waits this long for fuller batches
# (the default 40 ms cost it a transaction per consumer every few dozen milliseconds).
FOLLOWING_LINGER_MS = 250


async def build(runtime: Runtime) -> ServiceParts:
    settings: PublishSettings = runtime.settings
    service = PublishService(runtime.sessions, runtime.outbox)
    county = County(settings.county_code, settings.county_name, settings.bulletin_issuer, settings.bulletin_recipients)
    bulletins = BulletinService(runtime.sessions, GrpcPeers(settings), county)
    servicer = PublishServicer(service, bulletins)
    scheduled = DueWorkLoop("scheduled statements", service.publish_due, service.next_scheduled, service.clock,
                            SCHEDULE_BATCH)
    service.schedule_changed = scheduled.wake
    deliveries = DeliveryLog(runtime.sessions, models.publication_deliveries, service.release_sender(),
                             lease=dt.timedelta(seconds=settings.delivery_lease_seconds))
    service.deliveries_added = deliveries.wakeup.set
    return ServiceParts(
        full_service_name=publish_pb2.DESCRIPTOR.services_by_name["PublishService"].full_name,
        register=lambda server: publish_pb2_grpc.add_PublishServiceServicer_to_server(servicer, server),
        background=[runtime.consumer(streams.LEVELS, service.level_changes, linger_ms=FOLLOWING_LINGER_MS).run,
                    runtime.consumer(streams.ASSIGNMENTS, service.lead_changes, wants=service.lead_changes.wants,
                                     linger_ms=FOLLOWING_LINGER_MS).run,
                    runtime.consumer(streams.ITEMS, ItemCounter(), linger_ms=FOLLOWING_LINGER_MS).run,
                    scheduled.run, deliveries.run],
    )


def main() -> None:
    run_service("publish", PublishSettings, (models.outbox, models.inbox), build)
