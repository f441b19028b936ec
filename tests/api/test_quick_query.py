"""The quick path for plain query strings (``api.base.QuickQuery``): what it loads is exactly what
marshmallow loads, and every query it does not take goes to marshmallow, with marshmallow's errors."""

from __future__ import annotations

import marshmallow as ma
import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from bio_register.api.base import PageArgs, QuickQuery
from bio_register.incidents.schemas import IncidentListArgs
from tests import factories
from tests.api.test_api_base import assert_problem, bearer

QUERIES = [
    "", "per_page=50", "page=3&per_page=100", "sort=title&order=asc", "per_page=1&page=1000000",
    "per_page=0", "per_page=101", "page=0", "page=1000001", "per_page=050", "per_page=+5", "per_page= 5",
    "per_page=5.0", "per_page=٥", "per_page=", "per_page=1&per_page=2", "sort=nonsense", "order=DESC",
    "sort=title&sort=status", "status=nieuw", "open=true", "q=phishing", "unknown=1", "cursor=abc",
    "per_page=99999999999999999999",
]


def _marshmallow(schema_class: type[ma.Schema], args: MultiDict[str, str]) -> dict | None:
    schema = schema_class()
    single = {name: values[0] for name, values in args.lists()}
    if any(len(values) > 1 for _name, values in args.lists()):
        return None  # not compared: the quick path never takes a repeated parameter
    try:
        return schema.load(single)
    except ma.ValidationError:
        return None


@pytest.mark.parametrize("schema_class", [IncidentListArgs, PageArgs])
@pytest.mark.parametrize("query", QUERIES)
def test_the_quick_path_loads_what_marshmallow_loads_or_leaves_it(schema_class: type[ma.Schema], query: str) -> None:
    from urllib.parse import parse_qsl

    args = MultiDict(parse_qsl(query, keep_blank_values=True))
    quick = QuickQuery(schema_class).load(args)
    if quick is not None:
        assert quick == _marshmallow(schema_class, args)


@pytest.mark.parametrize("query", ["", "per_page=50", "page=2&per_page=10&sort=reference&order=asc"])
def test_the_plain_queries_of_the_list_take_the_quick_path(query: str) -> None:
    from urllib.parse import parse_qsl

    assert QuickQuery(IncidentListArgs).load(MultiDict(parse_qsl(query))) is not None


def test_a_schema_with_a_required_field_never_takes_the_quick_path() -> None:
    class Required(ma.Schema):
        catalog = ma.fields.String(required=True)
        per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))

    assert QuickQuery(Required).load(MultiDict([("per_page", "5")])) is None


def test_a_schema_with_hooks_never_takes_the_quick_path() -> None:
    class Hooked(ma.Schema):
        per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))

        @ma.post_load
        def double(self, data: dict, **_kwargs: object) -> dict:
            return {**data, "per_page": data["per_page"] * 2}

    assert QuickQuery(Hooked).load(MultiDict([("per_page", "5")])) is None


@pytest.mark.parametrize(("query", "field"), [("per_page=101", "per_page"), ("per_page=0", "per_page"),
                                              ("page=abc", "page"),
                                              ("sort=nonsense", "sort"), ("order=DESC", "order"),
                                              ("bogus=1", "bogus")])
def test_what_the_quick_path_leaves_is_refused_by_marshmallow_as_before(client: FlaskClient, query: str,
                                                                        field: str) -> None:
    headers = bearer(factories.token(factories.user([("verbindingsofficier", "DIE")])))
    body = assert_problem(client.get(f"/api/v1/incidents?{query}", headers=headers), 422)
    assert field in body["errors"], body


def test_the_list_answers_a_plain_query_as_marshmallow_would(client: FlaskClient) -> None:
    headers = bearer(factories.token(factories.user([("verbindingsofficier", "DIE")])))
    for i in range(3):
        factories.incident(title=f"Incident {i}")
    body = client.get("/api/v1/incidents?per_page=2&sort=title&order=asc", headers=headers).get_json()
    assert [i["title"] for i in body["items"]] == ["Incident 0", "Incident 1"]
    assert (body["page"], body["per_page"], body["total"]) == (1, 2, 3)


def test_a_callable_default_is_made_anew_for_each_load() -> None:
    """As marshmallow does: a default such as ``list`` gives each request its own value, never one
    shared object that a view could change for the next request."""
    import marshmallow as ma

    class WithList(ma.Schema):
        per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))
        tags = ma.fields.List(ma.fields.String(), load_default=list)

    quick = QuickQuery(WithList)
    first, second = quick.load(MultiDict([("per_page", "5")])), quick.load(MultiDict())
    assert first == {"per_page": 5, "tags": []} and second == {"per_page": 25, "tags": []}
    assert first["tags"] is not second["tags"]
