"""What else people say and write in the demo's year of audits: the voices of children and
families, practitioners' reflections, actions, learning, moderators' reasons, and the
multi-agency and external reviews' findings."""

from __future__ import annotations

from demo.audits.answers import STRONG, WEAK
from domain.audits.kinds import Agreement, Grade

CHILD_VOICES_YOUNG = (
    "I like it when my social worker comes because we play games and she listens.",
    "Home is calmer now. Mum doesn't shout as much.",
    "I feel safe at Nan's house. I want to stay there on Fridays.",
    "I want to see my dad more, but only when he's not drinking.",
    "I drew my three houses. The worry house has got smaller.",
)
CHILD_VOICES_OLDER = (
    "I just want people to listen to me instead of talking about me.",
    "My PA actually turns up when she says she will, which is more than most.",
    "I don't like telling my story again every time I get a new worker.",
    "College is going OK. I'd like help with money and finding a flat.",
    "I know who to call if things kick off at home.",
)
CHILD_VOICES_BABY = (
    "Too young to say in words; observed smiling and reaching for mum, and settled quickly "
    "when held.",
    "Pre-verbal; observed to be alert, well cared for and comfortable with both carers.",
)
PARENT_VOICES = (
    "The worker is straight with me. I didn't like it at first but I know where I stand.",
    "Nobody explained to me why there were so many meetings, or what I need to do for it to stop.",
    "The family group conference was the first time everyone was on the same page.",
    "I've had four social workers in a year. I'm tired of starting again.",
    "She helped me get the kids into nursery, which has made a massive difference.",
)
CARER_VOICES = (
    "He's come on so much since he started at the new school.",
    "We still haven't got her life story book, and she asks about her birth family a lot.",
    "The supervising social worker and the child's worker talk to each other, which helps.",
)
FAMILY_VOICES = (
    "I'm glad to be part of the plan. I can have the kids on Saturdays.",
    "I didn't know anyone was worried until the meeting.",
)

REFLECTIONS: dict[Agreement, tuple[str, ...]] = {
    Agreement.AGREE: (
        "I recognise the picture in this audit. The conversation helped me see how much the "
        "family network has grown, and I want to keep building on it.",
        "I agree with the findings. Talking it through made me realise the chronology had "
        "fallen behind; I've booked time to bring it up to date.",
        "A useful conversation. It was good to hear the strengths named, and the actions are "
        "ones I had already started to think about.",
    ),
    Agreement.PARTLY_AGREE: (
        "I agree about the recording, which fell behind during a period of high caseload, but "
        "I think the audit underplays the direct work done with the children.",
        "I partly agree. The plan has drifted, but this was because of a delay in the "
        "specialist assessment that was outside my control.",
    ),
    Agreement.DISAGREE: (
        "I don't agree with the grade for management oversight: decisions were discussed in "
        "supervision every week, though I accept they were not recorded on the file.",
    ),
}

PRACTITIONER_ACTIONS = (
    "Update the chronology and case summary so that they reflect the last six months.",
    "See the child alone and record what they say in their own words.",
    "Complete direct work (Three Houses) with the child and add it to the file.",
    "Convene a family network meeting to widen the safety plan.",
    "Rewrite the plan with the family so that each action says what will change for the child.",
    "Request the health assessment that is overdue and chase the outcome.",
)
MANAGER_ACTIONS = (
    "Record a management decision, with rationale, on the current level of intervention.",
    "Hold a reflective case discussion in the worker's next supervision.",
    "Review the worker's caseload and protected time for recording.",
    "Arrange a legal planning meeting to consider pre-proceedings.",
)
SERVICE_ACTIONS = (
    "Present the findings to the next Performance Clinic with an improvement plan.",
    "Brief all team managers on the findings at the next managers' meeting.",
    "Agree with partners a shared protocol for return home interviews.",
    "Add the review's recommendations to the service improvement plan and track them monthly.",
)

# (text, is a strength, theme names)
LEARNING: tuple[tuple[str, bool, tuple[str, ...]], ...] = (
    (
        "Where workers used the Three Houses tool, the child's voice was vivid and shaped the "
        "plan.",
        True,
        (),
    ),
    (
        "Family network meetings held early widened safety plans and shortened time on a plan.",
        True,
        (),
    ),
    (
        "Consistent workers who stayed with families for over a year achieved the best "
        "outcomes in this sample.",
        True,
        (),
    ),
    (
        "Joint visits with the domestic abuse worker helped mothers name the risks and plan "
        "for safety.",
        True,
        ("Domestic abuse",),
    ),
    (
        "Cumulative neglect is recorded visit by visit but rarely analysed as a whole; "
        "chronologies are key to seeing the pattern.",
        False,
        ("Neglect",),
    ),
    (
        "Parental alcohol use was often taken on self-report; specialist assessments change plans.",
        False,
        ("Parental addiction",),
    ),
    (
        "Return home interviews after missing episodes were late or missing in half the cases "
        "seen.",
        False,
        ("Child exploitation",),
    ),
    (
        "Management oversight is happening in supervision but is not recorded on the child's file.",
        False,
        (),
    ),
    (
        "Re-referrals within twelve months often followed a step-down without a network in place.",
        False,
        ("Re-referrals",),
    ),
    (
        "Plans for children with parents with poor mental health work best when adult "
        "services attend the core group.",
        False,
        ("Parental mental health",),
    ),
    (
        "Section 47 enquiries were timely, with the child seen within the day in every case.",
        True,
        ("Section 47 enquiries",),
    ),
    (
        "Permanence was considered at the second review in most cases; later planning led to "
        "drift.",
        False,
        ("Permanence planning",),
    ),
)

CANCEL_REASONS = (
    "The family moved to another authority and the case was transferred.",
    "The case closed before the audit began; the child is replaced in next month's sample.",
    "The auditor is on long-term leave; the case will be reallocated in next month's sample.",
    "The child is subject to a serious incident review; audit deferred on the QA Lead's advice.",
)

SUPERVISION_FORUMS = (
    "Legal Planning and Permanence Panel",
    "Complex case discussion, Children in Care Team",
    "Management oversight of MASH decisions",
    "Legal Planning and Permanence Panel",
)

MULTI_AGENCY = (
    (
        "Police, health and education safeguarding leads with the Partnership Business Unit",
        "Multi-agency audit of six children at risk of exploitation. Information sharing "
        "between police and children's social care at the front door was timely, and "
        "strategy discussions included education. Return home interviews were late in four "
        "of six cases, and health was not invited to two strategy meetings. The partnership "
        "will agree a joint protocol for return home interviews and review attendance at "
        "strategy discussions.",
        ("Child exploitation", "Looked after children"),
    ),
    (
        "Health visiting, GP practice and school leads with the Partnership Business Unit",
        "Multi-agency audit of neglect in under-fives. Health visitors identified neglect "
        "early; GP records were not linked to the child protection plan in three cases. The "
        "neglect screening tool is used by schools but not yet by early years settings.",
        ("Neglect", "Child protection"),
    ),
)

EXTERNAL = (
    (
        "Local Government Association peer review team",
        "The LGA peer review tested the front door and the quality of our internal audit "
        "judgements. Reviewers agreed with eight of ten internal grades and found two Good "
        "grades generous where management oversight was not recorded. Strengths: a confident "
        "MASH, relationship-based practice and a clear audit programme. To develop: "
        "consistency of recording management oversight, and the timeliness of return home "
        "interviews.",
    ),
    (
        "Regional ADCS peer challenge",
        "The regional ADCS peer challenge will test permanence planning for children in care "
        "against the authority's own audit findings.",
    ),
)

FINDINGS_ANSWERS = {
    "strengths": "Relationship-based practice; children seen and heard; a confident front door.",
    "areas_for_development": "Recording of management oversight; timeliness of return home "
    "interviews; consistency of plans for children at risk of exploitation.",
    "recommendations": "A joint protocol for return home interviews; a practice standard for "
    "recording management decisions; a follow-up audit in six months.",
}


SUPERVISION_TEXT: dict[str, dict[str, tuple[str, ...]]] = {
    "working_well": {
        STRONG: (
            "Supervision is protected time that is rarely cancelled; the worker says it helps "
            "them think, not just plan tasks.",
            "Decisions from the panel are clear, recorded with their rationale and shared "
            "with families within the week.",
        ),
        WEAK: (
            "The worker and manager have a trusting relationship and talk informally every day.",
            "Panel members bring strong knowledge of the children discussed.",
        ),
    },
    "worried_about": {
        STRONG: (
            "Reflective discussion is squeezed out by case tasks when caseloads rise.",
            "Some agreed actions are carried from one session to the next without comment.",
        ),
        WEAK: (
            "Sessions have been cancelled or cut short repeatedly and nothing is recorded on "
            "the children's files.",
            "Decisions are made without the child's views or the plan in front of the panel.",
        ),
    },
    "needs_to_happen": {
        STRONG: (
            "Keep the monthly rhythm; add a short reflective case discussion once a quarter.",
            "Share this model of supervision recording with the other teams.",
        ),
        WEAK: (
            "Reinstate monthly supervision with a written agreement, and record case "
            "decisions on each child's file within two days.",
            "The Head of Service to sit in on the next two sessions and agree a development "
            "plan with the supervisor.",
        ),
    },
}

MODERATION_REASONS = {
    "confirm_inadequate": (
        "Moderation confirms Inadequate: the evidence on file supports the auditor's "
        "judgement. The risks to the child were not assessed or acted on and there was no "
        "management oversight. The Head of Service has been told today.",
    ),
    "regrade_inadequate": (
        "Regraded to Requires improvement: the recording gaps are serious, but the child was "
        "seen regularly, the school confirms they are safe and the plan was being followed. "
        "The practice is not inadequate.",
    ),
    "confirm": (
        "Moderated as part of the monthly sample: the grade is well evidenced and the "
        "rationale is clear.",
        "Confirmed. The auditor's judgement matches the evidence on file, and the "
        "conversation with the practitioner is well recorded.",
    ),
    "regrade_down": (
        "Regraded: the evidence on file supports {new} rather than {old}; the management "
        "oversight at the key decisions is not recorded.",
        "Regraded to {new}: the plan has drifted since the review and the child has not been "
        "seen alone, which the original grade of {old} does not reflect.",
    ),
    "regrade_up": (
        "Regraded to {new}: the child's progress is stronger than the original grade of "
        "{old} recognises, and the child's own words show it.",
    ),
}
# Where moderation takes a grade it does not confirm (Good goes either way).
REGRADES = {Grade.OUTSTANDING: Grade.GOOD, Grade.REQUIRES_IMPROVEMENT: Grade.GOOD}

LABELS = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate",
}

COHORT_THEMES = (
    ("child_protection_plan_start", "Child protection"),
    ("looked_after", "Looked after children"),
    ("care_leaver", "Care leavers"),
    ("family_first", "Family First"),
    ("child_in_need", "Children in need"),
)
