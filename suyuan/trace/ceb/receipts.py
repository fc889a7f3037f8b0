"""Receipts in the customs' own shape: CEB312/412/512/622/626 per document, CEB900 for unreadable messages.

Suyuan answers every message the way China E-Port would, so that a sender's existing receipt handling
works unchanged: the receipt message of the document's type, one ``…Return`` entity per document,
``returnStatus`` and ``returnInfo`` as in README §5, in the default namespace (as customs sends them),
and valid against the official schema (the tests check it). A message that cannot be read as a CEB
document at all gets the format receipt CEB900 with a negative status.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from suyuan.trace.ceb.parsing import CEB_NS
from suyuan.trace.model.types import BEIJING

# message type → (receipt message, return entity, key elements in schema order before returnStatus)
RECEIPT_OF: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "CEB311Message": ("CEB312Message", "OrderReturn", ("guid", "ebpCode", "ebcCode", "orderNo")),
    "CEB411Message": ("CEB412Message", "PaymentReturn", ("guid", "payCode", "payTransactionId")),
    "CEB511Message": ("CEB512Message", "LogisticsReturn", ("guid", "logisticsCode", "logisticsNo")),
    "CEB621Message": (
        "CEB622Message",
        "InventoryReturn",
        ("guid", "customsCode", "ebpCode", "ebcCode", "agentCode", "copNo", "preNo", "invtNo"),
    ),
    "CEB625Message": (
        "CEB626Message",
        "InvtRefundReturn",
        ("guid", "customsCode", "agentCode", "ebpCode", "ebcCode", "copNo", "preNo", "invtNo"),
    ),
}
FORMAT_RECEIPT = "CEB900Message"
FORMAT_ERROR, SCHEMA_ERROR, GUID_CONFLICT = -1, -2, -3
ACCEPTED_INFO = "[Code:1800;Desc:逻辑校验通过]"
RELEASED_INFO = "[Code:2600;Desc:放行]"


@dataclass(frozen=True)
class ReturnEntry:
    """One document's answer: status, human text, machine reason ("" when accepted) and its keys;
    ``recorded``: a customs receipt kept as it came, not a decision of Suyuan's."""

    status: int
    info: str
    reason: str = ""
    keys: tuple[tuple[str, str], ...] = ()
    recorded: bool = False

    @property
    def refused(self) -> bool:
        """Suyuan rejected (100) or did not process (negative) the document; a customs receipt that
        Suyuan merely recorded (``recorded``) is never a refusal, whatever its status."""
        return not self.recorded and (self.status == 100 or self.status < 0)

    def key(self, name: str) -> str:
        """The value of one key element (``orderNo``, ``copNo`` …), "" if absent."""
        return dict(self.keys).get(name, "")


@dataclass(frozen=True)
class Receipt:
    """What Suyuan answered to one message: the receipt message type, its entries and its XML text."""

    message_type: str
    guid: str
    entries: tuple[ReturnEntry, ...]
    xml: str
    message_id: int | None = None

    @property
    def refused(self) -> bool:
        """Whether any document of the message was rejected or the message refused."""
        return any(entry.refused for entry in self.entries)

    @property
    def status(self) -> int:
        """The first entry's status (a message usually carries one document)."""
        return self.entries[0].status


def return_time(moment: datetime) -> str:
    """``YYYYMMDDhhmmssSSS`` in China time, as customs writes it."""
    local = moment.astimezone(BEIJING)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"


def new_guid() -> str:
    """A receipt guid: 36 characters, upper case, as the spec asks."""
    return str(uuid.uuid4()).upper()


def pre_no(entity_guid: str, moment: datetime) -> str:
    """Suyuan's pre-entry number for a document: ``S`` + date + 9 digits derived from its guid (18)."""
    digits = int(hashlib.sha256(entity_guid.encode()).hexdigest(), 16) % 10**9
    return f"S{moment.astimezone(BEIJING):%Y%m%d}{digits:09d}"


def render(message_type: str, entries: list[ReturnEntry], moment: datetime, guid: str | None = None) -> str:
    """The receipt message answering ``message_type`` (a data message type) with ``entries``."""
    receipt_type, entity, order = RECEIPT_OF[message_type]
    root = _root(receipt_type, guid)
    for entry in entries:
        element = etree.SubElement(root, _q(entity))
        values = dict(entry.keys)
        for name in order:
            if values.get(name):
                _text(element, name, values[name])
        _text(element, "returnStatus", str(entry.status))
        _text(element, "returnTime", return_time(moment))
        _text(element, "returnInfo", (entry.info or entry.reason or "-")[:1000])
    return _serialise(root)


def render_format(status: int, info: str, original_type: str, moment: datetime, cop_msg_id: str = "") -> str:
    """A CEB900 format receipt: the message could not be read; the original is not echoed back."""
    root = _root(FORMAT_RECEIPT, None)
    element = etree.SubElement(root, _q("MessageReturn"))
    _text(element, "guid", new_guid())
    _text(element, "returnStatus", str(status))
    _text(element, "returnInfo", info[:5000])
    _text(element, "returnTime", return_time(moment))
    _text(element, "oriCopMsgId", cop_msg_id[:255])
    _text(element, "oriMessageType", original_type[:15])
    _text(element, "oriBizMessage", "")
    return _serialise(root)


def _root(receipt_type: str, guid: str | None) -> etree._Element:
    root = etree.Element(_q(receipt_type), nsmap={None: CEB_NS})
    root.set("guid", guid or new_guid())
    root.set("version", "1.0")
    return root


def _text(parent: etree._Element, name: str, value: str) -> None:
    etree.SubElement(parent, _q(name)).text = value


def _q(name: str) -> str:
    return f"{{{CEB_NS}}}{name}"


def _serialise(root: etree._Element) -> str:
    body = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{body}\n'
