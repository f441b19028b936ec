"""Dutch only where Dutch is chosen (issue 19, item 9): the main pages of every role, rendered on
the server in ``nl``, contain none of a list of English words. Text marked ``lang="en"`` (the API
reference, the language switch), code and the organisation's own data are not the interface's
words and are skipped; a failure names the role, the page and the word."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from bio_register.compliance import catalogs as catalog_import
from bio_register.database import utcnow
from bio_register.demo.compliance import create_demo_assessments
from bio_register.extensions import db
from bio_register.reporting import services as reporting
from tests import factories
from tests.conftest import login

#: English words (whole words, case as written) that have no business on a Dutch page
ENGLISH = ("Submit", "Save", "Cancel", "Delete", "Edit", "Search", "Next", "Previous", "Loading", "Error",
           "withdrawn", "moved", "quarterly", "monthly", "report", "reports", "incidents", "measures",
           "assessment", "breach", "None", "True", "False", "Not a valid", "This field is required",
           "Contact with", "Information security", "Policies for", "scheduler")
PATTERN = re.compile(r"\b(" + "|".join(re.escape(word) for word in ENGLISH) + r")\b")

#: pages every role opens (those a role may not open answer 403 and are left out for it). Not the
#: audit log: it shows what was recorded, field names and stored values ("kind: quarterly"), as data.
PAGES = ("/", "/incidenten", "/incidenten/nieuw", "/incidenten/{incident}", "/incidenten/{datalek}",
         "/incidenten/{datalek}/datalek", "/datalekken", "/maatregelen", "/maatregelen/{measure}",
         "/compliance", "/compliance/DIE/BIO2-1.3", "/compliance/DIE/BIO2-1.3/vvt",
         "/compliance/DIE/BIO2-1.3/5.24", "/compliance/DIE/BIO-1.04", "/compliance/DIE/BIO-1.04/vvt",
         "/rapportages", "/jaarcijfers", f"/jaarcijfers?organisatie=DIE&jaar={utcnow().year}",
         "/beheer/planning", "/gebruikers", "/organisaties", "/organisaties/DIE",
         "/account", "/account/tokens", "/account/tweestapsverificatie", "/melden", "/melden/mijn-meldingen",
         "/melden/wat-en-waarom", "/api/v1/docs", "/verwerkingen", "/verwerkingen/{activity}", "/verwerkers",
         "/verwerkers/{processor}")
ROLES = (("verbindingsofficier", "DIE"), ("fg", "DUO"), ("ciso", "DUO"), ("concern_control", "DUO"),
         ("beheerder", "DUO"), ("medewerker", "DIE"))
SKIPPED = {"script", "style", "code", "pre", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _InterfaceText(HTMLParser):
    """The text a reader sees, without code, scripts and anything marked as another language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []    # per open element: is its content skipped?
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        skipped = (bool(self.stack) and self.stack[-1]) or tag in SKIPPED or \
            any(name == "lang" and value and not value.startswith("nl") for name, value in attrs)
        self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def interface_text(html: str) -> str:
    parser = _InterfaceText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_parser_skips_english_marked_text_and_code() -> None:
    text = interface_text('<p>Opslaan <span lang="en">Save <b>now</b></span> <code>None</code> klaar</p>')
    assert text == "Opslaan klaar"


@pytest.fixture
def world() -> dict[str, int]:
    catalog_import.import_all(actor_label="test")
    for code in ("DUO", "DIE", "OA", "UIT"):
        factories.organisation(code)
    ciso = factories.user([("ciso", "DUO")], email="ciso.setup@example.nl")
    create_demo_assessments([factories.organisation("DIE")], ciso, now=utcnow())
    incident = factories.incident("DIE")
    datalek = factories.incident("DIE", is_datalek=True, title="Brief met BSN naar verkeerd adres")
    factories.assess(datalek)
    measure = factories.measure("DIE")
    processor = factories.processor("DIE")
    activity = factories.processing_activity("DIE", processors=[processor.id], special_categories=["gezondheid"],
                                             art9_ground="zorg")
    reporting.generate("quarterly", reporting.previous_period("quarterly", utcnow()).label, "DIE",
                       actor_label="test", now=utcnow())
    reporting.generate("monthly", reporting.previous_period("monthly", utcnow()).label, "DIE",
                       actor_label="test", now=utcnow())
    db.session.commit()
    return {"incident": incident.id, "datalek": datalek.id, "measure": measure.id, "activity": activity.id,
            "processor": processor.id}


@pytest.mark.parametrize(("role", "code"), ROLES)
def test_main_pages_contain_no_english_words(client: FlaskClient, world: dict[str, int], role: str,
                                             code: str) -> None:
    user = factories.user([(role, code)], name="Sanne de Boer")
    login(client, user.email, factories.PASSWORD)
    found: list[str] = []
    scanned = []
    for path in PAGES:
        url = path.format(**world)
        response = client.get(url, headers={"Accept-Language": "nl"})
        if response.status_code in (403, 404):
            continue
        assert response.status_code == 200, (role, url, response.status_code)
        scanned.append(url)
        text = interface_text(response.get_data(as_text=True))
        for markup in ("<a ", "<strong", "<em>", "<br"):   # HTML in a message, shown as text
            if markup in text:
                found.append(f"{role} {url}: markup shown as text: {markup!r}")
        for match in PATTERN.finditer(text):
            context = text[max(0, match.start() - 50):match.end() + 50]
            found.append(f"{role} {url}: {match.group(0)!r} in …{context}…")
    assert len(scanned) >= 5, (role, scanned)
    assert not found, "\n".join(found)
