"""The people enums: the domain's roles and where they are held, as GraphQL enums."""

from __future__ import annotations

from api.graphql.core.enums import expose
from domain.core.roles import Role
from domain.core.roles import ScopeType as RoleScope

__all__ = ["Role", "RoleScope"]

expose(
    Role,
    description="A role a person holds, from the framework's list of roles.",
    values={
        "DIRECTOR_OF_CHILDRENS_SERVICES": "Director of Children's Services: overview of "
        "everything.",
        "ASSISTANT_EXECUTIVE_DIRECTOR": "Decides the audit programme; receives exception "
        "reports; auditor.",
        "PRINCIPAL_SOCIAL_WORKER": "Auditor; supervision audits; consulted on the programme.",
        "HEAD_OF_SERVICE": "Auditor; owns the response to Inadequate audits in their service.",
        "GROUP_MANAGER": "Auditor.",
        "TEAM_MANAGER": "Auditor; dip sampling; observes and supervises workers.",
        "ASSISTANT_TEAM_MANAGER": "Auditor; dip sampling; observes and supervises workers.",
        "INDEPENDENT_REVIEWING_OFFICER": "Independent Reviewing Officer or Child Protection "
        "Chair; auditor.",
        "QA_LEAD": "QA and Audit Lead: moderates, desk-top audits, learning reports.",
        "SAFEGUARDING_QAU_MANAGER": "Safeguarding and QAU Manager: nine-month child protection "
        "dip samples.",
        "PRACTITIONER": "Social worker, Family First practitioner, Senior Practice Lead; holds "
        "cases.",
        "PARTNER_AGENCY_MEMBER": "Police, health, education…: sees only the multi-agency "
        "audits they join.",
        "ADMINISTRATOR": "Manages people, teams, templates and settings; sees no case content.",
    },
)


expose(
    RoleScope,
    name="RoleScope",
    description="Where a role is held: the whole authority, one service, one team.",
    values={
        "AUTHORITY": "The whole local authority.",
        "SERVICE": "One service and all its teams.",
        "TEAM": "One team.",
    },
)
