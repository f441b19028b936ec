"""The API reference page, rendered on the server from the OpenAPI document.

No Swagger UI from a CDN, no inline script: the page works offline and under a strict CSP.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template
from markupsafe import Markup, escape

from bio_register.extensions import api
from bio_register.pipeline import public

bp = Blueprint("api_docs", __name__, template_folder="templates")

METHODS = ("get", "post", "put", "patch", "delete")
#: inline code in the docstrings the OpenAPI document is made from: ``rst`` or `markdown`
CODE_SPAN = re.compile(r"``(.+?)``|`(.+?)`")


@bp.app_template_filter("code_spans")
def code_spans(text: str | None) -> Markup:
    """Text with its inline code (``x`` or `x`) shown as <code>: everything else is escaped, so a
    description can never inject markup. The only Markdown the descriptions use."""
    out, last = [], 0
    source = text or ""
    for match in CODE_SPAN.finditer(source):
        out.append(escape(source[last:match.start()]))
        out.append(Markup("<code>%s</code>") % (match.group(1) or match.group(2)))
        last = match.end()
    out.append(escape(source[last:]))
    return Markup("").join(out)


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
