"""Domain errors become gRPC statuses the gateway can read, whatever their size."""

from google.rpc import error_details_pb2, status_pb2

from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.grpc_server import status_for


def test_a_status_with_hundreds_of_problems_fits_in_grpc_metadata():
    error = InvalidInput("规则集校验未通过", [FieldProblem(f"special_periods[{n}].end", "结束日期早于开始日期" * 5)
                                               for n in range(400)])
    status = status_for(error)
    size = sum(len(key) + len(value) for key, value in status.trailing_metadata)
    assert size < 16 * 1024
    details = status_pb2.Status.FromString(dict(status.trailing_metadata)["grpc-status-details-bin"]).details[0]
    bad_request = error_details_pb2.BadRequest()
    details.Unpack(bad_request)
    assert len(bad_request.field_violations) == 51
    assert bad_request.field_violations[-1].description == "另有 350 处问题未列出"
