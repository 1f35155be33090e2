"""gRPC entrypoint of publish: protobuf ⇄ domain only."""

from __future__ import annotations

from services.publish.service import PublishService
from yuqing.core.protobuf import page_bounds, timestamp
from yuqing.publish.v1 import publish_pb2, publish_pb2_grpc


class PublishServicer(publish_pb2_grpc.PublishServiceServicer):
    def __init__(self, service: PublishService) -> None:
        self.service = service

    async def ListReleases(self, request, context):
        limit, offset = page_bounds(request.page_size, request.offset)
        rows, total = await self.service.page_of_releases(limit, offset)
        return publish_pb2.ListReleasesResponse(total=total, releases=[
            publish_pb2.Release(release_id=r["release_id"], event_id=r["event_id"], version=r["version"],
                                title=r["title"], body=r["body"], published_at=timestamp(r["published_at"]),
                                spokesperson=r["spokesperson"])
            for r in rows])
