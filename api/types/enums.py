"""Shim: the enums are the domain's, exposed in api/graphql/<concept>/enums.py."""

from api.graphql.children.enums import Cohort as Cohort
from api.graphql.people.enums import Role as Role
from api.graphql.people.enums import RoleScope as RoleScope
