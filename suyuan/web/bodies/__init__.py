"""The JSON request bodies of ``/api/v1``, one pydantic model each: the parser of a body and its schema.

A view reads its body with :func:`suyuan.web.api.common.parse` (the bounded reader of
:mod:`suyuan.web.json_body`, then the model); a body that does not fit is a 400 from
:mod:`suyuan.web.bodies.errors`. :mod:`suyuan.web.openapi` publishes ``Model.model_json_schema()``, so the
document and the parser cannot drift apart. A model hands the domain its own types (``filing()`` builds
the dataclass a use case takes); the domain's rules stay in ``suyuan.trace`` (:mod:`.common` says how a
model states them for the document). Modules follow the API's: registry, batches, zone, complaints,
recalls.
"""
