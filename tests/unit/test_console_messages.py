"""What a console form shows for a refusal its own checks or a service made (gateway.console._messages)."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from gateway.console import _messages
from gateway.console_admin import _integer, _local_datetime
from gateway.problems import Problem


def refusal(check, *arguments) -> Problem:
    with pytest.raises(Problem) as refused:
        check(*arguments)
    return refused.value


def test_a_forms_own_check_shows_its_detail_once():
    # The duty roster's time field: the detail says what is wanted; its field error says no more.
    garbled = refusal(_local_datetime, FormData({"starts_at": "明天上午"}), "starts_at", "开始时间")
    assert _messages(garbled) == ["时间格式有误：开始时间须为“年-月-日 时:分”"]
    assert _messages(refusal(_integer, FormData({"year": "二〇二七"}), "year", "年份")) == ["须为整数：年份须为整数，收到“二〇二七”"]


def test_field_errors_the_detail_does_not_say_are_listed_after_it():
    problem = Problem(422, "信息内容不符合要求", "信息内容不符合要求",
                      errors=[{"field": "url", "reason": "网址必须以 http 开头"}, {"field": "title", "reason": "必填"}])
    assert _messages(problem) == ["信息内容不符合要求", "url：网址必须以 http 开头", "title：必填"]


def test_a_problem_without_detail_shows_its_title():
    assert _messages(Problem(409, "该通报已签发")) == ["该通报已签发"]
