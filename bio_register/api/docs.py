"""The API reference page, rendered on the server from the OpenAPI document.

No Swagger UI from a CDN, no inline script: the page works offline and under a strict CSP.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from bio_register.extensions import api
from bio_register.pipeline import public

bp = Blueprint("api_docs", __name__, template_folder="templates")

METHODS = ("get", "post", "put", "patch", "delete")


@bp.route("/api/v1/docs")
@public
def docs() -> Any:
    spec = api.spec.to_dict()
    operations = []
    for path, item in sorted(spec.get("paths", {}).items()):
        shared_parameters = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                op = item[method]
                operations.append({
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "parameters": shared_parameters + op.get("parameters", []),
                    "request": op.get("requestBody"),
                    "responses": op.get("responses", {}),
                })
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template("api/docs.html", spec=spec, operations=operations, schemas=schemas)
