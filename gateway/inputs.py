"""The base of every JSON body the gateway accepts.

Unknown fields are refused, and so is text no service can store: NUL characters (PostgreSQL
text cannot hold them) and unpaired UTF-16 surrogates (not encodable as UTF-8, so neither a
database nor protobuf takes them). The error names the field."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from pydantic import BaseModel, ConfigDict, model_validator

_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _check(value, path: str) -> None:
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            raise ValueError(f"{path or '内容'}包含无法保存的字符（NUL 或不成对的代理字符）")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, path)
            _check(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def storable_text(cls, data):
        _check(data, "")
        return data


def unstorable_url_part(raw: bytes) -> bool:
    """A path or query string (percent-encoded) that decodes to a NUL or to invalid UTF-8."""
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    if b"\x00" in decoded:
        return True
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
