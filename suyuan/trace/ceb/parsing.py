"""Reading a CEB message safely: size cap, declared encoding, DXP envelope, official XSD.

Separate from the rules because it is the only code that touches untrusted bytes as XML. lxml parses
with entity resolution, DTD loading and network access off and without ``huge_tree``; a document that
declares a DOCTYPE at all is refused (no CEB message has one), so neither XXE nor entity expansion
("billion laughs") can happen. Input above :data:`MAX_BYTES` is refused before parsing, and so is a
DXP ``Data`` payload that would decode to more. The encoding is the one the XML declaration names
(GB18030, GBK and UTF-8 are all seen; libxml2 honours them); undeclared bytes must be UTF-8.

Data messages (CEB311/411/511/621/625) are validated against the official 2022 import schema shipped
in ``xsd/`` (loaded once per process); customs receipts and tax bills (CEB312/412/512/622/626/816)
are read leniently, as the README advises: real ones carry elements the schema lacks.
"""

from __future__ import annotations

import base64
import binascii
import copy
import enum
import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

from lxml import etree

from suyuan.trace.errors import DomainError

MAX_BYTES = 1 << 20
CEB_NS = "http://www.chinaport.gov.cn/ceb"
DXP_NS = "http://www.chinaport.gov.cn/dxp"
DATA_TYPES = frozenset({"CEB311Message", "CEB411Message", "CEB511Message", "CEB621Message", "CEB625Message"})
CUSTOMS_TYPES = frozenset(
    {"CEB312Message", "CEB412Message", "CEB512Message", "CEB622Message", "CEB626Message", "CEB816Message"}
)
UNKNOWN = "Unknown"


class Refusal(enum.StrEnum):
    """Why a whole message was refused (answered with a CEB900 format receipt); see docs/ceb.md."""

    TOO_LARGE = "too_large"
    MALFORMED = "malformed_xml"
    BAD_ENCODING = "bad_encoding"
    DTD_FORBIDDEN = "dtd_forbidden"
    WRONG_NAMESPACE = "wrong_namespace"
    UNKNOWN_MESSAGE = "unknown_message"
    BAD_ENVELOPE = "bad_envelope"
    SCHEMA_INVALID = "schema_invalid"
    GUID_REUSED = "guid_reused"


SCHEMA_REFUSALS = frozenset({Refusal.SCHEMA_INVALID})


class MessageRefused(DomainError):
    """The message cannot be read as a CEB message at all; nothing but the refusal is kept."""

    code = "ceb_message_refused"

    def __init__(self, reason: Refusal, message: str, message_type: str = UNKNOWN) -> None:
        super().__init__(message)
        self.reason = reason
        self.message_type = message_type


@dataclass(frozen=True)
class Envelope:
    """A readable CEB business message: its type and guid, the parsed root, how it travelled.

    ``sha256`` is the digest of the business message's bytes (inside the envelope, if any), so the
    same message bare or enveloped is the same message.
    """

    message_type: str
    guid: str
    root: etree._Element
    transport: str
    sha256: str
    size: int


def digest(raw: bytes) -> str:
    """The SHA-256 of the bytes as received: what identifies a message's content."""
    return hashlib.sha256(raw).hexdigest()


def read_message(raw: bytes) -> Envelope:
    """Parse ``raw`` (bare or in a DXP envelope), check it is a CEB message Suyuan takes, validate it.

    Raises :class:`MessageRefused` naming the first problem.
    """
    if len(raw) > MAX_BYTES:
        raise MessageRefused(Refusal.TOO_LARGE, f"the message is over {MAX_BYTES} bytes")
    root = _parse(raw)
    transport, business = "bare", raw
    if root.tag == f"{{{DXP_NS}}}DxpMsg":
        root, business = _unwrap(root)
        transport = "dxp"
    message_type = _message_type(root)
    if message_type in DATA_TYPES:
        _validate(_import_schema(), root, message_type)
    guid = (root.get("guid") or "").strip()
    if not guid or len(guid) > 36:
        raise MessageRefused(Refusal.SCHEMA_INVALID, "the message has no guid attribute", message_type)
    return Envelope(message_type, guid, root, transport, digest(business), len(raw))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _parse(raw: bytes) -> etree._Element:
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        text = str(exc)
        if "encoding" in text.lower() or "utf-8" in text.lower():
            raise MessageRefused(
                Refusal.BAD_ENCODING, f"the bytes do not match their encoding: {text}"
            ) from None
        raise MessageRefused(Refusal.MALFORMED, f"not well-formed XML: {text}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise MessageRefused(Refusal.DTD_FORBIDDEN, "a CEB message has no DOCTYPE; entities are refused")
    return root


def _unwrap(envelope: etree._Element) -> tuple[etree._Element, bytes]:
    """The business message (parsed, and its bytes) in a DXP terminal envelope's Base64 ``Data``,
    checked against ``MsgType``."""
    _validate(_dxp_schema(), envelope, "DxpMsg", Refusal.BAD_ENVELOPE)
    data = envelope.findtext(f"{{{DXP_NS}}}Data") or ""
    compact = "".join(data.split())
    if len(compact) > (MAX_BYTES * 4) // 3 + 4:
        raise MessageRefused(Refusal.TOO_LARGE, f"the enveloped message is over {MAX_BYTES} bytes")
    try:
        inner = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise MessageRefused(Refusal.BAD_ENVELOPE, "the envelope's Data is not Base64") from None
    if not inner:
        raise MessageRefused(Refusal.BAD_ENVELOPE, "the envelope carries no message")
    if len(inner) > MAX_BYTES:
        raise MessageRefused(Refusal.TOO_LARGE, f"the enveloped message is over {MAX_BYTES} bytes")
    root = _parse(inner)
    declared = (envelope.findtext(f"{{{DXP_NS}}}TransInfo/{{{DXP_NS}}}MsgType") or "").strip()
    if root.tag == f"{{{DXP_NS}}}DxpMsg":
        raise MessageRefused(Refusal.BAD_ENVELOPE, "an envelope inside an envelope")
    if declared != etree.QName(root).localname:
        raise MessageRefused(
            Refusal.BAD_ENVELOPE,
            f"the envelope says {declared!r} but carries {etree.QName(root).localname!r}",
        )
    return root, inner


def _message_type(root: etree._Element) -> str:
    qname = etree.QName(root)
    name = qname.localname
    if name not in DATA_TYPES | CUSTOMS_TYPES:
        raise MessageRefused(
            Refusal.UNKNOWN_MESSAGE,
            f"{name!r} is not a message Suyuan takes (CEB311/411/511/621/625, or a customs receipt)",
        )
    if qname.namespace != CEB_NS:
        raise MessageRefused(
            Refusal.WRONG_NAMESPACE,
            f"{name} must be in the namespace {CEB_NS}, not {qname.namespace!r}",
            name,
        )
    return name


_VALIDATION = threading.Lock()


def _validate(
    schema: etree.XMLSchema,
    root: etree._Element,
    message_type: str,
    refusal: Refusal = Refusal.SCHEMA_INVALID,
) -> None:
    with _VALIDATION:  # one validator object per process; its error log is not shared across threads
        valid = schema.validate(root)
        error = schema.error_log.last_error
    if not valid:
        where = f"line {error.line}: " if error is not None else ""
        detail = error.message if error is not None else "invalid"
        raise MessageRefused(
            refusal, f"{message_type} fails the official schema: {where}{detail}", message_type
        )


def _load_schema(name: str) -> etree.XMLSchema:
    folder = resources.files("suyuan.trace.ceb") / "xsd"
    with resources.as_file(folder / name) as path:
        return etree.XMLSchema(etree.parse(str(path), _parser()))


@cache
def _import_schema() -> etree.XMLSchema:
    """The official import schema 202205 (with the DSig schema it imports), loaded once per process."""
    return _load_schema("ceb-import-202205.xsd")


@cache
def _dxp_schema() -> etree.XMLSchema:
    """The official DXP terminal envelope schema 202205, loaded once per process."""
    return _load_schema("dxp-terminal-202205.xsd")


def local(element: etree._Element) -> str:
    """An element's name without its namespace (``OrderHead``)."""
    return etree.QName(element).localname


def fields(element: etree._Element) -> dict[str, str]:
    """The text of an element's simple children by local name (``{"orderNo": "...", ...}``)."""
    return {
        child.tag.rpartition("}")[2]: (child.text or "").strip()  # the local name, as etree.QName gives it
        for child in element
        if isinstance(child.tag, str) and len(child) == 0
    }


def children(element: etree._Element, name: str) -> list[etree._Element]:
    """The direct children of ``element`` named ``name`` in the CEB namespace."""
    return list(element.iterfind(f"{{{CEB_NS}}}{name}"))


PERSONAL = frozenset(
    {
        "buyerIdNumber",
        "buyerName",
        "buyerTelephone",
        "consignee",
        "consigneeTelephone",
        "consigneeAddress",
        "payerIdNumber",
        "payerName",
        "telephone",
    }
)


_PERSONAL_TAGS = tuple(f"{{*}}{name}" for name in sorted(PERSONAL))  # in any namespace, or none


def redacted_copy(root: etree._Element) -> str:
    """The message as text with personal elements blanked to ``***`` (what Suyuan keeps of the body).

    A copy of the parsed tree, not a re-parse of its text, and lxml's own tag filter rather than a
    Python test of every element: a third of the time (docs/benchmarks.md, "Third round").
    """
    redacted = copy.deepcopy(root)
    for element in redacted.iter(*_PERSONAL_TAGS):
        if element.text:
            element.text = "***"
    return etree.tostring(redacted, encoding="unicode")
