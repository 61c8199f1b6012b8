"""GraphQL enums, each value described for the front-end; values equal the domain's."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="A role a person holds, from the framework's list of roles.")
class Role(Enum):
    DIRECTOR_OF_CHILDRENS_SERVICES = strawberry.enum_value(
        "DIRECTOR_OF_CHILDRENS_SERVICES",
        description="Director of Children's Services: overview of everything.",
    )
    ASSISTANT_EXECUTIVE_DIRECTOR = strawberry.enum_value(
        "ASSISTANT_EXECUTIVE_DIRECTOR",
        description="Decides the audit programme; receives exception reports; auditor.",
    )
    PRINCIPAL_SOCIAL_WORKER = strawberry.enum_value(
        "PRINCIPAL_SOCIAL_WORKER",
        description="Auditor; supervision audits; consulted on the programme.",
    )
    HEAD_OF_SERVICE = strawberry.enum_value(
        "HEAD_OF_SERVICE",
        description="Auditor; owns the response to Inadequate audits in their service.",
    )
    GROUP_MANAGER = strawberry.enum_value("GROUP_MANAGER", description="Auditor.")
    TEAM_MANAGER = strawberry.enum_value(
        "TEAM_MANAGER", description="Auditor; dip sampling; observes and supervises workers."
    )
    ASSISTANT_TEAM_MANAGER = strawberry.enum_value(
        "ASSISTANT_TEAM_MANAGER",
        description="Auditor; dip sampling; observes and supervises workers.",
    )
    INDEPENDENT_REVIEWING_OFFICER = strawberry.enum_value(
        "INDEPENDENT_REVIEWING_OFFICER",
        description="Independent Reviewing Officer or Child Protection Chair; auditor.",
    )
    QA_LEAD = strawberry.enum_value(
        "QA_LEAD",
        description="QA and Audit Lead: moderates, desk-top audits, learning reports.",
    )
    SAFEGUARDING_QAU_MANAGER = strawberry.enum_value(
        "SAFEGUARDING_QAU_MANAGER",
        description="Safeguarding and QAU Manager: nine-month child protection dip samples.",
    )
    PRACTITIONER = strawberry.enum_value(
        "PRACTITIONER",
        description="Social worker, Family First practitioner, Senior Practice Lead; holds cases.",
    )
    PARTNER_AGENCY_MEMBER = strawberry.enum_value(
        "PARTNER_AGENCY_MEMBER",
        description="Police, health, education…: sees only the multi-agency audits they join.",
    )
    ADMINISTRATOR = strawberry.enum_value(
        "ADMINISTRATOR",
        description="Manages people, teams, templates and settings; sees no case content.",
    )


@strawberry.enum(description="Where a role is held: the whole authority, one service, one team.")
class RoleScope(Enum):
    AUTHORITY = strawberry.enum_value("AUTHORITY", description="The whole local authority.")
    SERVICE = strawberry.enum_value("SERVICE", description="One service and all its teams.")
    TEAM = strawberry.enum_value("TEAM", description="One team.")


@strawberry.enum(description="A group of children the framework audits and reports on.")
class Cohort(Enum):
    CHILD_IN_NEED = strawberry.enum_value("CHILD_IN_NEED", description="Child in need.")
    CHILD_PROTECTION = strawberry.enum_value(
        "CHILD_PROTECTION", description="Has a child protection plan."
    )
    LOOKED_AFTER = strawberry.enum_value("LOOKED_AFTER", description="Looked after (in care).")
    CARE_LEAVER = strawberry.enum_value("CARE_LEAVER", description="Care leaver.")
    FAMILY_FIRST = strawberry.enum_value("FAMILY_FIRST", description="Supported by Family First.")
