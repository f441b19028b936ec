"""Every role × every route: the status code each one gets.

Adding a route without adding it here fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.extensions import db
from bio_register.incidents.models import Incident
from bio_register.permissions import ROLE_PERMISSIONS, Permission, Role
from tests import factories
from tests.conftest import csrf_token, session_login

ROLES = {
    "anonymous": None,
    "no_role": [],
    "verbindingsofficier": [("verbindingsofficier", "DIE")],
    "fg": [("fg", "DIE")],
    "ciso": [("ciso", "DIE")],
    "concern_control": [("concern_control", "DUO")],
    "beheerder": [("beheerder", "DUO")],
    "medewerker": [("medewerker", "DIE")],
}
#: the roles whose statuses each MATRIX row lists, in this order
ORDER = [role for role in ROLES if role != "medewerker"]

NEW_INCIDENT = {"organisation": "DIE", "title": "T", "description": "D",
                "discovered_at": "2026-11-01T10:00:00+01:00", "is_datalek": False}
BODIES = {
    ("PATCH", "/api/v1/me"): {"name": "Nieuwe Naam"},
    ("POST", "/api/v1/reports"): {"kind": "monthly", "period": "2026-10", "scope": "DIE"},
    ("POST", "/api/v1/organisations/DIE/assessments"): {"catalog": "BIO2-1.3", "control": "5.24.01",
                                                       "applicable": True, "status": "volledig"},
    ("POST", "/api/v1/incidents"): NEW_INCIDENT,
    ("POST", "/api/v1/organisations/DIE/carry-over"): {"from": "BIO2-1.3", "to": "BIO2-1.3"},
    ("POST", "/api/v1/organisations/UIT/carry-over"): {"from": "BIO2-1.3", "to": "BIO2-1.3"},
    ("POST", "/api/v1/organisations/DIE/proposals"): {"catalog": "BIO2-1.3", "control": "5.24.01",
                                                     "decision": "confirm"},
    ("PATCH", "/api/v1/incidents/{die}"): {"version": 1, "title": "Nieuwe titel"},
    ("POST", "/api/v1/incidents/{die}/status"): {"status": "in_behandeling", "version": 1},
    ("POST", "/api/v1/incidents/{die}/timeline"): {"kind": "actie", "text": "Gebeld"},
    ("PUT", "/api/v1/incidents/{dlk}/breach"): {"aware_at": "2026-11-01T10:00:00+01:00"},
    ("POST", "/api/v1/incidents/{dlk}/ap-decisions"): {"notify": False, "motivation": "Geen risico voor betrokkenen"},
    ("POST", "/api/v1/incidents/{dlk}/ap-notifications"): {"kind": "initial", "meldnummer": "M-1",
                                                          "submitted_at": "2026-11-01T12:00:00+01:00"},
    ("POST", "/api/v1/incidents/{dlk}/data-subject-notification"): {"notify": True},
    ("PUT", "/api/v1/incidents/{dlk}/ap-form"): {"contact_name": "Fenna de Vries", "subjects_min": 1,
                                                "subjects_max": 10},
    ("PATCH", "/api/v1/incidents/{dlk}/ap-form"): {"own_severity": "hoog"},
    ("PATCH", "/api/v1/incidents/{uitdlk}/ap-form"): {"own_severity": "hoog"},
    ("POST", "/api/v1/incidents/{dlk}/ap-correspondence"): {"kind": "vraag_ap", "text": "Vraag van de AP",
                                                           "occurred_at": "2026-11-02T12:00:00+01:00"},
    ("POST", "/api/v1/incidents/{uitdlk}/ap-correspondence"): {"kind": "vraag_ap", "text": "Vraag van de AP",
                                                              "occurred_at": "2026-11-02T12:00:00+01:00"},
    ("POST", "/api/v1/incidents/{dlk}/cbw-reports"): {"phase": "early_warning",
                                                     "submitted_at": "2026-11-01T12:00:00+01:00"},
    ("PATCH", "/api/v1/incidents/{dlk}/cbw-reports/content/early_warning"): {"malicious_suspected": True},
    ("POST", "/api/v1/incidents/{dlk}/cbw-reports/significance"): {"answers": {
        "severe_disruption": True, "financial_loss": False, "damage_to_others": False}},
    ("POST", "/api/v1/incidents/{dlk}/cbw-reports/ibd-copies"): {"sent_at": "2026-11-01T12:00:00+01:00"},
    ("POST", "/api/v1/measures"): {"organisation": "DIE", "title": "MFA op VPN"},
    ("PATCH", "/api/v1/measures/{msr}"): {"version": 1, "title": "Nieuwe titel"},
    ("DELETE", "/api/v1/incidents/{die}/attachments/{att}"): {"reason": "Verkeerd bestand"},
    ("DELETE", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/attachments/{catt}"): {"reason": "Oud"},
    ("POST", "/api/v1/measures/{msr}/status"): {"status": "in_uitvoering", "version": 1},
    ("POST", "/api/v1/organisations"): {"code": "NIEUW", "name": "Nieuwe organisatie", "parent": "DIE"},
    ("PATCH", "/api/v1/organisations/DIE"): {"name": "Gemeente Diemen (nieuw)"},
    ("PATCH", "/api/v1/organisations/UIT"): {"name": "Gemeente Uithoorn (nieuw)"},
    ("POST", "/api/v1/users"): {"email": "nieuw@example.nl", "name": "Nieuwe Collega",
                                "memberships": [{"organisation": "DIE", "role": "verbindingsofficier"}]},
    ("PATCH", "/api/v1/users/{uid}"): {"name": "Nieuwe Naam"},
    ("POST", "/api/v1/users/{uid}/memberships"): {"organisation": "DIE", "role": "ciso"},
    ("POST", "/api/v1/incident-reports"): {"organisation": "DIE", "description": "Verdachte mail geopend",
                                          "personal_data": "nee"},
    ("POST", "/api/v1/organisations/DIE/processing-activities"): {"name": "Jeugdhulp", "purpose": "Toegang",
                                                                 "legal_basis": "wettelijke_verplichting"},
    ("PATCH", "/api/v1/organisations/DIE/processing-activities/{pa}"): {"version": 1, "name": "Nieuwe naam"},
    ("POST", "/api/v1/organisations/DIE/processors"): {"name": "Centric"},
    ("POST", "/api/v1/organisations/DIE/breach-templates"): {"name": "Brief naar verkeerd adres"},
    ("POST", "/api/v1/organisations/DIE/breach-templates/{tpl}/incidents"): {},
    ("POST", "/api/v1/organisations/DIE/breach-templates/{uittpl}/incidents"): {},
    ("PATCH", "/api/v1/organisations/DIE/processors/{vw}"): {"version": 1, "name": "Nieuwe naam"},
    ("POST", "/api/v1/organisations/DIE/findings"): {"source": "it_audit", "found_on": "2026-10-01",
                                                    "title": "Geen MFA", "severity": "hoog"},
    ("PATCH", "/api/v1/findings/{fnd}"): {"version": 1, "title": "Nieuwe titel"},
    # a literal public address: no DNS lookup in the test
    ("POST", "/api/v1/organisations/DIE/webhooks"): {"url": "https://93.184.216.34/bio", "events": ["incident.logged"]},
    ("PUT", "/api/v1/organisations/DIE/playbooks/phishing"): {"steps": ["Meld de mail bij de servicedesk"]},
    ("PUT", "/api/v1/organisations/UIT/playbooks/phishing"): {"steps": ["Meld de mail bij de servicedesk"]},
    ("POST", "/api/v1/incidents/{die}/playbook"): {"category": "phishing"},
    ("POST", "/api/v1/incidents/{dlk}/playbook"): {"category": "email_verkeerde_ontvanger"},
    ("POST", "/api/v1/incidents/{uit}/playbook"): {"category": "phishing"},
    ("PATCH", "/api/v1/incidents/{die}/tasks"): {"tasks": [{"id": 999999, "state": "gedaan"}]},
    ("PATCH", "/api/v1/incidents/{dlk}/tasks"): {"tasks": [{"id": 999999, "state": "gedaan"}]},
    ("PATCH", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/evidence/{cev}"): {"owner_name": "F. de Vries"},
    ("PATCH", "/api/v1/organisations/UIT/assessments/BIO2-1.3/5.24.01/evidence/{uitcev}"): {"owner_name": "F. Jansen"},
}

#: multipart uploads: (method, path) → the file sent as the part "file"
FILES = {
    ("POST", "/api/v1/incidents/{die}/attachments"): ("bewijs.pdf", factories.PDF_BYTES),
    ("POST", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/attachments"): ("beleid.pdf",
                                                                                       factories.PDF_BYTES),
}

# (method, path, endpoint) → status per role, in ORDER; {die} and {uit} are incidents of those,
# {msr} and {uitmsr} measures
#                                            anon no_role vo   fg   ciso  cc   beh
MATRIX: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("GET", "/", "main.home",                      (302, 200, 200, 200, 200, 200, 200)),
    ("GET", "/health", "main.health",              (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/health/ready", "ops.ready",          (200, 200, 200, 200, 200, 200, 200)),
    # only with BIO_REGISTER_METRICS_TOKEN or from a METRICS_ALLOW address (tests/test_observability.py);
    # anyone else, any method: the 404 of an unknown URL
    ("GET", "/metrics", "ops.metrics",             (404, 404, 404, 404, 404, 404, 404)),
    ("POST", "/metrics", "ops.metrics",            (404, 404, 404, 404, 404, 404, 404)),
    ("PUT", "/metrics", "ops.metrics",             (404, 404, 404, 404, 404, 404, 404)),
    ("PATCH", "/metrics", "ops.metrics",           (404, 404, 404, 404, 404, 404, 404)),
    ("DELETE", "/metrics", "ops.metrics",          (404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/login", "accounts.login",            (200, 302, 302, 302, 302, 302, 302)),
    # Single sign-on is off unless configured; with a provider: tests/sso/test_oidc_login.py
    ("GET", "/login/oidc", "sso.start",            (404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/login/oidc/callback", "sso.callback", (404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/account", "accounts.account",        (302, 200, 200, 200, 200, 200, 200)),
    ("GET", "/account/password", "accounts.change_password", (302, 200, 200, 200, 200, 200, 200)),
    ("GET", "/account/tokens", "accounts.tokens",  (302, 200, 200, 200, 200, 200, 200)),
    # no pending login: back to /login; logged in: to the start page
    ("GET", "/login/totp", "accounts.login_totp",  (302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/login/totp/instellen", "accounts.login_enrol", (302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/account/tweestapsverificatie", "accounts.two_factor_page", (302, 200, 200, 200, 200, 200, 200)),
    # fg and beheerder have TOTP on already (required): the enrolment page sends them back
    ("GET", "/account/tweestapsverificatie/instellen", "accounts.two_factor_enrol",
                                                   (302, 200, 200, 302, 200, 200, 302)),
    ("GET", "/organisaties", "organisations.index", (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/organisaties/DIE", "organisations.detail", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/organisaties/UIT", "organisations.detail", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/incidenten", "incidents.index",      (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/export.csv", "incidents.export", (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/nieuw", "incidents.create", (302, 403, 200, 403, 403, 403, 403)),
    ("POST", "/incidenten/nieuw", "incidents.create", (302, 403, 422, 403, 403, 403, 403)),
    ("GET", "/incidenten/importeren", "imports.upload", (302, 403, 200, 403, 403, 403, 403)),
    ("POST", "/incidenten/importeren", "imports.upload", (302, 403, 422, 403, 403, 403, 403)),
    # {pnd}: an upload of the caller's own in DIE (anyone else's: tests/imports/test_views.py); only a
    # writer there may continue it, to everyone else it does not exist
    ("GET", "/incidenten/importeren/{pnd}/kolommen", "imports.columns", (302, 404, 200, 404, 404, 404, 404)),
    ("POST", "/incidenten/importeren/{pnd}/kolommen", "imports.columns", (302, 404, 302, 404, 404, 404, 404)),
    ("GET", "/incidenten/importeren/{pnd}/controle", "imports.check", (302, 404, 200, 404, 404, 404, 404)),
    ("POST", "/incidenten/importeren/{pnd}/importeren", "imports.run", (302, 404, 200, 404, 404, 404, 404)),
    ("GET", "/incidenten/{die}", "incidents.detail", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/{uit}", "incidents.detail", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/incidenten/{die}/bewerken", "incidents.edit", (302, 404, 200, 403, 403, 403, 403)),
    ("POST", "/incidenten/{die}/bewerken", "incidents.edit", (302, 404, 422, 403, 403, 403, 403)),
    ("POST", "/incidenten/{die}/status", "incidents.change_status", (302, 404, 302, 403, 403, 403, 403)),
    ("POST", "/incidenten/{die}/tijdlijn", "incidents.add_entry", (302, 404, 422, 422, 422, 403, 403)),
    ("GET", "/api/v1/incidents", "incidents_api.list_incidents", (401, 403, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/incidents", "incidents_api.create_incident", (401, 403, 201, 403, 403, 403, 403)),
    ("GET", "/api/v1/incidents/{die}", "incidents_api.get_incident", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{uit}", "incidents_api.get_incident", (401, 404, 404, 404, 404, 200, 200)),
    ("PATCH", "/api/v1/incidents/{die}", "incidents_api.patch_incident", (401, 404, 200, 403, 403, 403, 403)),
    ("POST", "/api/v1/incidents/{die}/status", "incidents_api.change_status",
                                                   (401, 404, 200, 403, 403, 403, 403)),
    ("GET", "/api/v1/incidents/{die}/timeline", "incidents_api.get_timeline",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/incidents/{die}/timeline", "incidents_api.add_timeline_entry",
                                                   (401, 404, 201, 201, 201, 403, 403)),
    ("GET", "/compliance", "compliance.index",    (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/compliance/DIE/BIO2-1.3", "compliance.overview", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/compliance/UIT/BIO2-1.3", "compliance.overview", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/compliance/DIE/BIO2-1.3/chart.svg", "compliance.chart", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/compliance/DIE/BIO2-1.3/vvt", "compliance.soa", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/compliance/UIT/BIO2-1.3/vvt", "compliance.soa", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/compliance/DIE/BIO2-1.3/vvt.xlsx", "compliance.soa_export", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/compliance/DIE/BIO2-1.3/5.24.01", "compliance.control", (302, 404, 200, 200, 200, 200, 200)),
    # the ENSIA werkbestand: whoever reads the organisation's compliance (the year: tests/reporting/test_ensia.py)
    ("GET", "/compliance/DIE/BIO2-1.3/ensia.xlsx?jaar=2025", "compliance.ensia_export",
                                                   (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/compliance/UIT/BIO2-1.3/ensia.xlsx?jaar=2025", "compliance.ensia_export",
                                                   (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/api/v1/organisations/DIE/ensia?year=2025", "accountability_api.get_ensia",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/ensia?year=2025", "accountability_api.get_ensia",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    # "Catalogus bijwerken" (no earlier BIO2 version is shipped: the page says so; the API refuses, 422)
    ("GET", "/compliance/DIE/BIO2-1.3/bijwerken", "compliance.update", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/compliance/UIT/BIO2-1.3/bijwerken", "compliance.update", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/api/v1/catalogs/BIO2-1.3/diff", "catalogs_api.catalog_diff", (401, 403, 422, 422, 422, 422, 422)),
    # the CISO: no earlier BIO2 version to carry from (422), no proposal to decide on (409)
    ("POST", "/api/v1/organisations/DIE/carry-over", "compliance_api.carry_over",
                                                   (401, 404, 403, 403, 422, 403, 403)),
    ("POST", "/api/v1/organisations/UIT/carry-over", "compliance_api.carry_over",
                                                   (401, 404, 404, 404, 404, 403, 403)),
    ("POST", "/api/v1/organisations/DIE/proposals", "compliance_api.decide_proposal",
                                                   (401, 404, 403, 403, 409, 403, 403)),
    ("GET", "/api/v1/catalogs", "catalogs_api.list_catalogs", (401, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/catalogs/BIO2-1.3/controls", "catalogs_api.list_controls",
                                                   (401, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/DIE/assessments?catalog=BIO2-1.3", "compliance_api.list_assessments",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/organisations/DIE/assessments", "compliance_api.create_assessment",
                                                   (401, 404, 403, 403, 201, 403, 403)),
    ("GET", "/api/v1/organisations/UIT/compliance?catalog=BIO2-1.3", "compliance_api.get_compliance",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("GET", "/rapportages", "reporting.index",     (302, 403, 403, 403, 200, 200, 200)),
    ("POST", "/rapportages", "reporting.generate", (302, 403, 403, 403, 403, 302, 403)),
    ("GET", "/rapportages/{rep}.pdf", "reporting.download", (302, 404, 404, 404, 200, 200, 200)),
    ("GET", "/rapportages/{allrep}.pdf", "reporting.download", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/jaarcijfers?organisatie=DIE&jaar=2026", "reporting.annual", (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/beheer/planning", "reporting.schedules", (302, 403, 403, 403, 403, 403, 200)),
    ("GET", "/beheer/auditlog", "audit.index", (302, 403, 403, 403, 403, 403, 200)),
    ("GET", "/beheer/auditlog?entity=incident&entity_id={die}", "audit.index", (302, 403, 403, 403, 403, 403, 200)),
    ("GET", "/beheer/auditlog/export.csv", "audit.export", (302, 403, 403, 403, 403, 403, 200)),
    ("GET", "/api/v1/audit-events", "audit_api.list_events", (401, 403, 403, 403, 403, 403, 200)),
    ("GET", "/api/v1/audit-events?organisation=UIT", "audit_api.list_events", (401, 403, 403, 403, 403, 403, 200)),
    ("GET", "/api/v1/reports", "reports_api.list_reports", (401, 403, 403, 403, 200, 200, 200)),
    ("POST", "/api/v1/reports", "reports_api.create_report", (401, 403, 403, 403, 403, 201, 403)),
    ("GET", "/api/v1/reports/{rep}", "reports_api.get_report", (401, 404, 404, 404, 200, 200, 200)),
    ("GET", "/api/v1/reports/{rep}/pdf", "reports_api.get_report_pdf", (401, 404, 404, 404, 200, 200, 200)),
    ("GET", "/api/v1/organisations/DIE/annual-figures?year=2026", "annual_figures_api.annual_figures",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    # the jaarverslag paragraph: who reads the incidents (and so the compliance, findings and maatregelen)
    ("GET", "/api/v1/organisations/DIE/annual-report-paragraph?year=2025",
     "accountability_api.get_annual_report_paragraph", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/annual-report-paragraph?year=2025",
     "accountability_api.get_annual_report_paragraph", (401, 404, 404, 404, 404, 200, 200)),
    ("GET", "/datalekken", "breaches.overview",    (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/datalekken/register.csv", "breaches.register_export", (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/datalekken/register.pdf?organisation=UIT&year=2026", "breaches.register_export",
                                                   (302, 403, 404, 404, 404, 200, 200)),
    ("GET", "/datalekken?organisation=UIT&stand=te_laat&q=lek&sort=gemeld", "breaches.overview",
                                                   (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/{dlk}/datalek", "breaches.detail", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/{uitdlk}/datalek", "breaches.detail", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/meldingen", "breaches.notices",      (302, 200, 200, 200, 200, 200, 200)),
    ("POST", "/meldingen", "breaches.notices",     (302, 302, 302, 302, 302, 302, 302)),
    # the datalek's forms: who may not act gets 403 before the (empty, so invalid: 422) form is read
    ("POST", "/incidenten/{dlk}/datalek/beoordeling", "breaches.save_assessment",
                                                   (302, 404, 403, 422, 403, 403, 403)),
    ("POST", "/incidenten/{dlk}/datalek/besluit", "breaches.decide", (302, 404, 403, 422, 403, 403, 403)),
    ("POST", "/incidenten/{dlk}/datalek/vastleggen", "breaches.save_all", (302, 404, 403, 422, 403, 403, 403)),
    ("POST", "/incidenten/{uitdlk}/datalek/besluit", "breaches.decide", (302, 404, 404, 404, 404, 403, 403)),
    ("POST", "/incidenten/{dlk}/datalek/ap-melding", "breaches.record_notification",
                                                   (302, 404, 403, 422, 403, 403, 403)),
    ("POST", "/incidenten/{dlk}/datalek/betrokkenen", "breaches.decide_subjects",
                                                   (302, 404, 403, 422, 403, 403, 403)),
    ("POST", "/incidenten/{dlk}/cbw", "breaches.record_cbw", (302, 404, 403, 403, 422, 403, 403)),
    ("GET", "/api/v1/incidents/{dlk}/breach", "breaches_api.get_breach", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{uitdlk}/breach", "breaches_api.get_breach", (401, 404, 404, 404, 404, 200, 200)),
    ("PUT", "/api/v1/incidents/{dlk}/breach", "breaches_api.put_breach", (401, 404, 403, 200, 403, 403, 403)),
    # the verwerkingen a datalek affected and their proposal; templates for recurring datalekken (issue 20):
    # the FG and verbindingsofficier link and keep templates, whoever reads datalekken reads them
    ("GET", "/api/v1/incidents/{dlk}/breach/proposal", "breaches_api.get_proposal",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{uitdlk}/breach/proposal", "breaches_api.get_proposal",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("POST", "/incidenten/{dlk}/datalek/verwerkingen", "breaches.link_activities",
                                                   (302, 404, 302, 302, 403, 403, 403)),
    ("POST", "/incidenten/{uitdlk}/datalek/verwerkingen", "breaches.link_activities",
                                                   (302, 404, 404, 404, 404, 403, 403)),
    ("POST", "/incidenten/{dlk}/datalek/sjabloon", "breaches.save_template",
                                                   (302, 404, 422, 422, 403, 403, 403)),
    ("GET", "/datalekken/sjablonen", "breach_templates.index", (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/datalekken/sjablonen/{tpl}/nieuw", "breach_templates.new_datalek",
                                                   (302, 404, 200, 200, 403, 403, 403)),
    ("POST", "/datalekken/sjablonen/{tpl}/nieuw", "breach_templates.new_datalek",
                                                   (302, 404, 422, 422, 403, 403, 403)),
    ("GET", "/datalekken/sjablonen/{uittpl}/nieuw", "breach_templates.new_datalek",
                                                   (302, 404, 404, 404, 404, 403, 403)),
    ("POST", "/datalekken/sjablonen/{tpl}/archiveren", "breach_templates.archive",
                                                   (302, 404, 302, 302, 403, 403, 403)),
    ("GET", "/api/v1/organisations/DIE/breach-templates", "breach_templates_api.list_templates",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/breach-templates", "breach_templates_api.list_templates",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("POST", "/api/v1/organisations/DIE/breach-templates", "breach_templates_api.create_template",
                                                   (401, 404, 201, 201, 403, 403, 403)),
    ("POST", "/api/v1/organisations/DIE/breach-templates/{tpl}/incidents", "breach_templates_api.create_from_template",
                                                   (401, 404, 201, 201, 403, 403, 403)),
    ("POST", "/api/v1/organisations/DIE/breach-templates/{uittpl}/incidents",
     "breach_templates_api.create_from_template",  (401, 404, 404, 404, 404, 404, 404)),
    # playbooks (issue 22): whoever reads incidents reads them; the beheerder and the CISO keep them;
    # the verbindingsofficier applies and ticks them on any incident, the FG on datalekken only
    ("GET", "/draaiboeken", "playbooks.index",     (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/draaiboeken/DIE/phishing", "playbooks.edit", (302, 404, 403, 403, 200, 403, 200)),
    ("POST", "/draaiboeken/DIE/phishing", "playbooks.edit", (302, 404, 403, 403, 302, 403, 302)),
    ("GET", "/draaiboeken/UIT/phishing", "playbooks.edit", (302, 404, 404, 404, 404, 403, 200)),
    ("POST", "/draaiboeken/DIE/phishing/standaard", "playbooks.reset", (302, 404, 403, 403, 302, 403, 302)),
    ("POST", "/incidenten/{die}/draaiboek", "playbooks.apply", (302, 404, 302, 403, 403, 403, 403)),
    ("POST", "/incidenten/{dlk}/draaiboek", "playbooks.apply", (302, 404, 302, 302, 403, 403, 403)),
    ("POST", "/incidenten/{uit}/draaiboek", "playbooks.apply", (302, 404, 404, 404, 404, 403, 403)),
    # no such step: 422 for who handles the incident
    ("POST", "/incidenten/{die}/stappen/999999", "playbooks.set_state", (302, 404, 422, 403, 403, 403, 403)),
    ("POST", "/incidenten/{dlk}/stappen/999999", "playbooks.set_state", (302, 404, 422, 422, 403, 403, 403)),
    ("GET", "/api/v1/organisations/DIE/playbooks", "playbooks_api.list_playbooks",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/playbooks", "playbooks_api.list_playbooks",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("PUT", "/api/v1/organisations/DIE/playbooks/phishing", "playbooks_api.put_playbook",
                                                   (401, 404, 403, 403, 200, 403, 200)),
    ("PUT", "/api/v1/organisations/UIT/playbooks/phishing", "playbooks_api.put_playbook",
                                                   (401, 404, 404, 404, 404, 403, 200)),
    ("POST", "/api/v1/incidents/{die}/playbook", "incident_tasks_api.apply_playbook",
                                                   (401, 404, 201, 403, 403, 403, 403)),
    ("POST", "/api/v1/incidents/{dlk}/playbook", "incident_tasks_api.apply_playbook",
                                                   (401, 404, 201, 201, 403, 403, 403)),
    ("POST", "/api/v1/incidents/{uit}/playbook", "incident_tasks_api.apply_playbook",
                                                   (401, 404, 404, 404, 404, 403, 403)),
    ("GET", "/api/v1/incidents/{die}/tasks", "incident_tasks_api.list_tasks", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{uit}/tasks", "incident_tasks_api.list_tasks", (401, 404, 404, 404, 404, 200, 200)),
    ("PATCH", "/api/v1/incidents/{die}/tasks", "incident_tasks_api.patch_tasks",
                                                   (401, 404, 422, 403, 403, 403, 403)),
    ("PATCH", "/api/v1/incidents/{dlk}/tasks", "incident_tasks_api.patch_tasks",
                                                   (401, 404, 422, 422, 403, 403, 403)),
    ("GET", "/api/v1/incidents/{dlk}/ap-decisions", "breaches_api.list_decisions",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/incidents/{dlk}/ap-decisions", "breaches_api.create_decision",
                                                   (401, 404, 403, 201, 403, 403, 403)),
    ("GET", "/api/v1/incidents/{dlk}/ap-notifications", "breaches_api.list_notifications",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/incidents/{dlk}/ap-notifications", "breaches_api.create_notification",
                                                   (401, 404, 403, 422, 403, 403, 403)),
    ("GET", "/api/v1/incidents/{dlk}/data-subject-notification", "breaches_api.list_subject_decisions",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/incidents/{dlk}/data-subject-notification", "breaches_api.create_subject_decision",
                                                   (401, 404, 403, 201, 403, 403, 403)),
    ("GET", "/api/v1/incidents/{dlk}/cbw-reports", "breaches_api.list_cbw_reports",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/incidents/{dlk}/cbw-reports", "breaches_api.create_cbw_report",
                                                   (401, 404, 403, 403, 422, 403, 403)),
    # the AP meldformulier (issue 20): the FG fills it in (breach:assess, as the assessment), the
    # correspondence with the AP is the FG's (breach:decide); whoever reads the datalek reads both
    ("POST", "/incidenten/{dlk}/datalek/ap-antwoorden", "breaches.save_ap_form",
                                                   (302, 404, 403, 302, 403, 403, 403)),
    ("POST", "/incidenten/{uitdlk}/datalek/ap-antwoorden", "breaches.save_ap_form",
                                                   (302, 404, 404, 404, 404, 403, 403)),
    # empty: no date (422); with one, before any AP-melding: 422 as well (tests/breaches/test_ap_form.py)
    ("POST", "/incidenten/{dlk}/datalek/ap-correspondentie", "breaches.record_correspondence",
                                                   (302, 404, 403, 422, 403, 403, 403)),
    ("GET", "/incidenten/{dlk}/datalek/ap-formulier", "breaches.ap_form_copy", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/{uitdlk}/datalek/ap-formulier", "breaches.ap_form_copy",
                                                   (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/incidenten/{dlk}/datalek/ap-formulier.pdf", "breaches.ap_form_pdf",
                                                   (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/{uitdlk}/datalek/ap-formulier.pdf", "breaches.ap_form_pdf",
                                                   (302, 404, 404, 404, 404, 200, 200)),
    # the Cbw reports in full (issue 22, item 3): the CISO prepares and records (cbw:report), whoever
    # reads the incident's breach side reads the advice and the copies; {dlk} is not significant,
    # so preparing content is refused with 422 (tests/breaches/test_cbw.py)
    ("POST", "/incidenten/{dlk}/cbw/inhoud/vroegtijdige-waarschuwing", "breaches.save_cbw_content",
                                                   (302, 404, 403, 403, 422, 403, 403)),
    ("POST", "/incidenten/{uitdlk}/cbw/inhoud/eindverslag", "breaches.save_cbw_content",
                                                   (302, 404, 404, 404, 404, 403, 403)),
    ("POST", "/incidenten/{dlk}/cbw/ibd", "breaches.record_ibd_copy", (302, 404, 403, 403, 422, 403, 403)),
    ("GET", "/incidenten/{dlk}/cbw/significantie", "breaches.cbw_significance", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/{uitdlk}/cbw/significantie", "breaches.cbw_significance",
                                                   (302, 404, 404, 404, 404, 200, 200)),
    ("POST", "/incidenten/{dlk}/cbw/significantie", "breaches.cbw_significance",
                                                   (302, 404, 403, 403, 422, 403, 403)),
    ("GET", "/incidenten/{dlk}/cbw/incidentmelding", "breaches.cbw_copy", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/{uitdlk}/cbw/incidentmelding", "breaches.cbw_copy", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/incidenten/{dlk}/cbw/eindverslag.pdf", "breaches.cbw_copy_pdf", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/incidenten/{uitdlk}/cbw/eindverslag.pdf", "breaches.cbw_copy_pdf",
                                                   (302, 404, 404, 404, 404, 200, 200)),
    ("PATCH", "/api/v1/incidents/{dlk}/cbw-reports/content/early_warning", "breaches_api.patch_cbw_content",
                                                   (401, 404, 403, 403, 422, 403, 403)),
    ("POST", "/api/v1/incidents/{dlk}/cbw-reports/significance", "breaches_api.create_significance",
                                                   (401, 404, 403, 403, 201, 403, 403)),
    ("POST", "/api/v1/incidents/{dlk}/cbw-reports/ibd-copies", "breaches_api.create_ibd_copy",
                                                   (401, 404, 403, 403, 201, 403, 403)),
    ("GET", "/api/v1/incidents/{dlk}/ap-form", "breaches_api.get_ap_form", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{uitdlk}/ap-form", "breaches_api.get_ap_form", (401, 404, 404, 404, 404, 200, 200)),
    ("PUT", "/api/v1/incidents/{dlk}/ap-form", "breaches_api.put_ap_form", (401, 404, 403, 200, 403, 403, 403)),
    ("PATCH", "/api/v1/incidents/{dlk}/ap-form", "breaches_api.patch_ap_form", (401, 404, 403, 200, 403, 403, 403)),
    ("PATCH", "/api/v1/incidents/{uitdlk}/ap-form", "breaches_api.patch_ap_form",
                                                   (401, 404, 404, 404, 404, 403, 403)),
    ("GET", "/api/v1/incidents/{dlk}/ap-correspondence", "breaches_api.list_ap_correspondence",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/incidents/{dlk}/ap-correspondence", "breaches_api.create_ap_correspondence",
                                                   (401, 404, 403, 422, 403, 403, 403)),
    ("POST", "/api/v1/incidents/{uitdlk}/ap-correspondence", "breaches_api.create_ap_correspondence",
                                                   (401, 404, 404, 404, 404, 403, 403)),
    ("GET", "/maatregelen", "measures.index",      (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/maatregelen/nieuw", "measures.create", (302, 403, 200, 403, 200, 403, 403)),
    ("GET", "/maatregelen/{msr}", "measures.detail", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/maatregelen/{uitmsr}", "measures.detail", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/maatregelen/{msr}/bewerken", "measures.edit", (302, 404, 200, 403, 200, 403, 403)),
    ("GET", "/api/v1/measures", "measures_api.list_measures", (401, 403, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/measures", "measures_api.create_measure", (401, 403, 201, 403, 201, 403, 403)),
    ("GET", "/api/v1/measures/{msr}", "measures_api.get_measure", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/measures/{uitmsr}", "measures_api.get_measure", (401, 404, 404, 404, 404, 200, 200)),
    ("PATCH", "/api/v1/measures/{msr}", "measures_api.patch_measure", (401, 404, 200, 403, 200, 403, 403)),
    ("POST", "/api/v1/measures/{msr}/status", "measures_api.change_status",
                                                   (401, 404, 200, 403, 200, 403, 403)),
    ("GET", "/incidenten/{die}/bijlagen/{att}", "attachments.incident_download", (302, 404, 200, 200, 200, 200, 200)),
    # HTML uploads without a file: whoever may add evidence is told to choose one (422)
    ("POST", "/incidenten/{die}/bijlagen", "attachments.incident_upload", (302, 404, 422, 422, 422, 403, 403)),
    ("POST", "/incidenten/{die}/bijlagen/{att}/verwijderen", "attachments.incident_remove",
                                                   (302, 404, 302, 302, 302, 403, 403)),
    ("POST", "/compliance/DIE/BIO2-1.3/5.24.01/bijlagen", "attachments.control_upload",
                                                   (302, 404, 403, 403, 422, 403, 403)),
    ("POST", "/compliance/DIE/BIO2-1.3/5.24.01/bijlagen/{catt}/verwijderen", "attachments.control_remove",
                                                   (302, 404, 403, 403, 302, 403, 403)),
    ("GET", "/incidenten/{uit}/bijlagen/{uitatt}", "attachments.incident_download",
                                                   (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/compliance/DIE/BIO2-1.3/5.24.01/bijlagen/{catt}", "attachments.control_download",
                                                   (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{die}/attachments", "incident_attachments_api.list_incident_attachments",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{uit}/attachments", "incident_attachments_api.list_incident_attachments",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("POST", "/api/v1/incidents/{die}/attachments", "incident_attachments_api.upload_incident_attachment",
                                                   (401, 404, 201, 201, 201, 403, 403)),
    ("GET", "/api/v1/incidents/{die}/attachments/{att}", "incident_attachments_api.get_incident_attachment",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{die}/attachments/{att}/content",
     "incident_attachments_api.incident_attachment_content", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/incidents/{uit}/attachments/{uitatt}/content",
     "incident_attachments_api.incident_attachment_content", (401, 404, 404, 404, 404, 200, 200)),
    ("DELETE", "/api/v1/incidents/{die}/attachments/{att}", "incident_attachments_api.remove_incident_attachment",
                                                   (401, 404, 200, 200, 200, 403, 403)),
    ("GET", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/attachments",
     "control_attachments_api.list_control_attachments", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/assessments/BIO2-1.3/5.24.01/attachments",
     "control_attachments_api.list_control_attachments", (401, 404, 404, 404, 404, 200, 200)),
    ("POST", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/attachments",
     "control_attachments_api.upload_control_attachment", (401, 404, 403, 403, 201, 403, 403)),
    ("GET", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/attachments/{catt}",
     "control_attachments_api.get_control_attachment", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/attachments/{catt}/content",
     "control_attachments_api.control_attachment_content", (401, 404, 200, 200, 200, 200, 200)),
    ("DELETE", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/attachments/{catt}",
     "control_attachments_api.remove_control_attachment", (401, 404, 403, 403, 200, 403, 403)),
    # the life of a piece of evidence (issue 21.2): the CISO sets it; the others read it on the page
    ("PATCH", "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/evidence/{cev}",
     "compliance_api.update_evidence", (401, 404, 403, 403, 200, 403, 403)),
    ("PATCH", "/api/v1/organisations/UIT/assessments/BIO2-1.3/5.24.01/evidence/{uitcev}",
     "compliance_api.update_evidence", (401, 404, 404, 404, 404, 403, 403)),
    # an empty form: the CISO is told the date is missing (422)
    ("POST", "/compliance/DIE/BIO2-1.3/5.24.01/bewijs/{cev}", "compliance.evidence_update",
                                                   (302, 404, 403, 403, 422, 403, 403)),
    ("POST", "/compliance/UIT/BIO2-1.3/5.24.01/bewijs/{uitcev}", "compliance.evidence_update",
                                                   (302, 404, 404, 404, 404, 403, 403)),
    ("GET", "/api/v1/docs", "api_docs.docs",       (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/openapi.json", "api-docs.openapi_json", (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/me", "me_api.get_me",         (401, 200, 200, 200, 200, 200, 200)),
    ("PATCH", "/api/v1/me", "me_api.patch_me",     (401, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations", "organisations_api.list_organisations",
                                                   (401, 403, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/DIE", "organisations_api.get_organisation_by_code",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT", "organisations_api.get_organisation_by_code",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    # a beheerder (of DUO, so of DIE below it) creates an organisation below one it manages
    ("POST", "/api/v1/organisations", "organisations_api.create_organisation",
                                                   (401, 403, 403, 403, 403, 403, 201)),
    ("PATCH", "/api/v1/organisations/DIE", "organisations_api.patch_organisation",
                                                   (401, 404, 403, 403, 403, 403, 200)),
    ("PATCH", "/api/v1/organisations/UIT", "organisations_api.patch_organisation",
                                                   (401, 404, 404, 404, 404, 403, 200)),
    ("GET", "/organisaties/nieuw", "organisations.create", (302, 403, 403, 403, 403, 403, 200)),
    ("POST", "/organisaties/nieuw", "organisations.create", (302, 403, 403, 403, 403, 403, 422)),
    ("GET", "/organisaties/DIE/bewerken", "organisations.edit", (302, 404, 403, 403, 403, 403, 200)),
    ("POST", "/organisaties/DIE/bewerken", "organisations.edit", (302, 404, 403, 403, 403, 403, 422)),
    ("GET", "/organisaties/UIT/bewerken", "organisations.edit", (302, 404, 404, 404, 404, 403, 200)),
    # "Wachtwoord vergeten?" and the one-time links: public; without a (usable) link a clear 410 page
    ("GET", "/wachtwoord-vergeten", "accounts.forgot_password", (200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/wachtwoord-vergeten", "accounts.forgot_password", (422, 422, 422, 422, 422, 422, 422)),
    ("GET", "/wachtwoord-instellen/onbekend", "accounts.set_password_link", (302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/wachtwoord-instellen", "accounts.set_password", (410, 410, 410, 410, 410, 410, 410)),
    ("POST", "/wachtwoord-instellen", "accounts.set_password", (410, 410, 410, 410, 410, 410, 410)),
    ("POST", "/login", "accounts.login", (422, 302, 302, 302, 302, 302, 302)),
    ("POST", "/login/totp", "accounts.login_totp", (302, 302, 302, 302, 302, 302, 302)),
    ("POST", "/login/totp/instellen", "accounts.login_enrol", (302, 302, 302, 302, 302, 302, 302)),
    ("POST", "/logout", "accounts.logout", (302, 302, 302, 302, 302, 302, 302)),
    ("POST", "/account", "accounts.account", (302, 422, 422, 422, 422, 422, 422)),
    # one's own weekly digest (issue 22): everyone signed in (an empty form switches it off)
    ("POST", "/account/weekoverzicht", "accounts.weekly_digest", (302, 302, 302, 302, 302, 302, 302)),
    ("POST", "/account/password", "accounts.change_password", (302, 422, 422, 422, 422, 422, 422)),
    ("POST", "/account/tokens", "accounts.tokens", (302, 422, 422, 422, 422, 422, 422)),
    # someone else's token does not exist for the caller
    ("POST", "/account/tokens/{tok}/revoke", "accounts.revoke_token", (302, 404, 404, 404, 404, 404, 404)),
    ("POST", "/account/tweestapsverificatie/instellen", "accounts.two_factor_enrol",
                                                   (302, 422, 422, 302, 422, 422, 302)),
    ("POST", "/account/tweestapsverificatie/herstelcodes", "accounts.two_factor_recovery_codes",
                                                   (302, 422, 422, 422, 422, 422, 422)),
    ("POST", "/account/tweestapsverificatie/uitschakelen", "accounts.two_factor_disable",
                                                   (302, 422, 422, 422, 422, 422, 422)),
    # a verbindingsofficier of Diemen: only a manager of users in Diemen resets their second factor
    ("POST", "/gebruikers/{uid}/tweestapsverificatie/herstellen", "accounts.reset_two_factor",
                                                   (302, 404, 404, 404, 404, 404, 302)),
    # people: only a manager of users; a user they do not manage does not exist for them (404)
    ("GET", "/gebruikers", "people.index",          (302, 403, 403, 403, 403, 403, 200)),
    ("GET", "/gebruikers/uitnodigen", "people.invite", (302, 403, 403, 403, 403, 403, 200)),
    ("POST", "/gebruikers/uitnodigen", "people.invite", (302, 403, 403, 403, 403, 403, 422)),
    ("GET", "/gebruikers/{uid}", "people.detail",  (302, 404, 404, 404, 404, 404, 200)),
    ("POST", "/gebruikers/{uid}", "people.detail", (302, 404, 404, 404, 404, 404, 422)),
    ("POST", "/gebruikers/{uid}/rollen", "people.grant", (302, 404, 404, 404, 404, 404, 422)),
    ("POST", "/gebruikers/{uid}/rollen/DIE/verbindingsofficier/intrekken", "people.revoke",
                                                   (302, 404, 404, 404, 404, 404, 302)),
    ("POST", "/gebruikers/{uid}/deactiveren", "people.deactivate", (302, 404, 404, 404, 404, 404, 302)),
    ("POST", "/gebruikers/{uid}/activeren", "people.reactivate", (302, 404, 404, 404, 404, 404, 302)),
    ("POST", "/gebruikers/{uid}/wachtwoord-herstellen", "people.reset_password",
                                                   (302, 404, 404, 404, 404, 404, 302)),
    # the target chose a password long ago: no invitation to send again
    ("POST", "/gebruikers/{uid}/uitnodiging", "people.resend_invitation", (302, 404, 404, 404, 404, 404, 422)),
    ("GET", "/api/v1/users", "users_api.list_users", (401, 403, 403, 403, 403, 403, 200)),
    ("POST", "/api/v1/users", "users_api.invite_user", (401, 403, 403, 403, 403, 403, 201)),
    ("GET", "/api/v1/users/{uid}", "users_api.get_user", (401, 404, 404, 404, 404, 404, 200)),
    ("PATCH", "/api/v1/users/{uid}", "users_api.patch_user", (401, 404, 404, 404, 404, 404, 200)),
    ("POST", "/api/v1/users/{uid}/memberships", "users_api.add_membership", (401, 404, 404, 404, 404, 404, 201)),
    ("DELETE", "/api/v1/users/{uid}/memberships/DIE/verbindingsofficier", "users_api.remove_membership",
                                                   (401, 404, 404, 404, 404, 404, 204)),
    ("POST", "/api/v1/users/{uid}/password-reset", "users_api.reset_password", (401, 404, 404, 404, 404, 404, 202)),
    ("POST", "/organisaties/DIE/tweestapsverificatie", "organisations.two_factor_setting",
                                                   (302, 404, 403, 403, 403, 403, 302)),
    # the default life of evidence (issue 21.2): the beheerder and the CISO
    ("POST", "/organisaties/DIE/bewijstermijn", "organisations.evidence_period",
                                                   (302, 404, 403, 403, 302, 403, 302)),
    ("POST", "/organisaties/UIT/bewijstermijn", "organisations.evidence_period",
                                                   (302, 404, 404, 404, 404, 403, 422)),
    # target handling times (issue 22): the beheerder only (an empty form: 422)
    ("POST", "/organisaties/DIE/streeftijden", "organisations.handling_targets",
                                                   (302, 404, 403, 403, 403, 403, 422)),
    # outgoing webhooks (issue 22): the beheerder only; readers of the organisation 403 (empty forms: 422)
    ("GET", "/organisaties/DIE/webhooks", "webhooks.index", (302, 404, 403, 403, 403, 403, 200)),
    ("POST", "/organisaties/DIE/webhooks", "webhooks.create", (302, 404, 403, 403, 403, 403, 422)),
    ("GET", "/organisaties/UIT/webhooks", "webhooks.index", (302, 404, 404, 404, 404, 403, 200)),
    ("GET", "/organisaties/DIE/webhooks/{wh}", "webhooks.detail", (302, 404, 403, 403, 403, 403, 200)),
    ("POST", "/organisaties/DIE/webhooks/{wh}", "webhooks.detail", (302, 404, 403, 403, 403, 403, 422)),
    ("GET", "/organisaties/UIT/webhooks/{wh}", "webhooks.detail", (302, 404, 404, 404, 404, 404, 404)),
    ("POST", "/organisaties/DIE/webhooks/{wh}/test", "webhooks.send_test", (302, 404, 403, 403, 403, 403, 302)),
    ("POST", "/organisaties/DIE/webhooks/{wh}/verwijderen", "webhooks.remove",
                                                   (302, 404, 403, 403, 403, 403, 302)),
    ("GET", "/api/v1/organisations/DIE/webhooks", "webhooks_api.list_webhooks", (401, 404, 403, 403, 403, 403, 200)),
    ("GET", "/api/v1/organisations/UIT/webhooks", "webhooks_api.list_webhooks", (401, 404, 404, 404, 404, 403, 200)),
    ("POST", "/api/v1/organisations/DIE/webhooks", "webhooks_api.create_webhook",
                                                   (401, 404, 403, 403, 403, 403, 201)),
    ("GET", "/api/v1/organisations/DIE/webhooks/{wh}/deliveries", "webhooks_api.list_deliveries",
                                                   (401, 404, 403, 403, 403, 403, 200)),
    ("GET", "/api/v1/organisations/UIT/webhooks/{wh}/deliveries", "webhooks_api.list_deliveries",
                                                   (401, 404, 404, 404, 404, 404, 404)),
    ("POST", "/maatregelen/nieuw", "measures.create", (302, 403, 422, 403, 422, 403, 403)),
    ("POST", "/maatregelen/{msr}/bewerken", "measures.edit", (302, 404, 422, 403, 422, 403, 403)),
    ("POST", "/maatregelen/{msr}/status", "measures.change_status", (302, 404, 302, 403, 302, 403, 403)),
    ("POST", "/maatregelen/{msr}/koppelen", "measures.link_control", (302, 404, 422, 403, 422, 403, 403)),
    ("POST", "/compliance/DIE/BIO2-1.3/5.24.01", "compliance.assess", (302, 404, 403, 403, 422, 403, 403)),
    ("POST", "/compliance/DIE/BIO2-1.3/voorstel", "compliance.propose", (302, 404, 403, 403, 302, 403, 403)),
    ("POST", "/compliance/DIE/BIO2-1.3/bijwerken", "compliance.carry_over", (302, 404, 403, 403, 422, 403, 403)),
    ("POST", "/compliance/UIT/BIO2-1.3/bijwerken", "compliance.carry_over", (302, 404, 404, 404, 404, 403, 403)),
    # the CISO without a proposal to decide on: back to the control page with the reason (302)
    ("POST", "/compliance/DIE/BIO2-1.3/5.24.01/voorstel/bevestigen", "compliance.decide_proposal",
                                                   (302, 404, 403, 403, 302, 403, 403)),
    ("POST", "/compliance/DIE/BIO2-1.3/5.24.01/voorstel/afwijzen", "compliance.decide_proposal",
                                                   (302, 404, 403, 403, 302, 403, 403)),
    # the reporting point: every employee of DIE (the medewerker's own column: MEDEWERKER below).
    # {ownrpt}: a report of the caller's own (for those who cannot report, made when they still could);
    # {rpt}: someone else's, which does not exist for the caller
    ("GET", "/melden", "incident_reports.report",  (302, 403, 200, 200, 200, 403, 403)),
    ("POST", "/melden", "incident_reports.report", (302, 403, 302, 302, 302, 403, 403)),
    ("GET", "/melden/wat-en-waarom", "incident_reports.about", (302, 200, 200, 200, 200, 200, 200)),
    ("GET", "/melden/mijn-meldingen", "incident_reports.mine", (302, 403, 200, 200, 200, 403, 403)),
    ("GET", "/melden/mijn-meldingen/{ownrpt}", "incident_reports.detail", (302, 403, 200, 200, 200, 403, 403)),
    ("GET", "/melden/mijn-meldingen/{rpt}", "incident_reports.detail", (302, 404, 404, 404, 404, 404, 404)),
    ("GET", "/api/v1/incident-reports", "incident_reports_api.list_reports", (401, 403, 200, 200, 200, 403, 403)),
    ("POST", "/api/v1/incident-reports", "incident_reports_api.create_report",
                                                   (401, 403, 201, 201, 201, 403, 403)),
    ("GET", "/api/v1/incident-reports/{ownrpt}", "incident_reports_api.get_report",
                                                   (401, 403, 200, 200, 200, 403, 403)),
    ("GET", "/api/v1/incident-reports/{rpt}", "incident_reports_api.get_report",
                                                   (401, 404, 404, 404, 404, 404, 404)),
    # the verwerkingsregister and the verwerkers: the FG and CISO keep them, the rest reads
    ("GET", "/verwerkingen", "processing.index",   (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/verwerkingen/export.csv", "processing.export_register", (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/verwerkingen/export.xlsx", "processing.export_register", (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/verwerkingen/nieuw", "processing.create", (302, 403, 403, 200, 200, 403, 403)),
    ("POST", "/verwerkingen/nieuw", "processing.create", (302, 403, 403, 422, 422, 403, 403)),
    ("GET", "/verwerkingen/{pa}", "processing.detail", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/verwerkingen/{uitpa}", "processing.detail", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/verwerkingen/{pa}/bewerken", "processing.edit", (302, 404, 403, 200, 200, 403, 403)),
    ("POST", "/verwerkingen/{pa}/bewerken", "processing.edit", (302, 404, 403, 422, 422, 403, 403)),
    ("GET", "/verwerkers", "processing.processors", (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/verwerkers/nieuw", "processing.create_processor", (302, 403, 403, 200, 200, 403, 403)),
    ("POST", "/verwerkers/nieuw", "processing.create_processor", (302, 403, 403, 422, 422, 403, 403)),
    ("GET", "/verwerkers/{vw}", "processing.processor_detail", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/verwerkers/{uitvw}", "processing.processor_detail", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/verwerkers/{vw}/bewerken", "processing.edit_processor", (302, 404, 403, 200, 200, 403, 403)),
    ("POST", "/verwerkers/{vw}/bewerken", "processing.edit_processor", (302, 404, 403, 422, 422, 403, 403)),
    # importing an existing verwerkingsregister: those who keep it; {vpnd} is an upload of the caller's own
    # in DIE (anyone else's, an incident register's, another organisation's: tests/processing/test_import.py)
    ("GET", "/verwerkingen/importeren", "processing_import.upload", (302, 403, 403, 200, 200, 403, 403)),
    ("POST", "/verwerkingen/importeren", "processing_import.upload", (302, 403, 403, 422, 422, 403, 403)),
    ("GET", "/verwerkingen/importeren/{vpnd}/kolommen", "processing_import.columns",
                                                   (302, 404, 404, 200, 200, 404, 404)),
    ("POST", "/verwerkingen/importeren/{vpnd}/kolommen", "processing_import.columns",
                                                   (302, 404, 404, 302, 302, 404, 404)),
    ("GET", "/verwerkingen/importeren/{vpnd}/controle", "processing_import.check",
                                                   (302, 404, 404, 200, 200, 404, 404)),
    ("POST", "/verwerkingen/importeren/{vpnd}/importeren", "processing_import.run",
                                                   (302, 404, 404, 200, 200, 404, 404)),
    ("GET", "/api/v1/organisations/DIE/processing-activities", "processing_api.list_activities",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/processing-activities", "processing_api.list_activities",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("POST", "/api/v1/organisations/DIE/processing-activities", "processing_api.create_activity",
                                                   (401, 404, 403, 201, 201, 403, 403)),
    ("GET", "/api/v1/organisations/DIE/processing-activities/{pa}", "processing_api.get_activity",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/processing-activities/{uitpa}", "processing_api.get_activity",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("GET", "/api/v1/organisations/DIE/processing-activities/{uitpa}", "processing_api.get_activity",
                                                   (401, 404, 404, 404, 404, 404, 404)),
    ("PATCH", "/api/v1/organisations/DIE/processing-activities/{pa}", "processing_api.patch_activity",
                                                   (401, 404, 403, 200, 200, 403, 403)),
    ("GET", "/api/v1/organisations/DIE/processors", "processing_api.list_processors",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/organisations/DIE/processors", "processing_api.create_processor",
                                                   (401, 404, 403, 201, 201, 403, 403)),
    ("GET", "/api/v1/organisations/DIE/processors/{vw}", "processing_api.get_processor",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/processors/{uitvw}", "processing_api.get_processor",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("PATCH", "/api/v1/organisations/DIE/processors/{vw}", "processing_api.patch_processor",
                                                   (401, 404, 403, 200, 200, 403, 403)),
    # findings (bevindingen): the CISO keeps them; the verbindingsofficier, FG, concern control and
    # beheerder read them within their scope; the medewerker nothing
    ("GET", "/bevindingen", "findings.index",      (302, 403, 200, 200, 200, 200, 200)),
    ("GET", "/bevindingen/nieuw", "findings.create", (302, 403, 403, 403, 200, 403, 403)),
    ("POST", "/bevindingen/nieuw", "findings.create", (302, 403, 403, 403, 422, 403, 403)),
    ("GET", "/bevindingen/{fnd}", "findings.detail", (302, 404, 200, 200, 200, 200, 200)),
    ("GET", "/bevindingen/{uitfnd}", "findings.detail", (302, 404, 404, 404, 404, 200, 200)),
    ("GET", "/bevindingen/{fnd}/bewerken", "findings.edit", (302, 404, 403, 403, 200, 403, 403)),
    ("POST", "/bevindingen/{fnd}/bewerken", "findings.edit", (302, 404, 403, 403, 422, 403, 403)),
    ("GET", "/api/v1/organisations/DIE/findings", "findings_api.list_findings",
                                                   (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/organisations/UIT/findings", "findings_api.list_findings",
                                                   (401, 404, 404, 404, 404, 200, 200)),
    ("POST", "/api/v1/organisations/DIE/findings", "findings_api.create_finding",
                                                   (401, 404, 403, 403, 201, 403, 403)),
    ("GET", "/api/v1/findings/{fnd}", "findings_api.get_finding", (401, 404, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/findings/{uitfnd}", "findings_api.get_finding", (401, 404, 404, 404, 404, 200, 200)),
    ("PATCH", "/api/v1/findings/{fnd}", "findings_api.patch_finding", (401, 404, 403, 403, 200, 403, 403)),
]

#: The medewerker (an employee of DIE holding nothing but ``incident:report``) gets what a user
#: without a role gets on every route — 403 on the lists, pages and API of incidents, 404 on every
#: object — except on these: (method, path) → status.
MEDEWERKER: dict[tuple[str, str], int] = {
    ("GET", "/melden"): 200,
    ("POST", "/melden"): 302,
    ("GET", "/melden/mijn-meldingen"): 200,
    ("GET", "/melden/mijn-meldingen/{ownrpt}"): 200,
    ("GET", "/api/v1/incident-reports"): 200,
    ("POST", "/api/v1/incident-reports"): 201,
    ("GET", "/api/v1/incident-reports/{ownrpt}"): 200,
}

#: Not the application's views: no role rules apply (the architecture test checks every other
#: endpoint goes through the pipeline).
NOT_VIEWS = {"static": "Flask's static files"}
# The development server's "Verzonden e-mail (ontwikkeling)" (GET /beheer/verzonden-e-mail,
# dev_mail.outbox) exists only under `bio-register serve` without SMTP, never in this (production)
# application: its row, a status for every role, is tests/test_mail.py::test_only_the_beheerder_opens_the_page.

#: HTML form posts: (method, path template) → the form fields sent (a CSRF token is added). Without
#: fields a form is simply invalid: an authorised caller gets 422 (or its form page again), the others
#: their 302/403/404 before any field is read.
FORMS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/incidenten/{die}/status"): {"status": "in_behandeling", "version": "1"},
    ("POST", "/maatregelen/{msr}/status"): {"status": "in_uitvoering", "version": "1"},
    ("POST", "/rapportages"): {"kind": "monthly", "period": "2026-10", "scope": "DIE"},
    ("POST", "/incidenten/{die}/bijlagen/{att}/verwijderen"): {"reason": "Verkeerd bestand"},
    ("POST", "/compliance/DIE/BIO2-1.3/5.24.01/bijlagen/{catt}/verwijderen"): {"reason": "Oud"},
    ("POST", "/melden"): {"description": "Verdachte mail geopend", "organisation": "DIE", "personal_data": "nee"},
    ("POST", "/draaiboeken/DIE/phishing"): {"step": "Meld de mail bij de servicedesk"},
    ("POST", "/incidenten/{die}/draaiboek"): {"category": "phishing"},
    ("POST", "/incidenten/{dlk}/draaiboek"): {"category": "email_verkeerde_ontvanger"},
    ("POST", "/incidenten/{uit}/draaiboek"): {"category": "phishing"},
    ("POST", "/incidenten/{die}/stappen/999999"): {"state": "gedaan"},
    ("POST", "/incidenten/{dlk}/stappen/999999"): {"state": "gedaan"},
    ("POST", "/organisaties/DIE/bewijstermijn"): {"months": "6"},
}


#: a register to import: one good row
REGISTER = b"Nr.;Datum ontdekt;Omschrijving;Datalek\n2021-001;01-02-2021;Brief naar verkeerd adres;nee\n"


def pending_import(owner) -> int:
    """An uploaded register of ``owner``'s in DIE, waiting for its next step."""
    from bio_register.database import utcnow
    from bio_register.imports.models import PendingImport
    from bio_register.imports.services import PENDING_TTL

    now = utcnow()
    pending = PendingImport(organisation_id=factories.organisation("DIE").id, user_id=owner.id,
                            filename="register.csv", content=REGISTER, size=len(REGISTER), created_at=now,
                            expires_at=now + PENDING_TTL)
    db.session.add(pending)
    db.session.commit()
    return pending.id


#: a verwerkingsregister to import: one good row
PROCESSING_REGISTER = b"Naam verwerking;Doel;Grondslag\nParkeervergunningen;Vergunningen verlenen;e\n"


def processing_pending_import(owner) -> int:
    """An uploaded verwerkingsregister of ``owner``'s in DIE, waiting for its next step."""
    from bio_register.database import utcnow
    from bio_register.imports.engine import PENDING_TTL
    from bio_register.imports.models import PendingImport

    now = utcnow()
    pending = PendingImport(organisation_id=factories.organisation("DIE").id, user_id=owner.id, kind="verwerkingen",
                            filename="verwerkingen.csv", content=PROCESSING_REGISTER,
                            size=len(PROCESSING_REGISTER), created_at=now, expires_at=now + PENDING_TTL)
    db.session.add(pending)
    db.session.commit()
    return pending.id


def cases():
    for method, path, _endpoint, statuses in MATRIX:
        for role, status in zip(ORDER, statuses, strict=True):
            yield pytest.param(method, path, role, status, id=f"{role}-{method}-{path}")
        medewerker = MEDEWERKER.get((method, path), statuses[ORDER.index("no_role")])
        yield pytest.param(method, path, "medewerker", medewerker, id=f"medewerker-{method}-{path}")


def employee_report(reporter) -> int:
    """A report ``reporter`` made at the reporting point in DIE; one who may no longer report made it
    when they still could (the report is theirs all the same)."""
    from flask import current_app

    from bio_register.incident_reports import links, services
    from bio_register.permissions import has_permission

    author = reporter if has_permission(reporter, Permission.INCIDENT_REPORT) else factories.user(
        [("medewerker", "DIE")])
    item = services.report(author, factories.organisation("DIE"), {"description": "Laptop kwijt in de trein",
                                                                  "personal_data": "weet_niet"},
                           links=links.for_app(current_app))
    item.reporter_id = reporter.id
    db.session.commit()
    return item.id


@pytest.mark.parametrize(("method", "path", "role", "expected"), list(cases()))
def test_role_route_status(client: FlaskClient, method: str, path: str, role: str, expected: int) -> None:
    template = path
    for code in ("DUO", "DIE", "UIT"):
        factories.organisation(code)
    leak, uit_leak = factories.incident("DIE", is_datalek=True), factories.incident("UIT", is_datalek=True)
    # the FG who assessed never signs in here: no second factor to set up
    factories.assess(leak, fg=factories.user([("fg", "DIE")], email="fg.setup@example.nl", totp=False))
    factories.assess(uit_leak, fg=factories.user([("fg", "UIT")], email="fg.uit@example.nl", totp=False))
    ids = {"die": factories.incident("DIE").id, "uit": factories.incident("UIT").id, "dlk": leak.id,
           "uitdlk": uit_leak.id}
    ids.update(msr=factories.measure("DIE").id, uitmsr=factories.measure("UIT").id)
    if "{uid}" in path or "{tok}" in path:
        from bio_register.accounts.services import create_token

        target = factories.user([("verbindingsofficier", "DIE")], email="target@example.nl")
        ids.update(uid=target.id, tok=create_token(None, target, "script", 30, actor_label="test").token.id)
    if "{rep}" in path or "{allrep}" in path:
        from bio_register.reporting.services import generate

        ids["rep"] = generate("monthly", "2026-10", "DIE", actor_label="test").id
        ids["allrep"] = generate("monthly", "2026-10", "all", actor_label="test").id
    if "{att}" in path or "{uitatt}" in path:
        ids["att"] = factories.incident_attachment(db.session.get(Incident, ids["die"])).id
        ids["uitatt"] = factories.incident_attachment(db.session.get(Incident, ids["uit"])).id
    if any(key in path for key in ("{pa}", "{uitpa}", "{vw}", "{uitvw}")):
        ids.update(pa=factories.processing_activity("DIE").id, uitpa=factories.processing_activity("UIT").id,
                   vw=factories.processor("DIE").id, uitvw=factories.processor("UIT").id)
    if "{fnd}" in path or "{uitfnd}" in path:
        ids.update(fnd=factories.finding("DIE").id, uitfnd=factories.finding("UIT").id)
    if "{tpl}" in path or "{uittpl}" in path:
        ids.update(tpl=factories.breach_template("DIE").id, uittpl=factories.breach_template("UIT").id)
    if "{wh}" in path:
        ids["wh"] = factories.webhook("DIE").id
    if "{rpt}" in path:
        ids["rpt"] = employee_report(factories.user([("medewerker", "DIE")], email="collega@example.nl"))
    path = path.format(**ids, catt="{catt}", pnd="{pnd}", vpnd="{vpnd}", ownrpt="{ownrpt}", cev="{cev}",
                       uitcev="{uitcev}")
    if any(part in path for part in ("compliance", "catalogs", "assessments", "ensia", "carry-over", "proposals",
                                     "paragraph")):
        from bio_register.compliance.catalogs import import_all
        from bio_register.compliance.services import find_control, get_catalog

        import_all(actor_label="test")
        if "{catt}" in template:
            control = find_control(get_catalog("BIO2-1.3"), "5.24.01")
            path = path.format(catt=factories.control_attachment("DIE", control).id)
        if "{cev}" in template or "{uitcev}" in template:
            control = find_control(get_catalog("BIO2-1.3"), "5.24.01")
            org = "DIE" if "{cev}" in template else "UIT"
            item = factories.control_attachment(org, control).evidence_item
            path = path.format(cev=item.id) if org == "DIE" else path.format(uitcev=item.id)
    headers = {}
    roles = ROLES[role]
    user = factories.user(roles) if roles is not None else None
    if "{ownrpt}" in template:
        path = path.format(ownrpt=employee_report(user) if user is not None else 1)
    if "{pnd}" in template:
        path = path.format(pnd=pending_import(user or factories.user([("verbindingsofficier", "DIE")])))
    if "{vpnd}" in template:
        path = path.format(vpnd=processing_pending_import(user or factories.user([("fg", "DIE")])))
    if user is not None:
        if path.startswith("/api/v1/") and path not in {"/api/v1/docs", "/api/v1/openapi.json"}:
            headers["Authorization"] = f"Bearer {factories.token(user)}"
        else:
            session_login(client, user)
    body = BODIES.get((method, template))
    kwargs: dict = {"json": body} if body is not None else {}
    if method != "GET" and not path.startswith("/api/"):
        form = {**FORMS.get((method, template), {}), "csrf_token": csrf_token(client, "/login" if roles is None
                                                                                else "/account")}
        kwargs = {"data": form}
    if (method, template) in FILES:
        name, data = FILES[(method, template)]
        kwargs = {"data": {"file": (io.BytesIO(data), name)}, "content_type": "multipart/form-data"}
    response = client.open(path, method=method, headers=headers, **kwargs)
    assert response.status_code == expected


def route_methods(app: Flask) -> set[tuple[str, str]]:
    """Every (method, endpoint) the application answers, from its URL map."""
    return {(method, rule.endpoint) for rule in app.url_map.iter_rules() if rule.endpoint not in NOT_VIEWS
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def api_operations(app: Flask) -> set[tuple[str, str]]:
    """Every (method, endpoint) the OpenAPI document describes."""
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    by_path: dict[str, list[tuple[set[str], str]]] = {}
    for rule in app.url_map.iter_rules():
        template = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        by_path.setdefault(template, []).append((rule.methods or set(), rule.endpoint))
    operations = set()
    for path, item in spec["paths"].items():
        for method in (m.upper() for m in item if m in {"get", "post", "put", "patch", "delete"}):
            endpoints = {endpoint for methods, endpoint in by_path.get(path, []) if method in methods}
            assert endpoints, f"OpenAPI operation {method} {path} has no route"
            operations |= {(method, endpoint) for endpoint in endpoints}
    return operations


def test_every_route_and_operation_is_in_the_matrix(app: Flask) -> None:
    """Generated from the URL map and the OpenAPI document: a new route, form post or API operation
    without a row (a status for every role) fails here."""
    covered = {(method, endpoint) for method, _p, endpoint, _s in MATRIX}
    missing = (route_methods(app) | api_operations(app)) - covered
    assert not missing, f"add rows to the permission matrix for: {sorted(missing)}"


def test_the_matrix_names_real_routes(app: Flask) -> None:
    stale = {(method, endpoint) for method, _p, endpoint, _s in MATRIX} - route_methods(app)
    assert not stale, f"rows for routes that do not exist: {sorted(stale)}"


def test_concern_control_only_reads() -> None:
    """Concern control writes nothing but reports. (No role reaches beyond the organisations below
    the one it is held in: tests/organisations/test_hierarchy_scope.py.)"""
    writes = {p for p in Permission if p.value.endswith((":write", ":decide", ":assess", ":report"))}
    assert not (ROLE_PERMISSIONS[Role.CONCERN_CONTROL] & writes)


def test_only_the_fg_decides_on_breaches() -> None:
    assert [r for r, perms in ROLE_PERMISSIONS.items() if Permission.BREACH_DECIDE in perms] == [Role.FG]
