import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from yuqing.core.protobuf import from_timestamp, timestamp


def test_timestamp_matches_protobufs_own_conversion():
    for value in (dt.datetime(2026, 11, 29, 15, 4, 43, 123456, tzinfo=dt.UTC),
                  dt.datetime(2026, 11, 29, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                  dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.UTC)):
        expected = Timestamp()
        expected.FromDatetime(value.astimezone(dt.UTC))
        assert timestamp(value) == expected
        assert from_timestamp(timestamp(value)) == value
    assert timestamp(None) is None
