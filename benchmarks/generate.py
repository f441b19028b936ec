#!/usr/bin/env python3
"""Fill a PostgreSQL database with realistic BIO-register data for the benchmarks.

    python benchmarks/generate.py                                  # 350 organisations, 1,000,000 incidents
    python benchmarks/generate.py --organisations 20 --incidents 50000   # a quick development set

WIPES the target database's schema (it must be a database whose name contains "bench", or pass
--force), builds the schema with ``bio-register init`` (Alembic upgrade head + the BIO catalogs)
and loads, with COPY:

- one shared-service organisation (code SSO) serving N municipalities (codes G001…);
- M incidents over --years years up to now. Organisation sizes are skewed: G001 (the "big"
  municipality the benchmarks use) gets --big-share of them (default 12 %: about 3,000 a quarter
  at 1M over ten years), the rest follows a Zipf-like curve;
- for datalekken (40 %): the FG's assessment, AP decisions, initial AP meldingen and art. 34
  decisions; Cbw reports for the rare significant incidents; timeline entries;
- maatregelen (one per five incidents) linked to incidents and BIO2 overheidsmaatregelen, and a
  statement of applicability (control assessments, some with history) per organisation.
- the audit events that data implies (about 5 per incident: created, status changes, the datalek's
  assessment, decisions and meldingen, timeline entries, maatregelen; plus logins, which have no
  organisation): ~5,000,000 at 1,000,000 incidents. They form a *valid* hash chain continuing the
  one ``init`` started (``bio-register verify-audit`` passes), in time order; their actor is a
  ``…@bench.invalid`` label without a user and their changes are short stand-ins, so they are
  recognisably benchmark data.

Secondary indexes are dropped during the load and rebuilt afterwards (faster than maintaining
them row by row), then the tables are analysed. The database URL comes from --database-url or
BIO_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bio_bench).
"""

from __future__ import annotations

import argparse
import array
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bio_bench"
AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC

#: the bench tables that get secondary indexes dropped during the load
LOADED = ("incidents", "timeline_entries", "breach_assessments", "ap_decisions", "ap_notifications",
          "ap_correspondence", "data_subject_decisions", "cbw_reports", "measures", "measure_incidents",
          "measure_controls", "control_assessments", "reference_counters", "audit_events")

CATEGORIES = [
    ("email_verkeerde_ontvanger", 22), ("post_verkeerde_ontvanger", 14), ("apparaat_verloren_gestolen", 8),
    ("papier_verloren_gestolen", 5), ("per_ongeluk_gepubliceerd", 4), ("te_ruime_toegang", 6),
    ("phishing", 12), ("malware_ransomware", 3), ("onbeschikbaarheid", 6), ("abusive-content", 1),
    ("malicious-code", 2), ("information-gathering", 2), ("intrusion-attempts", 3), ("intrusions", 1),
    ("availability", 2), ("information-content-security", 2), ("fraud", 1), ("vulnerable", 3),
    ("other", 2), (None, 1),
]
SEVERITIES = [("laag", 50), ("midden", 33), ("hoog", 12), ("kritiek", 2), (None, 3)]
TITLES = {
    "email_verkeerde_ontvanger": ["E-mail met {doc} naar verkeerde ontvanger",
                                  "{doc} per mail aan onjuiste {who} gestuurd",
                                  "Verkeerde bijlage meegestuurd aan {who}"],
    "post_verkeerde_ontvanger": ["Brief over {doc} naar verkeerd adres", "{doc} in verkeerde envelop verstuurd"],
    "apparaat_verloren_gestolen": ["{device} verloren in {place}", "{device} gestolen uit {place}"],
    "papier_verloren_gestolen": ["Dossier {doc} kwijtgeraakt", "Map met {doc} blijven liggen in {place}"],
    "per_ongeluk_gepubliceerd": ["{doc} per ongeluk op website gepubliceerd",
                                 "Raadsstuk met {doc} niet geanonimiseerd"],
    "te_ruime_toegang": ["Te ruime toegang tot {system}", "Medewerker kon {doc} in {system} inzien"],
    "phishing": ["Phishingmail gericht aan {who}", "Inloggegevens ingevuld op nepsite van {system}"],
    "malware_ransomware": ["Malware op werkplek {place}", "Ransomware-melding op server {system}"],
    "onbeschikbaarheid": ["{system} urenlang niet beschikbaar", "Storing in {system}"],
}
GENERIC_TITLES = ["Melding over {system}", "Verdachte activiteit in {system}", "Kwetsbaarheid in {system} gemeld",
                  "Incident bij {who} rond {doc}"]
DOCS = ["uitkeringsbesluit", "Wmo-indicatie", "jeugdhulpdossier", "belastingaanslag", "paspoortaanvraag",
        "bezwaarschrift", "salarisstrook", "schuldhulpdossier", "vergunningaanvraag", "BSN-lijst",
        "klantcontactnotitie", "personeelsdossier", "leerlingenvervoer", "parkeervergunning", "WOZ-beschikking"]
WHO = ["inwoner", "leverancier", "collega", "zorgaanbieder", "bewindvoerder", "advocaat", "raadslid", "ketenpartner"]
DEVICES = ["Laptop", "Telefoon", "USB-stick", "Tablet", "Externe harde schijf"]
PLACES = ["de trein", "het stadskantoor", "de auto", "het wijkcentrum", "de bibliotheek", "thuis", "de balie"]
SYSTEMS = ["Suite4Sociaal Domein", "het zaaksysteem", "de BRP-koppeling", "Microsoft 365", "de website",
           "het HR-systeem", "de belastingapplicatie", "het klantportaal", "de fileserver", "DigiD-koppeling"]
FILLER = ("bij controle bleek dat de gegevens van de betrokkene zichtbaar waren voor een onbevoegde "
          "medewerker heeft direct contact opgenomen met de ontvanger en gevraagd het bericht te verwijderen "
          "de leverancier is ingelicht en onderzoekt de oorzaak het team heeft de werkinstructie aangepast "
          "er is geen aanwijzing dat de gegevens verder zijn verspreid de functionaris gegevensbescherming "
          "is geïnformeerd en beoordeelt of een melding nodig is").split()
SURNAMES = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos",
            "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
            "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Berg",
            "van Dijk", "Schouten", "Willems", "Hoekstra", "Koster", "Verhoeven", "Prins", "Kuipers", "Zwart"]


class Bar:
    """A small progress bar on stderr (no dependency)."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.start, self.shown = label, max(total, 1), 0, time.monotonic(), -1.0

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.shown >= 0.5 or self.done >= self.total:
            self.shown = now
            frac = min(1.0, self.done / self.total)
            elapsed = now - self.start
            eta = elapsed / frac - elapsed if frac > 0 else 0
            bar = "#" * int(frac * 30)
            sys.stderr.write(f"\r{self.label:<28} [{bar:<30}] {self.done:>9,}/{self.total:,} "
                             f"{elapsed:6.1f}s eta {eta:5.0f}s")
            sys.stderr.flush()

    def close(self) -> None:
        self.done = self.total - 1
        self.update(1)
        sys.stderr.write("\n")


class Buffer:
    """Rows for one table, written with one COPY per flush (one COPY at a time per connection)."""

    def __init__(self, table: str, columns: str) -> None:
        self.sql = f"COPY {table} ({columns}) FROM STDIN"
        self.rows: list[tuple] = []
        self.write_row = self.rows.append

    def flush(self, conn: psycopg.Connection) -> None:
        if self.rows:
            with conn.cursor().copy(self.sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
            self.rows.clear()


class AuditSeeds:
    """The audit events the generated data implies, kept compactly (a few bytes each) while the
    incidents are generated, then written in time order as one valid hash chain."""

    #: kind → (entity, action, changes as JSON with {a} for the "after" value)
    KINDS = (
        # the incident's creation: its own changes, kept per incident (see ``incident_created``)
        ("incident", "create", ""),
        ("incident", "status", '{{"status": {{"after": "in_behandeling", "before": "nieuw"}}}}'),
        ("incident", "status", '{{"status": {{"after": "afgehandeld", "before": "in_behandeling"}}}}'),
        ("timeline_entry", "create", '{{"kind": {{"after": "actie", "before": null}}}}'),
        ("breach_assessment", "create", '{{"data_categories": {{"after": ["naw", "contact"], "before": null}}, '
                                         '"nature_confidentiality": {{"after": true, "before": null}}}}'),
        ("ap_decision", "create", '{{"notify": {{"after": false, "before": null}}}}'),
        ("ap_notification", "create", '{{"kind": {{"after": "initial", "before": null}}}}'),
        ("data_subject_decision", "create", '{{"notify": {{"after": false, "before": null}}}}'),
        ("cbw_report", "create", '{{"recipient": {{"after": "NCSC", "before": null}}}}'),
        ("measure", "create", '{{"description": {{"after": null, "before": null}}}}'),
        ("measure", "status", '{{"status": {{"after": "gereed", "before": "in_uitvoering"}}}}'),
        ("incident", "status", '{{"status": {{"after": "ingetrokken", "before": "in_behandeling"}}}}'),
        ("ap_decision", "create", '{{"notify": {{"after": true, "before": null}}}}'),
        ("data_subject_decision", "create", '{{"notify": {{"after": true, "before": null}}}}'),
        # the installation: creations with their own changes, like the incident's
        ("organisation", "create", ""),
        ("user", "create", ""),
        ("membership", "create", ""),
        ("control_assessment", "assess", ""),
        ("processor", "create", ""),
        ("processing_activity", "create", ""),
        ("breach_template", "create", ""),
        ("finding", "create", ""),
        ("user", "login", "{{}}"),
    )
    #: the kinds added after the first eleven (their numbers are fixed by their place above)
    WITHDRAWN, NOTIFY, INFORMED, ORGANISATION, USER, MEMBERSHIP, ASSESSMENT = 11, 12, 13, 14, 15, 16, 17
    PROCESSOR, PROCESSING_ACTIVITY, BREACH_TEMPLATE, FINDING = 18, 19, 20, 21
    LOGIN = len(KINDS) - 1

    def __init__(self) -> None:
        self.times = array.array("d")
        self.kinds = array.array("B")
        self.entity_ids = array.array("q")
        self.orgs = array.array("i")  # 0: none
        #: (kind, id) → the JSON changes of a creation event that names the row's own values
        self.created: dict[tuple[int, int], str] = {}

    def created_with(self, at: dt.datetime, kind: int, entity_id: int, org_id: int, values: dict[str, object]) -> None:
        """A creation event with the values the row was created with, as the services log them, so
        that ``verify-audit`` finds the register and the log in agreement."""
        self.created[kind, entity_id] = json.dumps({name: {"after": value, "before": None} for name, value in
                                                   values.items()}, sort_keys=True, ensure_ascii=False)
        self.add(at, kind, entity_id, org_id)

    def incident_created(self, at: dt.datetime, incident_id: int, org_id: int, values: dict[str, object]) -> None:
        self.created_with(at, 0, incident_id, org_id, values)

    def add(self, at: dt.datetime, kind: int, entity_id: int, org_id: int) -> None:
        self.times.append(at.timestamp())
        self.kinds.append(kind)
        self.entity_ids.append(entity_id)
        self.orgs.append(org_id)

    def __len__(self) -> int:
        return len(self.times)

    def write(self, conn: psycopg.Connection, now: dt.datetime) -> int:
        """COPY the events in time order, chained from the current chain head; move the head."""
        sys.path.insert(0, str(ROOT))
        from bio_register.audit.services import event_hash

        seq, prev_hash = conn.execute("SELECT seq, last_hash FROM audit_chain_head WHERE id = 1").fetchone()
        next_id = conn.execute("SELECT coalesce(max(id), 0) FROM audit_events").fetchone()[0] + 1
        order = sorted(range(len(self.times)), key=self.times.__getitem__)
        bar = Bar("audit events", len(order))
        buffer = Buffer("audit_events", "id, seq, occurred_at, actor_id, actor_label, organisation_id, entity, "
                                        "entity_id, action, changes, prev_hash, hash")
        for n, index in enumerate(order):
            kind, entity_id, org = self.kinds[index], self.entity_ids[index], self.orgs[index]
            at = min(now, dt.datetime.fromtimestamp(self.times[index], UTC))
            entity, action, template = self.KINDS[kind]
            changes = self.created.pop((kind, entity_id)) if not template else template.format(a=entity_id)
            organisation_id = org or None
            label = (f"medewerker{entity_id}@bench.invalid" if kind == self.LOGIN
                     else "generator@bench.invalid" if kind in (self.ORGANISATION, self.USER, self.MEMBERSHIP,
                                                                self.ASSESSMENT)
                     else f"vo.g{org - 1:03d}@bench.invalid")
            seq += 1
            digest = event_hash(seq=seq, occurred_at=at, actor_id=None, actor_label=label,
                                organisation_id=organisation_id, entity=entity, entity_id=str(entity_id),
                                action=action, changes=changes, prev_hash=prev_hash)
            buffer.write_row((next_id + n, seq, at, None, label, organisation_id, entity, str(entity_id), action,
                              changes, prev_hash, digest))
            prev_hash = digest
            if len(buffer.rows) >= 20_000:
                buffer.flush(conn)
            bar.update()
        buffer.flush(conn)
        bar.close()
        conn.execute("UPDATE audit_chain_head SET seq = %s, last_hash = %s WHERE id = 1", (seq, prev_hash))
        return len(order)


def weighted(rng: random.Random, pairs: list[tuple[object, int]], k: int) -> list:
    values = [p[0] for p in pairs]
    weights = [p[1] for p in pairs]
    return rng.choices(values, weights=weights, k=k)


def STAFF_PER_ORGANISATION(index: int) -> int:  # noqa: N802 (a table, read as a constant)
    """Employees with the medewerker role per municipality (reporting point; by hand or through the SSO
    group mapping): 400 in the largest, at least 10 — about 6,000 people at 350 municipalities."""
    return max(10, 400 // (index + 1))


def org_sizes(n_orgs: int, n_incidents: int, big_share: float) -> list[int]:
    big = int(n_incidents * big_share) if n_orgs > 1 else n_incidents
    rest = n_incidents - big
    weights = [1 / (i + 1) ** 0.6 for i in range(n_orgs - 1)]
    total_w = sum(weights) or 1
    sizes = [big] + [int(rest * w / total_w) for w in weights]
    sizes[-1] += n_incidents - sum(sizes)
    return sizes


def reset_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    env = {**os.environ, "BIO_REGISTER_DATABASE_URL": url}
    exe = Path(sys.executable).with_name("bio-register")
    cmd = [str(exe), "init"] if exe.exists() else [sys.executable, "-m", "flask", "--app", "bio_register", "bio",
                                                   "init"]
    subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603


def drop_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop the plain (non-constraint) indexes of the loaded tables; return their definitions."""
    rows = conn.execute("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
    """, (list(LOADED),)).fetchall()
    for name, _definition in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


#: the verwerkingsregister: per municipality VERWERKINGEN_PER_ORGANISATION verwerkingen, 3 verwerkers
VERWERKINGEN_PER_ORGANISATION = 20
VERWERKINGEN = ["Basisregistratie Personen", "Jeugdhulp", "Parkeervergunningen", "Wmo-maatwerkvoorzieningen",
                "Participatiewet (bijstand)", "Belastingen (WOZ)", "Omgevingsvergunningen", "Klachtenbehandeling",
                "Personeelsadministratie", "Cameratoezicht", "Schuldhulpverlening", "Leerplicht",
                "Burgerzaken: reisdocumenten", "Afvalinzameling", "Subsidies", "Raadsinformatie",
                "Inburgering", "Evenementenvergunningen", "Bezwaar en beroep", "Meldingen openbare ruimte"]
VERWERKERS = ["Centric", "PinkRoccade Local Government", "Dimpact", "Microsoft Ireland", "Visma Raet"]


#: templates for recurring datalekken: per municipality TEMPLATES_PER_ORGANISATION, each linked to one or
#: two of its verwerkingen; one datalek in ten was logged from one of them
TEMPLATES_PER_ORGANISATION = 8
TEMPLATES = [("Brief naar verkeerd adres", "post_verkeerde_ontvanger"),
             ("E-mail naar verkeerde ontvanger", "email_verkeerde_ontvanger"),
             ("Laptop verloren of gestolen", "apparaat_verloren_gestolen"),
             ("Dossier op straat gevonden", "papier_verloren_gestolen"),
             ("Document per ongeluk gepubliceerd", "per_ongeluk_gepubliceerd"),
             ("Te ruime toegang tot zaaksysteem", "te_ruime_toegang"),
             ("Phishingmail geopend", "phishing"),
             ("Telefoon verloren", "apparaat_verloren_gestolen")]


def write_breach_templates(conn: psycopg.Connection, rng: random.Random, org_ids: list[int], seeds: AuditSeeds,
                           now: dt.datetime) -> int:
    """Templates for every municipality (with their creation events as ``breach.recurring`` logs them),
    linked to its verwerkingen (``write_verwerkingen`` numbered them per organisation in the same
    order), and one datalek in ten marked as logged from one of them."""
    template_id = 0
    at = now - dt.timedelta(days=300)
    links = []
    with conn.cursor().copy("COPY breach_templates (id, organisation_id, name, title, description, category, "
                            "severity, data_categories, special_categories, subject_categories, bsn, "
                            "criminal_data, nature_confidentiality, nature_integrity, nature_availability, "
                            "processor_involved, legal_bases, art9_grounds, measures_taken, created_at, "
                            "updated_at) FROM STDIN") as copy:
        for index, org_id in enumerate(org_ids):
            first_activity = index * VERWERKINGEN_PER_ORGANISATION + 1
            for name, category in TEMPLATES[:TEMPLATES_PER_ORGANISATION]:
                template_id += 1
                chosen = rng.sample(range(first_activity, first_activity + VERWERKINGEN_PER_ORGANISATION),
                                    rng.randint(1, 2))
                links += [(template_id, activity) for activity in sorted(chosen)]
                measures = "Ontvanger gevraagd de gegevens te vernietigen; betrokkene geïnformeerd."
                copy.write_row((template_id, org_id, name, name, f"{name} (sjabloon).", category, "laag",
                                '["naw"]', "[]", '["inwoners"]', True, False, True, False, False, False,
                                '["wettelijke_verplichting"]', "[]", measures, at, at))
                seeds.created_with(at, AuditSeeds.BREACH_TEMPLATE, template_id, org_id, {
                    "name": name, "title": name, "description": f"{name} (sjabloon).", "category": category,
                    "severity": "laag", "data_categories": ["naw"], "special_categories": [],
                    "subject_categories": ["inwoners"], "bsn": True, "criminal_data": False,
                    "nature_confidentiality": True, "nature_integrity": False, "nature_availability": False,
                    "processor_involved": False, "legal_bases": ["wettelijke_verplichting"], "art9_grounds": [],
                    "measures_taken": measures, "processing_activities": sorted(
                        VERWERKINGEN[activity - first_activity] for activity in chosen)})
    with conn.cursor().copy("COPY breach_template_activities (template_id, activity_id) FROM STDIN") as copy:
        for row in links:
            copy.write_row(row)
    conn.execute("SELECT setval(pg_get_serial_sequence('breach_templates', 'id'), "
                 "GREATEST((SELECT max(id) FROM breach_templates), 1))")
    conn.execute(f"""
        UPDATE incidents i SET breach_template_id = t.first + (i.id % {TEMPLATES_PER_ORGANISATION})
        FROM (SELECT organisation_id, min(id) AS first FROM breach_templates GROUP BY organisation_id) t
        WHERE t.organisation_id = i.organisation_id AND i.is_datalek AND i.id % 10 = 0
    """)  # noqa: S608
    return template_id


#: outgoing webhooks (issue 22): endpoints per municipality, deliveries in the log of each
WEBHOOKS_PER_ORGANISATION = 2
DELIVERIES_PER_WEBHOOK = 150


def write_webhooks(conn: psycopg.Connection, rng: random.Random, org_ids: list[int], now: dt.datetime) -> int:
    """Two webhook endpoints per municipality, each with a delivery log (kind ``webhook`` in the
    outbox): mostly delivered, some retried or failed. Returns the number of endpoints."""
    endpoint_id = 0
    events = '["incident.logged", "datalek.logged", "deadline.warning"]'
    with conn.cursor().copy("COPY webhook_endpoints (id, organisation_id, url, description, events, secret, "
                            "personal_data_allowed, active, created_at) FROM STDIN") as copy:
        for org_id in org_ids:
            for n in range(WEBHOOKS_PER_ORGANISATION):
                endpoint_id += 1
                copy.write_row((endpoint_id, org_id, f"https://hooks{n}.example.nl/bio/{org_id}",
                                ("TOPdesk", "Teams")[n % 2], events, f"whsec_benchmark{endpoint_id}", False, True,
                                now - dt.timedelta(days=200)))
    with conn.cursor().copy("COPY outbox_messages (recipient, subject, body, created_at, sent_at, attempts, "
                            "last_error, scrub_after_send, kind, webhook_endpoint_id, next_attempt_at, http_status, "
                            "failed_at) FROM STDIN") as copy:
        for endpoint in range(1, endpoint_id + 1):
            for i in range(DELIVERIES_PER_WEBHOOK):
                at = now - dt.timedelta(hours=(DELIVERIES_PER_WEBHOOK - i) * 30)
                body = f'{{"event":"incident.logged","incident":{{"id":{i}}}}}'
                roll = rng.random()
                if roll < 0.9:
                    row = (at, 1, None, None, 204, None)
                elif roll < 0.97:
                    row = (None, 2, "De ontvanger antwoordde met HTTP 503.", at + dt.timedelta(minutes=5), 503, None)
                else:
                    row = (None, 6, "Geen antwoord binnen 5 seconden.", None, None, at + dt.timedelta(hours=9))
                sent_at, attempts, error, next_at, status, failed_at = row
                copy.write_row((f"hooks{(endpoint - 1) % 2}.example.nl", "incident.logged", body, at, sent_at,
                                attempts, error, False, "webhook", endpoint, next_at, status, failed_at))
    conn.execute("SELECT setval(pg_get_serial_sequence('webhook_endpoints', 'id'), "
                 "GREATEST((SELECT max(id) FROM webhook_endpoints), 1))")
    return endpoint_id


#: the categories each municipality has its own playbook for (the rest: shipped defaults)
OWN_PLAYBOOKS = ("email_verkeerde_ontvanger", "post_verkeerde_ontvanger", "phishing")


def write_playbooks(conn: psycopg.Connection, rng: random.Random, org_ids: list[int],
                    now: dt.datetime) -> tuple[int, int]:
    """Own playbooks for every municipality, and their steps on one incident in twenty (some done,
    some not applicable, the rest open). No audit events: the pages timed do not read them."""
    playbooks = 0
    with conn.cursor().copy("COPY playbooks (organisation_id, category, steps, updated_at, version) "
                            "FROM STDIN") as copy:
        for org_id in org_ids:
            for category in OWN_PLAYBOOKS:
                steps = [f"Stap {n} van het eigen draaiboek ({category})" for n in range(1, rng.randint(5, 10))]
                copy.write_row((org_id, category, json.dumps(steps), now - dt.timedelta(days=rng.randint(1, 300)), 1))
                playbooks += 1
    conn.execute("""
        INSERT INTO incident_tasks (incident_id, position, text, playbook_category, state, created_at, changed_at)
        SELECT i.id, n, 'Stap ' || n || ' van het draaiboek', 'email_verkeerde_ontvanger',
               CASE WHEN n <= i.id % 9 THEN 'gedaan' WHEN n = 8 THEN 'niet_van_toepassing' ELSE 'open' END,
               i.discovered_at, CASE WHEN n <= i.id % 9 OR n = 8 THEN i.discovered_at + interval '1 day' END
        FROM incidents i CROSS JOIN generate_series(1, 8) AS n
        WHERE i.id % 20 = 0
    """)
    tasks = conn.execute("SELECT count(*) FROM incident_tasks").fetchone()[0]
    return playbooks, tasks


FINDINGS_PER_ORGANISATION = 25
#: the big municipality (G001) has this many: a long list for its pages
FINDINGS_BIG = 400
FINDING_TITLES = ["Geen MFA op beheeraccounts", "Logging DigiD-koppeling onvolledig", "Verouderde TLS-versie",
                  "Autorisaties Suwinet niet periodiek herzien", "Back-up niet hersteltest", "Patchachterstand servers",
                  "Wachtwoordbeleid niet afgedwongen", "Leveranciersaudit ontbreekt", "Kwetsbaarheid in webformulier",
                  "Uitdiensttreders niet tijdig afgemeld"]
FINDING_SOURCES = [("ensia_digid", 20), ("ensia_suwinet", 15), ("it_audit", 25), ("interne_audit", 15),
                   ("pentest", 15), ("incidentevaluatie", 10)]
FINDING_STATUSES = [("open", 30), ("in_behandeling", 25), ("opgelost", 35), ("geaccepteerd", 10)]


def write_findings(conn: psycopg.Connection, rng: random.Random, org_ids: list[int], seeds: AuditSeeds,
                   now: dt.datetime, controls: list[int], labels: dict[int, str]) -> int:
    """Findings (bevindingen) for every municipality, linked to controls and to a few of its
    maatregelen, each with its creation event as ``findings.services`` logs it."""
    measures: dict[int, list[tuple[int, str]]] = {}
    for org_id, measure_id, title in conn.execute(
            "SELECT organisation_id, id, title FROM (SELECT organisation_id, id, title, row_number() OVER "
            "(PARTITION BY organisation_id ORDER BY id) AS n FROM measures) m WHERE n <= 8"):
        measures.setdefault(org_id, []).append((measure_id, title))
    finding_id = 0
    control_links, measure_links = [], []
    with conn.cursor().copy("COPY findings (id, organisation_id, source, found_on, title, description, severity, "
                            "status, motivation, retest_on, closed_at, created_at, updated_at, version) "
                            "FROM STDIN") as copy:
        for index, org_id in enumerate(org_ids):
            for _ in range(FINDINGS_BIG if index == 0 else FINDINGS_PER_ORGANISATION):
                finding_id += 1
                found_on = now.date() - dt.timedelta(days=rng.randint(10, 700))
                at = min(now, dt.datetime.combine(found_on, dt.time(10), UTC) + dt.timedelta(days=rng.randint(0, 9)))
                status = weighted(rng, FINDING_STATUSES, 1)[0]
                source = weighted(rng, FINDING_SOURCES, 1)[0]
                severity = weighted(rng, [("laag", 30), ("midden", 40), ("hoog", 25), ("kritiek", 5)], 1)[0]
                title = rng.choice(FINDING_TITLES)
                retest = found_on + dt.timedelta(days=rng.randint(30, 240)) if rng.random() < 0.8 else None
                motivation = "Restrisico aanvaard door de directie." if status == "geaccepteerd" else None
                closed = at if status in ("opgelost", "geaccepteerd") else None
                chosen_controls = sorted(rng.sample(controls, min(len(controls), rng.randint(1, 3)))) if controls \
                    else []
                chosen_measures = rng.sample(measures.get(org_id, []), min(len(measures.get(org_id, [])),
                                                                          rng.randint(0, 2)))
                description = f"{title}: bevinding uit {source}."
                copy.write_row((finding_id, org_id, source, found_on, title, description, severity, status,
                                motivation, retest, closed, at, at, 1))
                control_links += [(finding_id, c) for c in chosen_controls]
                measure_links += [(finding_id, m) for m, _t in chosen_measures]
                values = {"source": source, "found_on": found_on.isoformat(), "title": title,
                          "description": description, "severity": severity, "status": status,
                          "motivation": motivation, "retest_on": retest.isoformat() if retest else None,
                          "controls": sorted(labels[c] for c in chosen_controls),
                          "measures": sorted(t for _m, t in chosen_measures), "organisation": f"G{org_id - 1:03d}"}
                seeds.created_with(at, AuditSeeds.FINDING, finding_id, org_id,
                                   {k: v for k, v in values.items() if v is not None})
    with conn.cursor().copy("COPY finding_controls (finding_id, control_id) FROM STDIN") as copy:
        for row in control_links:
            copy.write_row(row)
    with conn.cursor().copy("COPY finding_measures (finding_id, measure_id) FROM STDIN") as copy:
        for row in measure_links:
            copy.write_row(row)
    conn.execute("SELECT setval(pg_get_serial_sequence('findings', 'id'), GREATEST((SELECT max(id) FROM findings), 1))")
    return finding_id


def write_verwerkingen(conn: psycopg.Connection, rng: random.Random, org_ids: list[int], seeds: AuditSeeds,
                       now: dt.datetime) -> tuple[int, int]:
    """Verwerkers and verwerkingen for every municipality, each with its creation event as
    ``processing.services`` logs it (the values given; ``None`` left out)."""
    processor_id = activity_id = 0
    at = now - dt.timedelta(days=400)
    with conn.cursor().copy("COPY processors (id, organisation_id, name, contact, country, inside_eea, "
                            "agreement_signed, agreement_signed_on, agreement_expires_on, agreement_review_on, "
                            "created_at, updated_at, version) FROM STDIN") as copy:
        per_org: dict[int, list[tuple[int, str]]] = {}
        for org_id in org_ids:
            for name in rng.sample(VERWERKERS, 3):
                processor_id += 1
                signed = rng.random() < 0.85
                expires = (now.date() + dt.timedelta(days=rng.randint(-60, 900))) if signed else None
                values = {"name": name, "contact": None, "country": "Nederland", "inside_eea": True,
                          "agreement_signed": signed,
                          "agreement_signed_on": (now.date() - dt.timedelta(days=700)) if signed else None,
                          "agreement_expires_on": expires, "agreement_review_on": None}
                copy.write_row((processor_id, org_id, name, None, "Nederland", True, signed,
                                values["agreement_signed_on"], expires, None, at, at, 1))
                seeds.created_with(at, AuditSeeds.PROCESSOR, processor_id, org_id, {
                    **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()
                       if v is not None}, "organisation": f"G{org_id - 1:03d}"})
                per_org.setdefault(org_id, []).append((processor_id, name))
    links = []
    with conn.cursor().copy("COPY processing_activities (id, organisation_id, name, purpose, legal_basis, "
                            "subject_categories, data_categories, special_categories, bsn, outside_eea, "
                            "dpia_required, dpia_done, owner, status, created_at, updated_at, version) "
                            "FROM STDIN") as copy:
        for org_id in org_ids:
            for name in VERWERKINGEN[:VERWERKINGEN_PER_ORGANISATION]:
                activity_id += 1
                chosen = rng.sample(per_org[org_id], rng.randint(0, 2))
                links += [(activity_id, pid) for pid, _name in chosen]
                basis = rng.choice(["wettelijke_verplichting", "algemeen_belang", "overeenkomst"])
                owner = rng.choice(SURNAMES)
                status = "actief" if rng.random() < 0.9 else "concept"
                copy.write_row((activity_id, org_id, name, f"Uitvoering van de taak: {name}", basis, '["inwoners"]',
                                '["naw"]', "[]", True, False, False, False, owner, status, at, at, 1))
                seeds.created_with(at, AuditSeeds.PROCESSING_ACTIVITY, activity_id, org_id, {
                    "name": name, "purpose": f"Uitvoering van de taak: {name}", "legal_basis": basis,
                    "subject_categories": ["inwoners"], "data_categories": ["naw"], "special_categories": [],
                    "bsn": True, "outside_eea": False, "dpia_required": False, "dpia_done": False, "owner": owner,
                    "status": status, "processors": sorted(n for _pid, n in chosen),
                    "organisation": f"G{org_id - 1:03d}"})
    with conn.cursor().copy("COPY processing_activity_processors (activity_id, processor_id) FROM STDIN") as copy:
        for row in links:
            copy.write_row(row)
    for table in ("processors", "processing_activities"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                     f"GREATEST((SELECT max(id) FROM {table}), 1))")
    return processor_id, activity_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BIO_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--organisations", type=int, default=350, help="municipalities (default 350)")
    parser.add_argument("--incidents", type=int, default=1_000_000, help="incidents in total (default 1,000,000)")
    parser.add_argument("--years", type=int, default=10, help="spread over this many years up to now (default 10)")
    parser.add_argument("--big-share", type=float, default=0.12,
                        help="share of the incidents in G001, the big municipality (default 0.12)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--force", action="store_true", help="allow a database whose name lacks 'bench'")
    args = parser.parse_args(argv)

    dbname = args.database_url.rsplit("/", 1)[-1].split("?")[0]
    if "bench" not in dbname and not args.force:
        parser.error(f"refusing to wipe database {dbname!r}: its name lacks 'bench' (use --force)")
    if args.organisations < 1 or args.incidents < args.organisations:
        parser.error("need at least one organisation and as many incidents as organisations")

    started = time.monotonic()
    print(f"Wiping {dbname} and building the schema (bio-register init)…", file=sys.stderr)
    reset_schema(args.database_url)
    rng = random.Random(args.seed)  # noqa: S311 (test data, not secrets)
    now = dt.datetime.now(UTC).replace(microsecond=0)
    begin = now - dt.timedelta(days=365 * args.years)
    span = (now - begin).total_seconds()

    with psycopg.connect(args.database_url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        definitions = drop_indexes(conn)
        catalog_id = conn.execute("SELECT id FROM control_catalogs WHERE key LIKE 'BIO2%%' ORDER BY key DESC LIMIT 1"
                                  ).fetchone()
        controls = [r[0] for r in conn.execute(
            "SELECT id FROM controls WHERE catalog_id = %s AND kind = 'measure' AND status = 'active'",
            (catalog_id[0] if catalog_id else -1,))] if catalog_id else []

        # organisations and the generator's own user (authors of decisions, assessments, …), each
        # with its creation event
        seeds = AuditSeeds()
        conn.execute("INSERT INTO organisations (id, code, name, reference_prefix, parent_id, created_at) "
                     "VALUES (1, 'SSO', 'Gemeenschappelijke regeling (benchmark)', 'SSO', NULL, %s)", (begin,))
        seeds.created_with(begin, AuditSeeds.ORGANISATION, 1, 1, {
            "code": "SSO", "name": "Gemeenschappelijke regeling (benchmark)", "reference_prefix": "SSO",
            "parent": None})
        with conn.cursor().copy("COPY organisations (id, code, name, reference_prefix, parent_id, created_at) "
                                "FROM STDIN") as copy:
            for i in range(args.organisations):
                code = f"G{i + 1:03d}"
                copy.write_row((i + 2, code, f"Gemeente Benchmark {i + 1}", code, 1, begin))
                seeds.created_with(begin, AuditSeeds.ORGANISATION, i + 2, i + 2, {
                    "code": code, "name": f"Gemeente Benchmark {i + 1}", "reference_prefix": code, "parent": "SSO"})
        conn.execute("INSERT INTO users (id, email, name, active, auth_version, created_at) VALUES "
                     "(1, 'generator@bench.invalid', 'Benchmark-generator', false, 1, %s)", (begin,))
        seeds.created_with(begin, AuditSeeds.USER, 1, 0, {
            "email": "generator@bench.invalid", "name": "Benchmark-generator", "active": False})
        org_ids = list(range(2, args.organisations + 2))
        # the people of each municipality (the functioneel beheerder's Gebruikers page): a
        # verbindingsofficier, an FG, a CISO and employees who report, skewed by size like the incidents
        people: list[tuple] = []
        roles: list[tuple] = []
        for index, org_id in enumerate(org_ids):
            code = f"g{index + 1:03d}"
            staff = [("verbindingsofficier", "Verbindingsofficier"), ("fg", "Functionaris"), ("ciso", "CISO")]
            staff += [("medewerker", f"Medewerker {n}") for n in range(STAFF_PER_ORGANISATION(index))]
            for n, (role, title) in enumerate(staff):
                user_id = len(people) + 2
                email = f"{role}.{n}@{code}.bench.invalid"
                people.append((user_id, email, f"{title} {code.upper()}", True, 1, begin))
                roles.append((user_id, org_id, role, begin))
                seeds.created_with(begin, AuditSeeds.USER, user_id, 0,
                                   {"email": email, "name": f"{title} {code.upper()}", "active": True})
                # memberships get their ids from their sequence, in this order
                seeds.created_with(begin, AuditSeeds.MEMBERSHIP, len(roles), org_id,
                                   {"user": email, "organisation": code.upper(), "role": role})
        with conn.cursor().copy("COPY users (id, email, name, active, auth_version, created_at) FROM STDIN") as copy:
            for person in people:
                copy.write_row(person)
        with conn.cursor().copy("COPY memberships (user_id, organisation_id, role, created_at) FROM STDIN") as copy:
            for held in roles:
                copy.write_row(held)
        sizes = org_sizes(args.organisations, args.incidents, args.big_share)

        counters: dict[tuple[int, int], int] = {}
        ids = {"incident": 0, "entry": 0, "assessment": 0, "decision": 0, "notification": 0, "subject": 0,
               "cbw": 0, "measure": 0, "correspondence": 0}
        bar = Bar("incidents + datalekken", args.incidents)
        buffers = {
            "incidents": Buffer("incidents", (
                "id, organisation_id, reference, year, number, title, description, category, severity, "
                "impact_confidentiality, impact_integrity, impact_availability, occurred_at, discovered_at, "
                "reporter, is_datalek, is_significant_cbw, status, cause, lessons_learned, created_by_id, "
                "created_at, updated_at, closed_at, version, ap_clock_running, ap_aware_at, ap_notified_at")),
            "entries": Buffer("timeline_entries", "id, incident_id, kind, text, occurred_at, author_id, created_at"),
            "assessments": Buffer("breach_assessments", (
                "id, incident_id, aware_at, data_categories, special_categories, bsn, criminal_data, "
                "subject_categories, subjects_count, records_count, nature_confidentiality, nature_integrity, "
                "nature_availability, unintelligible, processor_involved, cross_border, ongoing, "
                "likely_consequences, enisa_cb_confidentiality, enisa_cb_integrity, enisa_cb_availability, "
                "enisa_cb_malicious, assessed_by_id, assessed_at, version")),
            "decisions": Buffer("ap_decisions", "id, incident_id, notify, motivation, decided_by_id, decided_at"),
            "notifications": Buffer("ap_notifications", (
                "id, incident_id, kind, submitted_at, meldnummer, late_reason, recorded_by_id, recorded_at")),
            "subjects": Buffer("data_subject_decisions", (
                "id, incident_id, notify, ground, explanation, notified_at, channel, decided_by_id, decided_at")),
            "cbw": Buffer("cbw_reports", (
                "id, incident_id, phase, recipient, submitted_at, reference, summary, recorded_by_id, recorded_at")),
            "measures": Buffer("measures", (
                "id, organisation_id, title, description, owner, due_date, status, created_by_id, created_at, "
                "updated_at, completed_at, version")),
            "measure_incidents": Buffer("measure_incidents", "measure_id, incident_id"),
            "measure_controls": Buffer("measure_controls", "measure_id, control_id"),
            # the AP's questions after a melding and its closing of the file (issue 20): most files
            # of closed datalekken closed, the rest still open at the AP
            "correspondence": Buffer("ap_correspondence", (
                "id, incident_id, kind, occurred_at, text, ap_reference, author_id, recorded_at")),
        }
        (inc_copy, entry_copy, ba_copy, dec_copy, not_copy, ds_copy, cbw_copy, m_copy, mi_copy,
         mc_copy, corr_copy) = buffers.values()
        if True:
            for org_id, size in zip(org_ids, sizes, strict=True):
                prefix = f"G{org_id - 1:03d}"
                times = sorted(begin + dt.timedelta(seconds=rng.random() * span) for _ in range(size))
                cats = weighted(rng, CATEGORIES, size)
                sevs = weighted(rng, SEVERITIES, size)
                for discovered, category, severity in zip(times, cats, sevs, strict=True):
                    ids["incident"] += 1
                    iid = ids["incident"]
                    year = discovered.astimezone(AMS).year
                    number = counters[(org_id, year)] = counters.get((org_id, year), 0) + 1
                    age = (now - discovered).days
                    r = rng.random()
                    if age < 14:
                        status = "nieuw" if r < 0.5 else "in_behandeling" if r < 0.9 else "afgehandeld"
                    elif age < 90:
                        status = ("nieuw" if r < 0.05 else "in_behandeling" if r < 0.3 else
                                  "afgehandeld" if r < 0.95 else "ingetrokken")
                    else:
                        status = ("nieuw" if r < 0.002 else "in_behandeling" if r < 0.01 else
                                  "afgehandeld" if r < 0.95 else "ingetrokken")
                    closed = status in ("afgehandeld", "ingetrokken")
                    closed_at = min(now, discovered + dt.timedelta(days=rng.randint(1, 60))) if closed else None
                    is_datalek = rng.random() < 0.4 and category not in ("onbeschikbaarheid", "availability")
                    significant = rng.random() < 0.002
                    template = rng.choice(TITLES.get(category or "", GENERIC_TITLES))
                    title = template.format(doc=rng.choice(DOCS), who=rng.choice(WHO), device=rng.choice(DEVICES),
                                            place=rng.choice(PLACES), system=rng.choice(SYSTEMS))
                    words = rng.sample(FILLER, 18)
                    description = (f"Gemeld door {rng.choice(SURNAMES)}. {title}. " + " ".join(words) + ".")
                    occurred = discovered - dt.timedelta(hours=rng.randint(0, 72)) if r < 0.7 else None
                    row = (
                        iid, org_id, f"{prefix}-{year}-{number:04d}", year, number, title, description, category,
                        severity, is_datalek, rng.random() < 0.2, category in ("onbeschikbaarheid", "availability"),
                        occurred, discovered, rng.choice(SURNAMES), is_datalek, significant, status,
                        "Menselijke fout" if closed else None, None, None, discovered,
                        closed_at or discovered, closed_at, 1)
                    # the derived AP clock (breaches.services.refresh_ap_state), written with the row below
                    clock_running, aware_at, notified_at = True, None, None
                    seeds.incident_created(discovered, iid, org_id, {
                        "reference": f"{prefix}-{year}-{number:04d}", "title": title, "category": category,
                        "severity": severity, "is_datalek": is_datalek, "is_significant_cbw": significant,
                        "status": "nieuw"})
                    if status != "nieuw":  # picked up before it was closed (the log's order is the register's)
                        picked_up = discovered + dt.timedelta(hours=rng.randint(1, 48))
                        if closed_at is not None:
                            picked_up = min(picked_up, closed_at - dt.timedelta(minutes=1))
                        seeds.add(picked_up, 1, iid, org_id)
                    if closed_at is not None:
                        seeds.add(closed_at, 2 if status == "afgehandeld" else AuditSeeds.WITHDRAWN, iid, org_id)
                    if rng.random() < 0.2:
                        ids["entry"] += 1
                        seeds.add(discovered + dt.timedelta(hours=2), 3, ids["entry"], org_id)
                        entry_copy.write_row((ids["entry"], iid, "actie", "Betrokkene gebeld en gevraagd het bericht "
                                              "te verwijderen.", discovered + dt.timedelta(hours=2), 1,
                                              discovered + dt.timedelta(hours=2)))
                    if is_datalek:
                        aware = discovered + dt.timedelta(hours=rng.randint(0, 6))
                        if closed or rng.random() < 0.6:
                            ids["assessment"] += 1
                            seeds.add(aware + dt.timedelta(hours=8), 4, ids["assessment"], org_id)
                            aware_at = aware
                            ba_copy.write_row((
                                ids["assessment"], iid, aware, '["naw", "contact"]', "[]", rng.random() < 0.1,
                                False, '["burgers"]', rng.randint(1, 50), rng.randint(1, 200), True, False, False,
                                False, False, False, False, "Mogelijk ongewenst inzicht in persoonsgegevens.",
                                "0", "0", "0", False, 1, aware + dt.timedelta(hours=8), 1))
                        if closed or rng.random() < 0.4:
                            notify = rng.random() < 0.2
                            decided = aware + dt.timedelta(hours=rng.randint(4, 60))
                            ids["decision"] += 1
                            clock_running = False  # not to notify, or notified just below
                            seeds.add(decided, AuditSeeds.NOTIFY if notify else 5, ids["decision"], org_id)
                            dec_copy.write_row((ids["decision"], iid, notify,
                                                "Beoordeeld met de ENISA-methode." if not notify else
                                                "Risico voor betrokkenen: melden.", 1, decided))
                            if notify:
                                ids["notification"] += 1
                                submitted = decided + dt.timedelta(hours=rng.randint(1, 20))
                                seeds.add(submitted, 6, ids["notification"], org_id)
                                late = submitted > aware + dt.timedelta(hours=72)
                                notified_at = submitted
                                not_copy.write_row((ids["notification"], iid, "initial", submitted,
                                                    f"M{iid:09d}", "Later ontdekt wat er speelde." if late else None,
                                                    1, submitted))
                                if rng.random() < 0.3:
                                    ids["correspondence"] += 1
                                    asked = min(now, submitted + dt.timedelta(days=rng.randint(3, 20)))
                                    corr_copy.write_row((ids["correspondence"], iid, "vraag_ap", asked,
                                                         "Hoeveel betrokkenen zijn geïnformeerd?", None, 1, asked))
                                if closed and rng.random() < 0.8:
                                    ids["correspondence"] += 1
                                    shut = min(now, submitted + dt.timedelta(days=rng.randint(20, 90)))
                                    corr_copy.write_row((ids["correspondence"], iid, "dossier_gesloten", shut, None,
                                                         f"z{iid:09d}", 1, shut))
                            if closed and rng.random() < 0.5:
                                ids["subject"] += 1
                                informed = rng.random() < 0.3
                                seeds.add(decided, AuditSeeds.INFORMED if informed else 7, ids["subject"], org_id)
                                ds_copy.write_row((ids["subject"], iid, informed, None if informed else "no_high_risk",
                                                   None, decided if informed else None,
                                                   "brief" if informed else None, 1, decided))
                    inc_copy.write_row((*row, clock_running, aware_at, notified_at))
                    if significant:
                        for hours, phase in ((20, "early_warning"), (60, "notification"), (600, "final")):
                            submitted = discovered + dt.timedelta(hours=hours)
                            if submitted < now:
                                ids["cbw"] += 1
                                seeds.add(submitted, 8, ids["cbw"], org_id)
                                cbw_copy.write_row((ids["cbw"], iid, phase, "NCSC", submitted, None, None, 1,
                                                    submitted))
                    if rng.random() < 0.2:
                        ids["measure"] += 1
                        mid = ids["measure"]
                        due = (discovered + dt.timedelta(days=rng.randint(7, 90))).date()
                        m_status = ("gereed" if closed and rng.random() < 0.9 else
                                    rng.choice(("gepland", "in_uitvoering")) if not closed or rng.random() < 0.5
                                    else "vervallen")
                        done_at = min(now, discovered + dt.timedelta(days=rng.randint(3, 80))) \
                            if m_status == "gereed" else None
                        m_copy.write_row((mid, org_id, f"Maatregel na {title[:150]}", None, rng.choice(SURNAMES),
                                          due, m_status, None, discovered, done_at or discovered, done_at, 1))
                        seeds.add(discovered, 9, mid, org_id)
                        if done_at is not None:  # only a measure that is gereed has one
                            seeds.add(done_at, 10, mid, org_id)
                        mi_copy.write_row((mid, iid))
                        if controls:
                            mc_copy.write_row((mid, rng.choice(controls)))
                    bar.update()
                for buffer in buffers.values():
                    buffer.flush(conn)
        bar.close()

        # logins (no organisation): one for every two incidents, spread over the years
        for _ in range(args.incidents // 2):
            seeds.add(begin + dt.timedelta(seconds=rng.random() * span), AuditSeeds.LOGIN,
                      rng.randint(2, 10 * args.organisations + 2), 0)
        assessed = 0
        labels = {control_id: f"{key} {code}" for control_id, key, code in conn.execute(
            "SELECT c.id, k.key, c.code FROM controls c JOIN control_catalogs k ON k.id = c.catalog_id")}
        previous: dict[str, object] = {}
        if controls:
            bar = Bar("control assessments", args.organisations)
            with conn.cursor().copy("COPY control_assessments (id, organisation_id, control_id, applicable, "
                                    "justification, status, evidence, evidence_links, owner, proposed, "
                                    "assessed_by_id, assessed_at, in_force) FROM STDIN") as copy:
                for org_id in org_ids:
                    for control_id in controls:
                        if rng.random() < 0.1:
                            continue  # not assessed yet
                        history = 2 if rng.random() < 0.2 else 1
                        for step in range(history):
                            assessed += 1
                            applicable = rng.random() < 0.92
                            status = (weighted(rng, [("volledig", 55), ("gedeeltelijk", 30), ("niet", 15)], 1)[0]
                                      if applicable else None)
                            at = now - dt.timedelta(days=rng.randint(1, 700) if step == 0 else rng.randint(0, 200))
                            if history == 2 and step == 0:
                                at = now - dt.timedelta(days=rng.randint(201, 900))
                            snapshot = {"applicable": applicable, "justification": None if applicable else
                                        "Niet van toepassing op deze organisatie.", "status": status,
                                        "evidence": None, "evidence_links": [], "owner": rng.choice(SURNAMES),
                                        "proposed": False}
                            copy.write_row((assessed, org_id, control_id, applicable, snapshot["justification"],
                                            status, None, "[]", snapshot["owner"], False, 1, at,
                                            step == history - 1))  # the newest row is in force
                            # as compliance.services.assess logs it: what differs from the previous one
                            before = previous if step else {}
                            seeds.created_with(at, AuditSeeds.ASSESSMENT, assessed, org_id, {
                                "control": labels[control_id],
                                **{name: value for name, value in snapshot.items() if value != before.get(name)}})
                            previous = snapshot
                    bar.update()
            bar.close()

        processors, activities = write_verwerkingen(conn, rng, org_ids, seeds, now)
        templates = write_breach_templates(conn, rng, org_ids, seeds, now)
        webhooks = write_webhooks(conn, rng, org_ids, now)
        playbooks, incident_tasks = write_playbooks(conn, rng, org_ids, now)
        findings = write_findings(conn, rng, org_ids, seeds, now, controls, labels)

        audit_events = seeds.write(conn, now)
        del seeds

        with conn.cursor().copy("COPY reference_counters (organisation_id, year, last_number) FROM STDIN") as copy:
            for (org_id, year), last in counters.items():
                copy.write_row((org_id, year, last))
        # the derived flag the services keep (breaches.services.refresh_ap_state), as migration 0025 fills it
        conn.execute("UPDATE incidents SET ap_file_open = true WHERE EXISTS (SELECT 1 FROM ap_notifications n "
                     "WHERE n.incident_id = incidents.id AND n.kind = 'initial') AND NOT EXISTS (SELECT 1 FROM "
                     "ap_correspondence c WHERE c.incident_id = incidents.id AND c.kind = 'dossier_gesloten')")

        conn.commit()
        bar = Bar("indexes", len(definitions))
        for definition in definitions:
            conn.execute(definition)
            conn.commit()
            bar.update()
        bar.close()
        for table, column in (("organisations", "id"), ("users", "id"), ("incidents", "id"),
                              ("timeline_entries", "id"), ("breach_assessments", "id"), ("ap_decisions", "id"),
                              ("ap_notifications", "id"), ("ap_correspondence", "id"),
                              ("data_subject_decisions", "id"), ("cbw_reports", "id"),
                              ("measures", "id"), ("control_assessments", "id"), ("audit_events", "id")):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608
                         f"GREATEST((SELECT max({column}) FROM {table}), 1))")
        conn.commit()
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        print("VACUUM ANALYZE…", file=sys.stderr)
        conn.execute("VACUUM ANALYZE")

    summary = {"organisations": args.organisations, "incidents": args.incidents, "big_org": "G001",
               "big_org_incidents": sizes[0], "control_assessments": assessed, "audit_events": audit_events,
               "processors": processors, "processing_activities": activities, "breach_templates": templates,
               "webhooks": webhooks,
               "playbooks": playbooks, "incident_tasks": incident_tasks, "findings": findings,
               "seconds": round(time.monotonic() - started),
               **{f"{k}_rows": v for k, v in ids.items()}}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
