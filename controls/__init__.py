"""BIO control catalogs (BIO 1.04 and BIO2) and the ISO/IEC 27002:2013 → 2022 correspondence.

Plain data and a loader, no Flask: ``load_catalog("BIO2-1.3")``, ``available_catalogs()``,
``load_mapping()``. See ``controls/README.md`` for the format and the sources.
"""

from controls.loader import (
    CATEGORIES,
    Catalog,
    CatalogError,
    Control,
    Group,
    Mapping,
    Measure,
    SourceRef,
    available_catalogs,
    load_catalog,
    load_mapping,
    read_catalog_file,
)

__all__ = [
    "CATEGORIES",
    "Catalog",
    "CatalogError",
    "Control",
    "Group",
    "Mapping",
    "Measure",
    "SourceRef",
    "available_catalogs",
    "load_catalog",
    "load_mapping",
    "read_catalog_file",
]
