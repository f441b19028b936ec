from __future__ import annotations

from typing import Any

from bio_register.accounts import services
from bio_register.accounts.models import User
from bio_register.accounts.schemas import MeOut, MePatch
from bio_register.pipeline import api_blueprint, api_user, signed_in

blp = api_blueprint("me_api", __name__, "/me", "De ingelogde gebruiker (eigenaar van het token).")


@blp.route("")
@blp.response(200, MeOut)
@signed_in
def get_me() -> User:
    """Who the token belongs to, with their roles per organisation."""
    return api_user()


@blp.route("", methods=["PATCH"])
@blp.arguments(MePatch)
@blp.response(200, MeOut)
@signed_in
def patch_me(data: dict[str, Any]) -> User:
    """Change one's own name or language."""
    return services.update_profile(api_user(), **data)
