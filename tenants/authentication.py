"""The API's token authentication (DRF's `TokenAuthentication`, the same rules and answers) in one
statement: the token, its user and the user's memberships, which the request's permission checks then
read from memory (`tenants.selectors.memberships_remember`) instead of a second query.

Nothing is cached between requests: a token deleted, a user deactivated or a role taken away counts
from the next request on, as with DRF's own class.
"""
from __future__ import annotations

import json

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from common.rows import ModelRow
from tenants.models import Membership, User
from tenants.selectors import memberships_remember

_USER = ModelRow(User, "u")
_SQL = (
    f"SELECT {_USER.select}, t.created, "  # noqa: S608 - table and column names from the models, the key a parameter
    f"(SELECT COALESCE(json_agg(json_build_array(m.centre_id, m.role, m.department_code)), '[]')::text "
    f"FROM {Membership._meta.db_table} m WHERE m.user_id = u.id) "
    f"FROM {Token._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.key = %s")


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`: 401 `Invalid token.` for an unknown key, `User inactive or deleted.`
    for a deactivated user (DRF's words and checks); the user's memberships remembered for the request."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        with connection.cursor() as cursor:
            cursor.execute(_SQL, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = _USER.instance(row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        created, memberships = row[len(_USER.fields)], row[len(_USER.fields) + 1]
        memberships_remember(user=user, rows=json.loads(memberships))
        token = Token(key=key, user_id=user.pk, created=created)
        token._state.adding, token._state.db = False, connection.alias
        return user, token
