"""The playbooks of an organisation, and the steps (tasks) on an incident."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bio_register.api.base import problem_doc
from bio_register.incidents.models import Incident, IncidentTask, TaskState
from bio_register.loaders import INCIDENT
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_user, requires
from bio_register.playbooks import services
from bio_register.playbooks.schemas import (
    ApplyIn,
    PlaybookIn,
    PlaybookListOut,
    PlaybookOut,
    TaskListOut,
    TasksPatch,
)

blp = api_blueprint("playbooks_api", __name__, "/organisations",
                    "Draaiboeken: per categorie incident de stappen, standaard of van de organisatie zelf.")
tasks_blp = api_blueprint("incident_tasks_api", __name__, "/incidents",
                          "De stappen van een draaiboek op een incident: open, gedaan of niet van toepassing.")

#: the organisation named by ``code``, for those who read its incidents
ORGANISATION = organisation_loader(Permission.INCIDENT_READ)


def _tasks(tasks: Sequence[IncidentTask]) -> dict[str, Any]:
    return {"items": list(tasks), "open": sum(1 for t in tasks if t.state == TaskState.OPEN)}


@blp.route("/<string:code>/playbooks")
@blp.response(200, PlaybookListOut)
@requires(Permission.INCIDENT_READ, load=ORGANISATION)
def list_playbooks(organisation: Organisation) -> dict[str, Any]:
    """The playbook that applies to the organisation's incidents for each category that has one:
    its own, one of an organisation above it, or the shipped default (``source``)."""
    items = services.list_playbooks(organisation)
    return {"items": items, "total": len(items)}


@blp.route("/<string:code>/playbooks/<string:category>", methods=["PUT"])
@blp.arguments(PlaybookIn)
@blp.response(200, PlaybookOut)
@blp.alt_response(403, **problem_doc("Only the beheerder and the CISO keep playbooks"))
@blp.alt_response(409, **problem_doc("Someone else saved in between: read it again"))
@requires(Permission.PLAYBOOK_MANAGE, load=ORGANISATION)
def put_playbook(data: dict[str, Any], organisation: Organisation, category: str) -> services.PlaybookView:
    """Set the organisation's own playbook for ``category`` (the first save copies the shipped or
    inherited one: copy-on-edit). A step without text answers 422 naming ``steps.<n>``."""
    return services.save_playbook(api_user(), organisation, category, data["steps"], version=data.get("version"))


@tasks_blp.route("/<int:incident_id>/playbook", methods=["POST"])
@tasks_blp.arguments(ApplyIn)
@tasks_blp.response(201, TaskListOut)
@tasks_blp.alt_response(403, **problem_doc("The caller does not handle this incident"))
@tasks_blp.alt_response(409, **problem_doc("This category's playbook was applied to the incident already"))
@requires(Permission.INCIDENT_TASKS, load=INCIDENT)
def apply_playbook(data: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """Add the steps of the playbook for the incident's category (or ``category``) as open tasks.
    Applying the same category's playbook again answers 409 and adds nothing; 422 when there is
    no category, no playbook for it, or the incident is closed. Returns all the incident's steps."""
    return _tasks(services.apply_playbook(api_user(), incident, data.get("category")))


@tasks_blp.route("/<int:incident_id>/tasks")
@tasks_blp.response(200, TaskListOut)
@requires(Permission.INCIDENT_READ, load=INCIDENT)
def list_tasks(incident: Incident) -> dict[str, Any]:
    """The incident's steps in order, with who changed each when."""
    return _tasks(services.tasks_of(incident))


@tasks_blp.route("/<int:incident_id>/tasks", methods=["PATCH"])
@tasks_blp.arguments(TasksPatch)
@tasks_blp.response(200, TaskListOut)
@tasks_blp.alt_response(403, **problem_doc("The caller does not handle this incident"))
@requires(Permission.INCIDENT_TASKS, load=INCIDENT)
def patch_tasks(data: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """Set the state (``open``, ``gedaan``, ``niet_van_toepassing``) and optionally a note of some
    steps: ``{"tasks": [{"id": 7, "state": "gedaan"}]}``. All or nothing; each change is audited and
    shown in the incident's timeline."""
    return _tasks(services.update_tasks(api_user(), incident, data["tasks"]))
