"""Domain errors become gRPC statuses the gateway can read, whatever their size."""

from google.rpc import error_details_pb2, status_pb2

from yuqing.core.errors import FieldProblem, InvalidInput
from yuqing.core.grpc_server import status_for


def test_a_status_with_hundreds_of_problems_fits_in_grpc_metadata():
    reason = "未知敏感类别「」，可选：食品安全、公共卫生、安全生产、环境污染、自然灾害、教育、涉稳、保密" * 4
    error = InvalidInput("规则集校验未通过", [FieldProblem(f"sensitive_categories[{n}].category", reason)
                                               for n in range(400)])
    status = status_for(error)
    size = sum(len(key) + len(value) for key, value in status.trailing_metadata)
    assert size * 4 / 3 < 8 * 1024   # under gRPC's soft limit, base64-encoded
    details = status_pb2.Status.FromString(dict(status.trailing_metadata)["grpc-status-details-bin"]).details[0]
    bad_request = error_details_pb2.BadRequest()
    details.Unpack(bad_request)
    shown = len(bad_request.field_violations) - 1
    assert 5 <= shown < 400
    assert bad_request.field_violations[0].field == "sensitive_categories[0].category"
    assert bad_request.field_violations[-1].description == f"另有 {400 - shown} 处问题未列出"
