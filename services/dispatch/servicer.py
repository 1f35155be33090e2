"""gRPC entrypoint of dispatch: protobuf ⇄ domain only."""

from __future__ import annotations

from services.dispatch.domain import OWNER_NAMES, ROLE_NAMES
from services.dispatch.workflow import STATE_NAMES
from services.dispatch.service import DispatchService
from yuqing.core.identity import Caller
from yuqing.core.levels import to_proto
from yuqing.core.protobuf import page_bounds, timestamp
from yuqing.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc


class DispatchServicer(dispatch_pb2_grpc.DispatchServiceServicer):
    def __init__(self, service: DispatchService) -> None:
        self.service = service

    async def ListAssignments(self, request, context):
        caller = Caller.from_metadata(context.invocation_metadata())
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total, deadlines = await self.service.page_of_assignments(caller, request.event_id or None, limit, offset)
        return dispatch_pb2.ListAssignmentsResponse(
            assignments=[assignment_message(r, deadlines[r["assignment_id"]]) for r in rows], total=total)

    async def GetAssignment(self, request, context):
        caller = Caller.from_metadata(context.invocation_metadata())
        row, deadlines = await self.service.assignment(caller, request.assignment_id)
        return assignment_message(row, deadlines)

    async def ListUnits(self, request, context):
        rows = await self.service.units()
        return dispatch_pb2.ListUnitsResponse(units=[
            dispatch_pb2.Unit(code=r["code"], name=r["name"], kind=r["kind"], parent_code=r["parent_code"] or "")
            for r in rows])


def assignment_message(row, deadlines) -> dispatch_pb2.Assignment:
    return dispatch_pb2.Assignment(
        assignment_id=row["assignment_id"], event_id=row["event_id"], unit_code=row["unit_code"],
        unit_name=row["unit_name"], role=row["role"], role_name=ROLE_NAMES[row["role"]], state=row["state"], state_name=STATE_NAMES[row["state"]],
        level=to_proto(row["level"]), plan_version=row["plan_version"], created_at=timestamp(row["created_at"]),
        deadlines=[
            dispatch_pb2.Deadline(
                step=d["step"], step_name=d["step_name"], owner=d["owner"], owner_name=OWNER_NAMES[d["owner"]], due_at=timestamp(d["due_at"]),
                clock=d["clock"], limit=d["limit_text"], basis_level=to_proto(d["basis_level"]), warning=d["warning"])
            for d in deadlines
        ],
    )
