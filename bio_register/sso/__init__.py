"""Single sign-on with OpenID Connect (Microsoft Entra ID or any other provider)."""
