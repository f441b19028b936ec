"""The API base: flask-smorest with application/problem+json errors and token auth.

Every area's ``api.py`` makes its blueprint with :func:`bio_register.pipeline.api_blueprint`,
which requires a personal API token for every route. Errors anywhere under ``/api/`` are
answered as RFC 9457 problem details: ``type``, ``title``, ``status``, ``detail`` and, for
validation, ``errors`` per field.

A JSON body is bounded before anything parses it (:func:`json_refusal`): its size, its nesting
depth, the digits of one number and the number of values, each found by a cheap scan of the raw
bytes. Parsing hostile JSON would otherwise cost a 500 (Python's recursion limit, its limit on
the digits of an int) or seconds of a worker.
"""

from __future__ import annotations

import datetime as dt
import http
import itertools
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import flask_smorest
import marshmallow as ma
import orjson
from apispec import BasePlugin
from flask import Response, json, render_template, request
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, Unauthorized
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
VALIDATION_PROBLEM = "https://bio-register.nl/problems/validation"
API_PREFIX = "/api/"
MAX_PER_PAGE = 100

#: a JSON request body larger than this is refused unread (the largest real one, a datalek with
#: every text at its longest, is a few hundred KB at most)
MAX_JSON_BYTES = 1024 * 1024
#: objects and arrays inside each other (our bodies nest a few levels at most)
MAX_JSON_DEPTH = 32
#: digits in one number, its fraction and exponent each (Python refuses ints over 4,300 digits)
MAX_JSON_DIGITS = 100
#: values in all arrays and objects together (counted by their commas)
MAX_JSON_VALUES = 10_000

#: marshmallow's messages in Dutch: the API answers bad input in the language of its users (its
#: own messages are Dutch too). Set once, on the classes, at import: every field and validator
#: made later takes them. The placeholders are marshmallow's own.
DUTCH_FIELD_MESSAGES: dict[Any, dict[str, str]] = {
    ma.fields.Field: {"required": "Dit veld is verplicht.", "null": "Dit veld mag niet leeg (null) zijn.",
                      "validator_failed": "Ongeldige waarde."},
    ma.fields.Boolean: {"invalid": "Geen geldige waarde: true of false."},
    ma.fields.String: {"invalid": "Geen geldige tekst.", "invalid_utf8": "Geen geldige UTF-8-tekst."},
    ma.fields.Number: {"invalid": "Geen geldig getal.", "too_large": "Het getal is te groot."},
    ma.fields.Integer: {"invalid": "Geen geldig geheel getal."},
    ma.fields.Decimal: {"special": "Alleen gewone getallen (geen NaN of oneindig)."},
    ma.fields.Float: {"special": "Alleen gewone getallen (geen NaN of oneindig)."},
    ma.fields.List: {"invalid": "Geen geldige lijst."},
    ma.fields.Tuple: {"invalid": "Geen geldige lijst."},
    ma.fields.Mapping: {"invalid": "Geen geldig object."},
    ma.fields.Nested: {"type": "Geen geldig object."},
    ma.fields.Email: {"invalid": "Geen geldig e-mailadres."},
    ma.fields.Url: {"invalid": "Geen geldige URL."},
    ma.fields.UUID: {"invalid_uuid": "Geen geldige UUID."},
    ma.fields.Enum: {"unknown": "Kies een van: {choices}."},
    ma.fields.DateTime: {"invalid": "Geen geldig tijdstip (ISO 8601, bijvoorbeeld 2026-11-01T10:00:00+01:00).",
                         "invalid_awareness": "Geef het tijdstip met tijdzone, bijvoorbeeld 2026-11-01T10:00:00+01:00.",
                         "format": "\"{input}\" kan niet als tijdstip worden weergegeven."},
    ma.fields.Date: {"invalid": "Geen geldige datum (JJJJ-MM-DD).",
                     "format": "\"{input}\" kan niet als datum worden weergegeven."},
}
DUTCH_VALIDATOR_MESSAGES: dict[Any, dict[str, str]] = {
    ma.validate.OneOf: {"default_message": "Kies een van: {choices}."},
    ma.validate.ContainsOnly: {"default_message": "Een of meer keuzes staan niet in: {choices}."},
    ma.validate.NoneOf: {"default_message": "Ongeldige waarde."},
    ma.validate.Equal: {"default_message": "Moet gelijk zijn aan {other}."},
    ma.validate.Regexp: {"default_message": "De tekst heeft niet de verwachte vorm."},
    ma.validate.Email: {"default_message": "Geen geldig e-mailadres."},
    ma.validate.URL: {"default_message": "Geen geldige URL."},
    ma.validate.Length: {"message_min": "Te kort: minstens {min} tekens of waarden.",
                         "message_max": "Te lang: hoogstens {max} tekens of waarden.",
                         "message_all": "Tussen {min} en {max} tekens of waarden.",
                         "message_equal": "Precies {equal} tekens of waarden."},
    ma.validate.Range: {"message_min": "Moet {min_op} {{min}} zijn.", "message_max": "Moet {max_op} {{max}} zijn.",
                        "message_all": "Moet {min_op} {{min}} en {max_op} {{max}} zijn.",
                        "message_gte": "groter dan of gelijk aan", "message_gt": "groter dan",
                        "message_lte": "kleiner dan of gelijk aan", "message_lt": "kleiner dan"},
}
DUTCH_SCHEMA_MESSAGES = {"type": "Ongeldig type invoer: verwacht een JSON-object.", "unknown": "Onbekend veld."}


def _dutch_marshmallow() -> None:
    for cls, messages in DUTCH_FIELD_MESSAGES.items():
        # each class's own dict (a subclass without one would otherwise write into its parent's)
        cls.default_error_messages = {**cls.__dict__.get("default_error_messages", {}), **messages}
    for validator, messages in DUTCH_VALIDATOR_MESSAGES.items():
        for name, text in messages.items():
            setattr(validator, name, text)
    ma.Schema._default_error_messages = {**ma.Schema._default_error_messages, **DUTCH_SCHEMA_MESSAGES}


_dutch_marshmallow()

_JSON_ESCAPE = re.compile(rb"\\.", re.DOTALL)   # \" and \\ inside a string: never a string's end
_JSON_STRING = re.compile(rb'"[^"]*"')            # once the escapes are gone, a string has no " inside
_JSON_LONG_NUMBER = re.compile(rb"(?<![0-9])[0-9]{%d}" % (MAX_JSON_DIGITS + 1))
_JSON_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_JSON_DEPTH_STEP = [1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256)]
_JSON_CHECKED = "bio_register.json_refusal"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _flatten(messages: Any) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"name": [..]}}); clients want fields."""
    errors: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            errors.setdefault(prefix or "body", []).extend(value)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        else:
            errors.setdefault(prefix or "body", []).append(str(value))

    if isinstance(messages, Mapping):
        for location, inner in messages.items():
            # the location (json, query, …) says where, the field name says what
            plain = location in {"json", "query", "querystring", "form", "files", "view_args"}
            walk("" if plain else str(location), inner)
    else:
        walk("", messages)
    return errors


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            errors: Mapping[str, list[str]] | None = None, type_: str = "about:blank",
            headers: Mapping[str, str] | None = None) -> Response:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = dict(errors)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def json_refusal(req: Any) -> str | None:
    """Why the JSON body of ``req`` is refused before it is parsed (a Dutch message naming the
    limit), or None when it may be parsed. The body is read (no more than its Content-Length
    allows) and scanned once per request; both places that parse it, the input guard of
    ``web.py`` and the API's :class:`Parser`, ask here first."""
    if _JSON_CHECKED in req.environ:
        refusal: str | None = req.environ[_JSON_CHECKED]
        return refusal
    length = req.content_length
    if length is not None and length > MAX_JSON_BYTES:  # refused before the body is read
        refusal = _too_large(length)
    else:
        refusal = scan_json(req.get_data(cache=True))
    req.environ[_JSON_CHECKED] = refusal
    return refusal


def _too_large(size: int) -> str:
    return f"De JSON-body is {_dutch(-(-size // 1024))} KB; de grens is {_dutch(MAX_JSON_BYTES // 1024)} KB."


def _dutch(number: int) -> str:
    """10000 → 10.000"""
    return f"{number:,}".replace(",", ".")


def scan_json(raw: bytes) -> str | None:
    """The limits checked on the raw bytes, in linear time: strings are blanked out first (their
    brackets, commas and digits are text), then digit runs, commas and brackets are counted."""
    if len(raw) > MAX_JSON_BYTES:
        return _too_large(len(raw))
    structure = _JSON_STRING.sub(b'""', _JSON_ESCAPE.sub(b"_", raw))
    if _JSON_LONG_NUMBER.search(structure):
        return f"De JSON bevat een getal van meer dan {MAX_JSON_DIGITS} cijfers; de grens is {MAX_JSON_DIGITS} cijfers."
    if structure.count(b",") >= MAX_JSON_VALUES:
        return f"De JSON bevat meer dan {_dutch(MAX_JSON_VALUES)} waarden; de grens is {_dutch(MAX_JSON_VALUES)}."
    brackets = structure.translate(None, delete=_JSON_NOT_BRACKETS)
    depth = max(itertools.accumulate(map(_JSON_DEPTH_STEP.__getitem__, brackets)), default=0)
    if depth > MAX_JSON_DEPTH:
        return (f"De JSON is {_dutch(depth)} lagen diep genest; de grens is {MAX_JSON_DEPTH} lagen "
                "(objecten en lijsten in elkaar).")
    return None


class ProblemSchema(ma.Schema):
    """An error as the API sends it (RFC 9457), as ``application/problem+json``."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "Messages per field (validation errors)"})


class ErrorResponses(BasePlugin):
    """Documents the errors every operation can answer, so no catch-all ``default`` is needed:
    401 without a valid token; 404 for an object (path parameter) the caller cannot see; 409 for
    a change that a unique key refused because someone else saved the same thing at the same moment
    (the pipeline answers it for any operation that writes); 413 for a body larger than
    MAX_CONTENT_LENGTH. An operation's own description of a status (``alt_response``) stays."""

    WRITES = frozenset({"post", "put", "patch", "delete"})

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            implied = {"401": "UNAUTHORIZED"}
            if path and "{" in path:
                implied["404"] = "NOT_FOUND"
            if method in self.WRITES:
                implied["409"] = "CONFLICT"
            if "requestBody" in operation:
                implied["413"] = "REQUEST_ENTITY_TOO_LARGE"
            documented = {str(code) for code in responses}  # flask-smorest keys some by int
            responses.update({status: name for status, name in implied.items() if status not in documented})


class Api(flask_smorest.Api):
    """flask-smorest's Api with problem+json for the API and HTML pages for the rest.

    The OpenAPI document says exactly which errors an operation answers (``alt_response``),
    each as problem+json: there is no catch-all ``default`` response that any status would match.
    """

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None
    #: called before a 5xx page is rendered (the app factory sets it: roll back an aborted transaction)
    on_server_error: Callable[[], None] | None = None

    def __init__(self, app: Any = None, *, spec_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        spec_kwargs = {"extra_plugins": [ErrorResponses()], **(spec_kwargs or {})}
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def _register_responses(self) -> None:
        """flask-smorest's error responses, with the content type the errors really have."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            else:
                prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Any:
        code = error.code or 500
        if code >= 500:
            # The transaction may be aborted (PostgreSQL): the error page must not reuse it.
            if self.on_server_error is not None:
                self.on_server_error()
        if not is_api_request():
            message = error.description if code == 429 else None
            return render_template("errors/error.html", error=error, code=code, message=message), code
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        if isinstance(error, Unauthorized):
            headers.setdefault("WWW-Authenticate", 'Bearer realm="bio-register"')
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers.setdefault("Allow", ", ".join(error.valid_methods))  # RFC 9110 requires it with a 405
        errors = None
        if "errors" in data:
            errors = _flatten(data["errors"])
        elif "messages" in data:
            errors = _flatten(data["messages"])
        detail = data.get("message") or (error.description if code != 500 else None)
        if code == 422 and errors and not data.get("message"):
            detail = "De invoer is niet geldig: zie errors per veld."
        return problem(code, detail, errors=errors, headers=headers,
                       type_=VALIDATION_PROBLEM if code == 422 else "about:blank")


_DIGITS = re.compile(r"[0-9]{1,9}")


class QuickQuery:
    """The query strings of a schema that need no marshmallow: every parameter at most once, each
    either an ``Integer`` with one inclusive ``Range`` (ASCII digits within it) or a ``String``
    with one ``OneOf`` (one of its choices), the rest left to their defaults. :meth:`load` gives
    what ``schema.load`` would give for such a query, and None for any other query (which
    marshmallow then loads, or refuses with its messages). Schemas with hooks or a required field,
    other fields among the given parameters, renamed fields: None as well.

    For the API lists, where parsing ``per_page=50`` through webargs and marshmallow cost as much
    as the rest of the view."""

    def __init__(self, schema_class: type[ma.Schema]) -> None:
        schema = schema_class()
        fields = schema.load_fields
        self.usable = not any(schema._hooks.values()) and not any(field.required for field in fields.values())
        self.defaults: dict[str, Any] = {}
        self.ranges: dict[str, tuple[int, int]] = {}
        self.choices: dict[str, frozenset[str]] = {}
        for name, field in fields.items():
            if field.load_default is not ma.missing:
                self.defaults[name] = field.load_default  # a callable is called per load, as marshmallow does
            if field.data_key not in (None, name) or field.attribute not in (None, name) or len(field.validators) != 1:
                continue
            validator = field.validators[0]
            if (type(field) is ma.fields.Integer and not field.strict and isinstance(validator, ma.validate.Range)
                    and validator.min_inclusive and validator.max_inclusive
                    and isinstance(validator.min, int) and isinstance(validator.max, int)):
                self.ranges[name] = (validator.min, validator.max)
            elif type(field) is ma.fields.String and isinstance(validator, ma.validate.OneOf):
                self.choices[name] = frozenset(str(choice) for choice in validator.choices)

    def load(self, args: Any) -> dict[str, Any] | None:
        if not self.usable:
            return None
        loaded = {name: default() if callable(default) else default for name, default in self.defaults.items()}
        for name, values in args.lists():
            if len(values) != 1:
                return None
            value = values[0]
            bounds = self.ranges.get(name)
            if bounds is not None:
                if not _DIGITS.fullmatch(value):
                    return None
                number = int(value)
                if not bounds[0] <= number <= bounds[1]:
                    return None
                loaded[name] = number
            elif value in self.choices.get(name, ()):
                loaded[name] = value
            else:
                return None
        return loaded


class Parser(FlaskParser):
    """Malformed JSON is bad input like any other: 422, not 400. Unknown query parameters are
    refused like unknown body fields, and an operation that takes a body needs one."""

    DEFAULT_VALIDATION_STATUS = 422
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": ma.RAISE, "querystring": ma.RAISE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[ma.Schema], ma.Schema] = {}
        self._quick: dict[type[ma.Schema], QuickQuery] = {}

    def load_json(self, req: Any, schema: ma.Schema) -> Any:
        data = super().load_json(req, schema)
        if data is ma.missing:
            flask_smorest.abort(422, messages={"body": [
                "Stuur een JSON-object als body (Content-Type: application/json)."]})
        return data

    def _raw_load_json(self, req: Any) -> Any:
        """Bounded before it is parsed: deep nesting or a huge number is a 422, never a 500."""
        if is_json_request(req):
            refusal = json_refusal(req)
            if refusal is not None:
                flask_smorest.abort(422, message=refusal, messages={"body": [refusal]})
        return super()._raw_load_json(req)

    def _handle_invalid_json_error(self, error: Any, req: Any, *args: Any, **kwargs: Any) -> Any:
        flask_smorest.abort(422, messages={"body": ["Ongeldige JSON: de body kon niet worden gelezen."]})

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any) -> Any:
        """A query string of only plain values (``per_page=50``, ``page=3&sort=title``) of a
        schema whose fields allow :class:`QuickQuery` is loaded by it directly; anything else, and
        every query it does not accept, by marshmallow as before (the same errors)."""
        if location == "query" and isinstance(argmap, type) and not kwargs.get("validate"):
            quick = self._quick.get(argmap)
            if quick is None:
                quick = self._quick[argmap] = QuickQuery(argmap)
            loaded = quick.load((req if req is not None else request).args)
            if loaded is not None:
                return loaded
        return super().parse(argmap, req, location=location, **kwargs)

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        """One instance per schema class, made once: webargs would build a new one (and deep-copy
        all its fields) on every request. Loading keeps no state on the instance."""
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()


def problem_doc(description: str) -> dict[str, Any]:
    """The arguments of ``@blp.alt_response(status, **problem_doc("…"))`` for an error this operation answers."""
    return {"schema": ProblemSchema, "content_type": PROBLEM_JSON, "description": description}


def json_response(data: Any, status: int = 200) -> Response:
    """``data`` as a JSON response, encoded by orjson, which writes datetimes (ISO 8601, as
    ``isoformat()`` does) and enums (their value) itself: for large lists of plain rows, where the
    standard encoder and a conversion per value took much of the request. Keys sorted, like
    Flask's own JSON responses."""
    return Response(orjson.dumps(data, option=orjson.OPT_SORT_KEYS), status=status, mimetype="application/json")


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class DateTime(ma.fields.AwareDateTime):
    """An ISO 8601 time with an offset, between 1970 and 2100 (no overflow at the edges)."""

    def __init__(self, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", None) or [])
        validators.append(ma.validate.Range(min=EARLIEST, max=LATEST,
                                            error="Kies een tijdstip tussen 1970 en 2100."))
        super().__init__(validate=validators, **kwargs)


class Boolean(ma.fields.Boolean):
    """A boolean in a JSON body: ``true`` or ``false`` and nothing else. marshmallow's own also
    takes "yes", "on", "0", 1 and the like, which the OpenAPI document (type boolean) does not
    allow and a client must not rely on: those are refused with 422."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if not isinstance(value, bool):  # a set {True} would still take 1 (1 == True)
            raise self.make_error("invalid", input=value)
        return value


class QueryBoolean(ma.fields.Boolean):
    """A boolean in the query string, where every value is text: exactly ``true`` or ``false``
    (as OpenAPI writes a boolean parameter); anything else is refused with 422."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={"true"}, falsy={"false"}, **kwargs)


def page_schema(item_schema: type[ma.Schema], name: str, **extra: ma.fields.Field[Any]) -> type[ma.Schema]:
    """An envelope ``{items, page, per_page, total}`` around a list of ``item_schema`` (plus ``extra``
    fields, and then ``total`` described by the extra's ``total``)."""
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "page": ma.fields.Integer(),
        "per_page": ma.fields.Integer(),
        "total": ma.fields.Integer(),
        **extra,
    })


__all__ = ["Api", "Blueprint", "Boolean", "DateTime", "PageArgs", "QueryBoolean", "json_refusal", "json_response",
           "page_schema", "problem", "problem_doc", "scan_json"]
