"""Controls for the measure tests, inserted directly (the catalog importer lives elsewhere)."""

from __future__ import annotations

import pytest

from bio_register.compliance.models import Control, ControlCatalog, ControlKind
from bio_register.extensions import db

CATALOG = "BIO2-T"


def add_controls(key: str = CATALOG, codes: tuple[str, ...] = ("5.24", "5.24.03", "5.25")) -> dict[str, Control]:
    """A small catalog with a few controls (``x.y``) and overheidsmaatregelen (``x.y.z``), committed."""
    catalog = ControlCatalog(key=key, name=f"Testcatalogus {key}", version="1.0")
    db.session.add(catalog)
    controls = {}
    for code in codes:
        group = code.split(".")[0]
        controls[code] = Control(
            catalog=catalog, code=code, kind=ControlKind.MEASURE if code.count(".") == 2 else ControlKind.CONTROL,
            parent_code=code.rsplit(".", 1)[0] if code.count(".") == 2 else None, group_code=group,
            group_title_nl="Organisatorische beheersmaatregelen", title_nl=f"Beheersmaatregel {code}",
            sort_key=".".join(part.zfill(3) for part in code.split(".")),
        )
        db.session.add(controls[code])
    db.session.commit()
    return controls


@pytest.fixture
def controls() -> dict[str, Control]:
    return add_controls()
