"""gRPC entrypoint of grading: protobuf ⇄ domain only."""

from __future__ import annotations

from services.grading.service import GradingService, condition_message
from yuqing.core.levels import LEVEL_NAMES, from_proto, to_proto
from yuqing.core.metrics import Metrics
from yuqing.core.protobuf import metrics_message, page_bounds, timestamp
from yuqing.grading.v1 import grading_pb2, grading_pb2_grpc


class GradingServicer(grading_pb2_grpc.GradingServiceServicer):
    def __init__(self, service: GradingService) -> None:
        self.service = service

    async def GetGrade(self, request, context):
        return grade_message(await self.service.grade_of(request.event_id))

    async def BatchGetGrades(self, request, context):
        rows = await self.service.grades(list(request.event_ids)[:500])
        return grading_pb2.BatchGetGradesResponse(grades=[grade_message(r) for r in rows])

    async def ListGrades(self, request, context):
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total = await self.service.page_of_grades(from_proto(request.level), limit, offset)
        return grading_pb2.ListGradesResponse(grades=[grade_message(r) for r in rows], total=total)


def grade_message(row) -> grading_pb2.EventGrade:
    return grading_pb2.EventGrade(
        event_id=row["event_id"], level=to_proto(row["level"]), level_name=LEVEL_NAMES[row["level"]],
        conditions=[condition_message(c) for c in row["conditions"]], rule_set_version=row["rule_set_version"],
        heat=row["heat"], graded_at=timestamp(row["graded_at"]), metrics=metrics_message(Metrics.of(row)),
    )
