"""What the OpenAPI spec says beyond what Litestar derives: the error answers every operation can
give, and which operations need no login (issue 11 §3; schemathesis checks answers against it).

Litestar documents a route's success and its validation 400. Procure's guards, services and
middleware add the rest, the same for every route, so they are written here once from what each
route is: guarded or public, with path ids or not, reading or writing, taking files or not."""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import XML, OpenAPIMediaType, OpenAPIResponse, Operation, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute

ERROR = Schema(
    type=OpenAPIType.OBJECT, required=["status_code", "detail"],
    properties={
        "status_code": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING, description="What went wrong, in the asker's language"),
        "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT, properties={
            "field": Schema(type=OpenAPIType.STRING), "message": Schema(type=OpenAPIType.STRING)})),
    },
)

#: GeoReport v2 answers errors as a list of {code, description} (wiki.open311.org/GeoReport_v2#Errors).
OPEN311_ERROR = Schema(type=OpenAPIType.ARRAY, items=Schema(
    type=OpenAPIType.OBJECT, required=["code", "description"],
    properties={"code": Schema(type=OpenAPIType.INTEGER), "description": Schema(type=OpenAPIType.STRING)}))

ANSWERS = {
    "400": "The request is not valid; `errors` names each field",
    "401": "Not logged in, or the login has ended (log in again)",
    "403": "Logged in, but this role or person may not do this",
    "404": "No such thing, or not one this person may see (the same answer, so nothing leaks)",
    "409": "The thing is not in a state that allows this (e.g. a tender already opened)",
    "413": "The upload or one of its fields is too large",
    "429": "Too many failed logins from here; wait `Retry-After` seconds",
    "503": "The server is saturated; try again after `Retry-After` seconds",
}


#: The same list as XML, for the .xml paths: <errors><error><code/><description/></error></errors>.
OPEN311_ERROR_XML = Schema(type=OpenAPIType.ARRAY, xml=XML(name="errors", wrapped=True), items=Schema(
    type=OpenAPIType.OBJECT, xml=XML(name="error"), required=["code", "description"],
    properties={"code": Schema(type=OpenAPIType.INTEGER), "description": Schema(type=OpenAPIType.STRING)}))


def _answer(code: str, open311: bool = False) -> OpenAPIResponse:
    if open311:  # the format follows the path's extension (.json or .xml)
        return OpenAPIResponse(description=ANSWERS[code] + " — GeoReport v2's error list, in the path's format", content={
            "application/json": OpenAPIMediaType(schema=Reference("#/components/schemas/Open311Error")),
            "application/xml": OpenAPIMediaType(schema=Reference("#/components/schemas/Open311ErrorXml"))})
    shape = Reference("#/components/schemas/Error")
    return OpenAPIResponse(description=ANSWERS[code], content={"application/json": OpenAPIMediaType(schema=shape)})


def _georeport_success(operation: Operation, path: str) -> None:
    """A GeoReport answer's media type follows the path's extension; a {file} path serves both."""
    types = (["application/xml"] if path.endswith(".xml") else ["application/json"] if path.endswith(".json")
             else ["application/json", "application/xml"])
    json_type = OpenAPIType.OBJECT if "/services/{" in path else OpenAPIType.ARRAY  # a definition is one object
    for code, response in (operation.responses or {}).items():
        if code.startswith("2") and isinstance(response, OpenAPIResponse):
            response.content = {t: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING if t == "application/xml"
                                                                   else json_type)) for t in types}


def document_answers(app: Litestar) -> None:
    schema = app.openapi_schema
    assert schema.components is not None
    schema.components.schemas = {**(schema.components.schemas or {}), "Error": ERROR, "Open311Error": OPEN311_ERROR,
                                "Open311ErrorXml": OPEN311_ERROR_XML}
    paths = schema.paths or {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in paths:
            continue
        item = paths[route.path_format]
        for method, (handler, _kwargs_model) in route.route_handler_map.items():
            operation: Operation | None = getattr(item, method.lower(), None)
            if operation is None or method in ("OPTIONS", "HEAD"):
                continue
            guarded = any(getattr(layer, "guards", None) for layer in handler.ownership_layers)
            codes = ["400", "503"]
            if guarded:
                codes += ["401", "403"]
            else:
                operation.security = []  # public: no login needed
            if route.path_parameters or method != "GET":
                codes.append("404")
            if method != "GET":
                codes.append("409")
            if method in ("POST", "PUT", "PATCH"):
                codes.append("413")
            if route.path_format == "/api/v1/auth/token":
                codes += ["401", "429"]
            open311 = route.path_format.startswith("/open311/")
            if open311:
                codes.append("404")  # a jurisdiction_id not served here, on every GeoReport resource
                _georeport_success(operation, route.path_format)
            answers = {c: _answer(c, open311) for c in sorted(set(codes))}
            if open311:  # Litestar's own 400 is in Procure's shape; GeoReport clients expect theirs
                operation.responses = {**(operation.responses or {}), **answers}
            else:
                operation.responses = {**answers, **(operation.responses or {})}
