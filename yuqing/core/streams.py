"""Names of the Redis Streams that carry the pipeline (part of the contract, like protos/).

Each stream carries one protobuf message type, named beside it."""

ITEMS = "ingest.items"      # yuqing.ingest.v1.ItemIngested
LEVELS = "grading.levels"   # yuqing.grading.v1.EventGraded
ASSIGNMENTS = "dispatch.assignments"   # yuqing.dispatch.v1.AssignmentChanged
ALERTS = "dispatch.alerts"             # yuqing.dispatch.v1.DeadlineAlert
STATEMENTS = "publish.statements"      # yuqing.publish.v1.StatementPublished
