"""A year of audits for the demo authority: every kind, from the programme to the learning.

Everything is written through the audits' own use cases, acting as the person who would do
each step: the AED sets the programme, the QA Lead draws the samples, runs benchmarking and
moderates, each auditor starts, records, submits and completes their own audits, the
practitioner adds their reflections and action owners mark their actions done. The system
acts only where it does in production (the nine-month dip sample sweep).

The domain refuses due dates in the past, so the seed replays the year: a copy of the clock
starts twelve months ago and moves forward through a timeline of steps. Whatever would happen
after now is left undone, which is how this month's audits come to be planned, in progress
or submitted, and last month's late ones overdue. Every choice comes from a random generator
seeded by what it is about, so each run tells the same story. It runs once: a database that
holds any audit is left as it is.
"""

from __future__ import annotations

import heapq
import itertools
import random
import uuid
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import programme as programme_service
from domain.audits import service as audit_service
from domain.audits.kinds import Agreement, AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.audits.models import (
    Audit,
    AuditAction,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    ProgrammeMonth,
    Sample,
    Theme,
)
from domain.audits.programme import Expectation, SampleRequest, first_of_month, month_end
from domain.audits.reference import current_template, ensure_defaults
from domain.audits.service import AuditPlan, AuditRecord, SectionGradeInput, Voice
from domain.audits.templates import QuestionType, Section, parse_sections
from domain.children.models import Child
from domain.children.service import Cohort as ChildCohort
from domain.core.clock import LONDON, Clock, SettableClock, local_today
from domain.core.settings import PolicySettings
from domain.deadlines.calendar import WorkingCalendar
from domain.demo import (
    CASE_REFERENCE_PREFIX,
    CSC,
    FAMILY_FIRST,
    GM_ASSESSMENT,
    GM_CARE,
    GM_FAMILY_FIRST,
    MASH,
    PARTNERSHIP,
    TEAMS,
    plan_people,
)
from domain.events import service as events
from domain.events.models import DomainEvent
from domain.people.models import Person
from domain.people.roles import Actor, Role
from domain.people.service import actor_for_person

# Fixed so that every run (and every developer's machine) tells the same story.
AUDITS_SEED = 20261127

CASE_FILE_SAMPLE = 10  # cases a month, about 3% of the caseload
CASE_FILE_ROTA = 10  # auditors allocated each month's sample, in turn
THEMATIC_SAMPLE = 5
PEER_AUDITS_A_MONTH = 2

# Where in the year (0 = eleven months ago … 11 = this month, 12 = next month) things happen.
THEMATIC_MONTHS = {
    0: ("Neglect", "Children in need", "Re-referrals", ChildCohort.CHILD_IN_NEED),
    3: ("Domestic abuse", "Child protection", "Section 47 enquiries", ChildCohort.CHILD_PROTECTION),
    6: (
        "Child exploitation",
        "Looked after children",
        "Permanence planning",
        ChildCohort.LOOKED_AFTER,
    ),
    9: ("Parental mental health", "Family First", "Re-referrals", ChildCohort.FAMILY_FIRST),
}
SUPERVISION_MONTHS = (1, 4, 7, 10)
BENCHMARK_MONTHS = (2, 8)
MULTI_AGENCY_MONTHS = (4, 11)
EXTERNAL_MONTH = 6
# Case file audits graded Inadequate; the one in the month given by REGRADED_INADEQUATE is
# regraded by moderation, the others are confirmed and end in a desk-top audit.
INADEQUATE_CASE_FILE_MONTHS = (1, 4, 7, 10)
INADEQUATE_THEMATIC_MONTH = 6
REGRADED_INADEQUATE = 4
# (month, place in that month's case file sample): left overdue in this state.
OVERDUE = {(9, 3): AuditStatus.PLANNED, (10, 5): AuditStatus.IN_PROGRESS}

GRADES_BY_RANK = {g.rank: g for g in Grade}


@dataclass(frozen=True)
class AuditDemoSummary:
    already_seeded: bool
    programme_months: int
    samples: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_grade: dict[str, int]
    benchmark_rounds: int
    agreed_rounds: int
    moderations: int
    actions: int
    actions_done: int
    learning_points: int
    inadequate_events: int

    @property
    def audits(self) -> int:
        return sum(self.by_kind.values())


# --- what people write ---------------------------------------------------------------------
#
# Names stay in the case management system, so the text speaks of "the child", "mum" and
# "the worker". `{child}` becomes "the child" or "the young person".

STRONG, WEAK = "strong", "weak"

ANSWER_TEXT: dict[str, dict[str, tuple[str, ...]]] = {
    "recording_comments": {
        STRONG: (
            "The chronology is current and tells the story of {child}'s journey; case notes "
            "say what was seen and heard and why it matters.",
            "Recording is written to {child} in plain language, and the case summary was "
            "updated after the last review.",
            "Visits are recorded within two working days, each with a clear analysis of what "
            "has changed since the last one.",
        ),
        WEAK: (
            "The chronology stops in the spring, so repeated incidents are not visible as a "
            "pattern and a new worker would struggle to understand the history.",
            "Case notes describe activity rather than impact; it is hard to see what life is "
            "like for {child} from the record.",
            "Several visits were recorded weeks afterwards and the case summary is over a "
            "year old.",
        ),
    },
    "practice_comments": {
        STRONG: (
            "Direct work with {child} using the Three Houses tool shaped the plan, and the "
            "family network now holds most of the safety plan.",
            "The worker is persistent and curious; the assessment weighs strengths and risks "
            "and the plan is progressing in {child}'s timescales.",
            "Purposeful visits, seen alone every time, and a plan the family helped to write "
            "and can explain in their own words.",
        ),
        WEAK: (
            "The assessment is out of date and does not analyse the cumulative impact of "
            "neglect; the plan relies on parental self-report.",
            "{Child} has not been seen alone for eleven weeks, and actions from the last core "
            "group have drifted without explanation.",
            "The plan is a list of services rather than what needs to change for {child}; "
            "progress against it is not measured.",
        ),
    },
    "oversight_comments": {
        STRONG: (
            "Supervision is regular and reflective, with management decisions and their "
            "rationale recorded on the file.",
            "The team manager's oversight is visible at each key decision and challenges "
            "drift constructively.",
        ),
        WEAK: (
            "There is no recorded supervision for three months, and the decision to keep the "
            "case open at this level is not explained.",
            "Management decisions are recorded as 'agreed' without rationale; the worker's "
            "caseload was high and this is not acknowledged on file.",
        ),
    },
    "outcomes_comments": {
        STRONG: (
            "{Child} is attending school every day, has joined a football club and says home "
            "feels calmer; the worries that brought us in have reduced.",
            "{Child} is settled in placement, sees brothers and sisters every month and is "
            "making good progress at school.",
            "Since the plan began there have been no further police call-outs and {child} "
            "describes feeling safe at home.",
        ),
        WEAK: (
            "Little has changed for {child} since the last review: attendance is still "
            "below 80% and home conditions remain poor.",
            "{Child} has moved placement twice this year and says nobody asked what they wanted.",
            "The worries are the same as six months ago and we cannot yet say {child} is safer.",
        ),
    },
    "working_well": {
        STRONG: (
            "{Child} has had the same social worker for over a year and talks about them "
            "warmly; visits are purposeful and {child} is seen alone every time.",
            "The family network has grown from two people to six who all know the worries "
            "and have a role in the safety plan.",
            "Mum has completed the domestic abuse programme and describes using her safety "
            "plan when dad made contact.",
            "School, the health visitor and the worker share information quickly; the core "
            "group meets on time and follows its actions through.",
        ),
        WEAK: (
            "{Child} attends school regularly and the designated safeguarding lead is a "
            "consistent, trusted adult.",
            "Grandparents provide respite most weekends and {child} enjoys this time.",
            "The worker has built a good relationship with {child} after several changes of "
            "worker.",
            "Dad has started to attend appointments and is open about his own support needs.",
        ),
    },
    "worried_about": {
        STRONG: (
            "Mum's mental health has deteriorated in past winters; the plan names who will "
            "notice and what they will do.",
            "{Child} moves to secondary school in September, a time when earlier worries "
            "about friendships and online contact may come back.",
            "Two health appointments were missed this quarter, though both were followed up "
            "the same week.",
        ),
        WEAK: (
            "{Child} has not been seen alone recently and we do not know what life is like "
            "at home.",
            "There is no current assessment of dad's alcohol use and the plan relies on his "
            "own account.",
            "{Child} has been missing from placement three times this month and return home "
            "interviews were not completed.",
            "Poor home conditions have been recorded at every visit for six months without "
            "any change to the plan.",
        ),
    },
    "needs_to_happen": {
        STRONG: (
            "Keep the current plan, review it at the next core group and prepare the family "
            "network to hold the safety plan when the case steps down.",
            "Continue the life story work and plan with {child} how they want to be told "
            "about the next review.",
            "Share this audit's strengths with the team at the next practice development session.",
        ),
        WEAK: (
            "Update the assessment with an analysis of cumulative harm and hold a management "
            "decision on whether the threshold for a conference is met.",
            "See {child} alone within five working days and record what they say in their "
            "own words.",
            "Convene a family network meeting to widen the safety plan beyond mum.",
            "Refer dad for a specialist substance misuse assessment and build the result "
            "into the plan.",
        ),
    },
    "danger_statement": {
        STRONG: (
            "Children's services are worried that when mum and dad argue and dad has been "
            "drinking, {child} may be hurt by things being thrown and feel frightened at "
            "home.",
            "We are worried that if mum becomes unwell again and stops taking her medication,"
            " {child} may be left without an adult who can keep them safe and fed.",
        ),
        WEAK: (
            "We are worried that {child} may be exploited by older young people who give "
            "them money and lifts, and may go missing for longer and come to serious harm.",
            "We are worried that {child} will keep missing school and meals and will not get"
            " the care they need to grow and be healthy.",
        ),
    },
    "safety_goal": {
        STRONG: (
            "Everyone who cares about {child} will know {child} is safe because a sober "
            "adult is always looking after them and {child} knows who to call if frightened.",
            "{Child} will live with mum, who will take her medication and ask her sister for "
            "help when she feels unwell, and school will see {child} happy and fed.",
        ),
        WEAK: (
            "{Child} will be in school every day, have a trusted adult to talk to and be "
            "home by the agreed time.",
            "The home will be clean and safe and {child} will have regular meals, checked by "
            "the family network every week.",
        ),
    },
    "child_voice": {
        STRONG: (
            "{Child}'s words from direct work are quoted in the plan, and the plan is written"
            " to {child}.",
            "{Child} chose where to meet and helped write the safety plan in their own words.",
        ),
        WEAK: (
            "{Child}'s views are summarised by the adults around them; the record has little "
            "of what {child} says directly.",
            "{Child} said at the last visit that they did not understand why the worker "
            "comes; this has not been followed up.",
        ),
    },
    "supervision_comments": {
        STRONG: (
            "Supervision is monthly, reflective and child focused; the worker brings cases "
            "and leaves with clear next steps and a sense of being supported.",
            "The supervisor uses the Signs of Safety mapping in supervision, and the "
            "worker's reflections on the family show in their case recording.",
        ),
        WEAK: (
            "Supervision has been cancelled three times this quarter and case discussion is "
            "a list of tasks rather than reflection.",
            "Supervision records focus on timescales; the worker's wellbeing and the "
            "children's experience are not discussed.",
        ),
    },
    "dip_comments": {
        STRONG: (
            "The plan is appropriate and progressing; consider step-down at the next review "
            "conference.",
            "Good progress against the plan; the core group should agree what would have to "
            "be true for the plan to end.",
        ),
        WEAK: (
            "The plan has drifted: actions from the last two core groups are outstanding. "
            "Team manager to review with the worker this week.",
            "Nine months on the plan with little change; a legal planning meeting should be "
            "considered.",
        ),
    },
    "strengths": {
        STRONG: (
            "Relationship-based practice, with children consistently seen and heard.",
            "A confident front door: thresholds are applied consistently and partners trust "
            "MASH decisions.",
        ),
        WEAK: (
            "Committed practitioners who know their children well.",
            "Strong partnership working with schools.",
        ),
    },
    "areas_for_development": {
        STRONG: (
            "The analysis of risk in assessments could be sharper where there is cumulative "
            "neglect.",
            "Recording of management oversight is inconsistent between teams.",
        ),
        WEAK: (
            "Plans for older children at risk of exploitation are not always specific "
            "enough; return home interviews are often late.",
            "Information from health is not consistently shared at the point of referral.",
        ),
    },
    "recommendations": {
        STRONG: (
            "Share the model of multi-agency mapping used in the MASH across the Family "
            "First teams.",
            "Build the child's own words into every plan's summary.",
        ),
        WEAK: (
            "Establish a joint exploitation panel with police and education within three months.",
            "Review the audit tool so that the child's experience is graded first.",
        ),
    },
}

SECTION_RATIONALE: dict[str, dict[Grade, tuple[str, ...]]] = {
    "recording": {
        Grade.OUTSTANDING: (
            "Exemplary recording: current, analytical and written to the child.",
            "The file tells the child's story clearly enough for them to read it later.",
        ),
        Grade.GOOD: (
            "Recording is up to date and mostly analytical; the case summary needs refreshing.",
            "Visits are recorded promptly; the chronology is current.",
        ),
        Grade.REQUIRES_IMPROVEMENT: (
            "Recording is behind and largely descriptive; the chronology has gaps.",
            "Key decisions are hard to find and the case summary is out of date.",
        ),
        Grade.INADEQUATE: (
            "The record does not show what has happened to the child over the last six months.",
        ),
    },
    "practice": {
        Grade.OUTSTANDING: (
            "Creative, persistent direct work that has made a measurable difference.",
        ),
        Grade.GOOD: (
            "A current assessment and a plan that is progressing; the child is seen alone.",
            "Practice is purposeful and strengths based, with the family network involved.",
        ),
        Grade.REQUIRES_IMPROVEMENT: (
            "The plan is drifting and the assessment does not analyse the cumulative risk.",
            "Visits are within timescale but lack purpose; the child is rarely seen alone.",
        ),
        Grade.INADEQUATE: (
            "Risks are not recognised or acted on; the child has not been seen alone and "
            "the plan does not address the known worries.",
        ),
    },
    "management_oversight": {
        Grade.OUTSTANDING: ("Visible, reflective oversight at every key decision.",),
        Grade.GOOD: (
            "Regular supervision with decisions and rationale recorded.",
            "Oversight is consistent and supports the worker well.",
        ),
        Grade.REQUIRES_IMPROVEMENT: (
            "Supervision is irregular and decisions are recorded without rationale.",
            "Oversight did not pick up the drift in the plan.",
        ),
        Grade.INADEQUATE: ("No management oversight recorded during a period of escalating risk.",),
    },
    "child_experience": {
        Grade.OUTSTANDING: ("The child is thriving, and says so in their own words.",),
        Grade.GOOD: (
            "The child is safer and happier than when we became involved.",
            "Clear improvements in school attendance, health and family relationships.",
        ),
        Grade.REQUIRES_IMPROVEMENT: (
            "Some improvement, but the child's day-to-day experience has not changed enough.",
            "Outcomes are mixed and the child's views are not driving the plan.",
        ),
        Grade.INADEQUATE: (
            "The child remains at risk of harm and their circumstances have not improved.",
        ),
    },
    "supervision_quality": {
        Grade.OUTSTANDING: ("Supervision is a model of reflective, child-focused practice.",),
        Grade.GOOD: (
            "Supervision is regular, reflective and supports good decisions for children.",
        ),
        Grade.REQUIRES_IMPROVEMENT: (
            "Supervision happens but is task-focused and rarely reflective.",
        ),
        Grade.INADEQUATE: ("Supervision is not taking place at the required frequency.",),
    },
    "plan_progress": {
        Grade.OUTSTANDING: ("The plan is specific, owned by the family and nearly achieved.",),
        Grade.GOOD: ("The plan is appropriate and progressing in the child's timescales.",),
        Grade.REQUIRES_IMPROVEMENT: (
            "The plan is appropriate but has drifted; actions are outstanding.",
        ),
        Grade.INADEQUATE: ("The plan does not address the risks and is not progressing.",),
    },
    "findings": {
        Grade.OUTSTANDING: ("Practice seen was consistently strong across the sample.",),
        Grade.GOOD: ("Practice is good overall, with clear and shared areas to develop.",),
        Grade.REQUIRES_IMPROVEMENT: (
            "Practice is variable; the review found the same gaps across several agencies.",
        ),
        Grade.INADEQUATE: ("Serious and widespread weaknesses in the practice seen.",),
    },
}

OVERALL_RATIONALE: dict[Grade, tuple[str, ...]] = {
    Grade.OUTSTANDING: (
        "Outstanding: the child's experience is at the centre of every decision, the work is "
        "creative and the difference it has made is clear in the child's own words.",
        "Outstanding practice throughout. The family network owns the safety plan and the "
        "child is thriving; this case will be shared as an example of good practice.",
    ),
    Grade.GOOD: (
        "Good: the child is safer, the plan is progressing and the child's voice shapes it. "
        "Recording of management oversight could be sharper.",
        "Good: a consistent worker, purposeful visits and a current assessment. The family "
        "network could be involved more in the safety plan.",
        "Good overall. Strong relationship-based practice; the chronology needs updating.",
    ),
    Grade.REQUIRES_IMPROVEMENT: (
        "Requires improvement: the relationship with the family is a strength, but the plan "
        "has drifted and the assessment does not analyse cumulative harm.",
        "Requires improvement: the child is not consistently seen alone and management "
        "oversight is not visible at key decisions.",
        "Requires improvement to be good. Some progress, but the worries that brought us in "
        "remain and the plan is not measurable.",
    ),
    Grade.INADEQUATE: (
        "Inadequate: risks from domestic abuse and parental alcohol use have not been "
        "assessed, the child has not been seen alone for three months and there is no "
        "recorded management oversight. Referred for moderation.",
        "Inadequate: the child is living with chronic neglect that has been recorded but not "
        "acted on; the plan has not changed in six months.",
    ),
}

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


# --- time ----------------------------------------------------------------------------------


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


# Working days as the deadlines use them (weekends, England's bank holidays).
_CALENDAR = WorkingCalendar()


def _working(day: date) -> date:
    """The day itself or the next working day."""
    return _CALENDAR.working_days_after(day, 0)


def _last_working(day: date) -> date:
    """The day itself or the working day before it."""
    return _CALENDAR.working_days_before(day, 0)


def _add_working_days(day: date, n: int) -> date:
    return _CALENDAR.working_days_after(_working(day), n)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _in_hours(rng: random.Random, day: date) -> datetime:
    return _moment(_working(day), rng.randint(9, 16), rng.choice((0, 15, 30, 45)))


def _later(rng: random.Random, after: datetime, low: int, high: int) -> datetime:
    """A moment in working hours `low` to `high` working days after `after`."""
    days = rng.randint(low, high)
    if days == 0:
        return after + timedelta(minutes=rng.randint(20, 150))
    return max(_in_hours(rng, _add_working_days(_local_day(after), days)), after)


def _between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return _working(start)
    return _working(start + timedelta(days=rng.randint(0, (end - start).days)))


Life = AsyncGenerator[datetime, None]


class Timeline:
    """Steps in time order. A life is an async generator that yields the moment it next
    wants to act; the clock is set to that moment before it resumes. Nothing after `until`
    happens."""

    def __init__(self, clock: SettableClock, until: datetime) -> None:
        self.clock, self.until = clock, until
        self._queue: list[tuple[datetime, int, Life]] = []
        self._order = itertools.count()

    async def spawn(self, life: Life) -> None:
        """Run a life now up to its first wait."""
        await self._resume(life)

    async def _resume(self, life: Life) -> None:
        try:
            moment = await anext(life)
        except StopAsyncIteration:
            return
        heapq.heappush(self._queue, (max(moment, self.clock.now()), next(self._order), life))

    async def run(self) -> None:
        while self._queue and self._queue[0][0] <= self.until:
            moment, _, life = heapq.heappop(self._queue)
            self.clock.set(moment)
            await self._resume(life)
        for _, _, life in self._queue:
            await life.aclose()
        self._queue.clear()
        self.clock.set(self.until)


def _half(month: date) -> str:
    return "Spring" if month.month <= 6 else "Autumn"


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class _Month:
    index: int  # 0 = eleven months ago, 11 = this month, 12 = next month
    month: date
    due: date
    programme_month_id: uuid.UUID


class _Year:
    """The people, cases and rules of the demo year, and the lives of its audits."""

    def __init__(
        self,
        session: AsyncSession,
        clock: SettableClock,
        until: datetime,
        policy_settings: PolicySettings,
    ) -> None:
        self.session = session
        self.clock = clock
        self.policy_settings = policy_settings
        self.timeline = Timeline(clock, until)
        self.current = first_of_month(_local_day(until))
        # Eleven months back, this month, and next month's programme.
        self.months = [self.current + relativedelta(months=i) for i in range(-11, 2)]
        self.actors: dict[uuid.UUID, Actor] = {}

    def rng(self, *about: object) -> random.Random:
        return random.Random(":".join(map(str, (AUDITS_SEED, *about))))  # noqa: S311 - demo data

    async def load(self) -> None:
        plans = plan_people()
        by_email = {p.email.lower(): p for p in plans}
        people = await self.session.scalars(
            select(Person).where(func.lower(Person.email).in_(list(by_email)))
        )
        self.people = {by_email[p.email.lower()].key: p for p in people}
        self.plans = {p.key: p for p in plans if p.key in self.people}
        self.key_of = {p.id: key for key, p in self.people.items()}
        self.children = list(
            await self.session.scalars(select(Child).order_by(Child.case_reference))
        )
        self.child_by_id = {c.id: c for c in self.children}
        self.demo_children = [
            c for c in self.children if c.case_reference.startswith(CASE_REFERENCE_PREFIX)
        ]
        self.themes = {t.name: t.id for t in await self.session.scalars(select(Theme))}
        self.sections: dict[AuditKind, list[Section]] = {}
        for kind in AuditKind:
            template = await current_template(self.session, kind)
            self.sections[kind] = parse_sections(template.sections)
        # The QA Lead moderates the monthly audits rather than doing them (and nobody moderates
        # their own), so the story does not hang on which audits a draw gives her.
        self.pool = [
            key
            for key in (
                "aed",
                "psw",
                "iro",
                *(k for k in self.plans if k.startswith("hos:")),
                *(k for k in self.plans if k.startswith("gm-")),
                *(k for k in self.plans if k.startswith(("tm:", "atm:"))),
            )
            if key in self.people
        ]
        self.practitioners = [
            key for key, plan in self.plans.items() if plan.role is Role.PRACTITIONER
        ]
        self.thematic_auditors = ["psw", "iro", GM_ASSESSMENT, GM_CARE, GM_FAMILY_FIRST]

    def theme_ids(self, *names: str) -> list[uuid.UUID]:
        """The default themes named, where the authority still has them."""
        return [self.themes[n] for n in names if n in self.themes]

    def person(self, key: str) -> uuid.UUID:
        return self.people[key].id

    async def actor(self, who: str | uuid.UUID) -> Actor:
        person_id = self.person(who) if isinstance(who, str) else who
        if person_id not in self.actors:
            person = await self.session.get(Person, person_id)
            assert person is not None
            self.actors[person_id] = await actor_for_person(self.session, person)
        return self.actors[person_id]

    def team_manager_of(self, child: Child) -> uuid.UUID | None:
        for plan in self.plans.values():
            if plan.role is Role.TEAM_MANAGER and self.people[plan.key].team_id == child.team_id:
                return self.person(plan.key)
        return None

    def children_of_team(self, team: str, born_before: date) -> list[Child]:
        team_id = self.people[f"tm:{team}"].team_id
        return [
            c for c in self.demo_children if c.team_id == team_id and c.date_of_birth < born_before
        ]

    # --- the programme -------------------------------------------------------------------

    async def planning(self) -> Life:
        """The AED sets each month's programme around the 20th of the month before."""
        for index, month in enumerate(self.months):
            day = _working(month - relativedelta(months=1) + timedelta(days=19))
            yield min(_moment(day, 9, 30), self.timeline.until)
            await self.plan_month(index, month)

    async def sweeps(self) -> Life:
        """The worker's nine-month child protection dip samples (it runs daily; weekly is
        close enough for the story and much cheaper)."""
        day = self.months[0] - timedelta(days=self.months[0].weekday())
        while True:
            yield _moment(day, 6, 15)
            await self.nine_month_sweep()
            day += timedelta(days=7)

    async def nine_month_sweep(self) -> None:
        created = await programme_service.create_nine_month_dip_samples(
            session=self.session, clock=self.clock
        )
        today = local_today(self.clock)
        for audit in sorted(
            created,
            key=lambda a: (
                self.child_by_id[a.child_id].case_reference if a.child_id else "",
                self.key_of.get(a.auditor_id, ""),
            ),
        ):
            assert audit.child_id is not None
            reference = self.child_by_id[audit.child_id].case_reference
            await self.timeline.spawn(
                self.audit_life(
                    audit,
                    key=f"nine-months:{reference}:{self.key_of.get(audit.auditor_id)}",
                    due=audit.due_date,
                    window=(today + timedelta(days=1), audit.due_date - timedelta(days=5)),
                    actions=(0, 1),
                    learning=(0, 1),
                )
            )

    async def plan_month(self, index: int, month: date) -> None:
        """The month's programme (notes and each auditor's expectation), then its audits."""
        due = _last_working(month_end(month))
        is_next = month > self.current
        rota = [
            self.pool[(index * CASE_FILE_ROTA + j) % len(self.pool)] for j in range(CASE_FILE_ROTA)
        ]
        expected: Counter[str] = Counter(rota)
        notes = [
            f"Case file audits: {CASE_FILE_SAMPLE} cases sampled across all teams, completed "
            "with the practitioner."
        ]
        thematic = None if is_next else THEMATIC_MONTHS.get(index)
        if thematic is not None:
            expected.update(self.thematic_auditors)
            notes.append(
                f"Thematic audit: {thematic[0].lower()} ({thematic[1].lower()}), with a focus "
                f"on {thematic[2].lower()}."
            )
        supervision = not is_next and index in SUPERVISION_MONTHS
        if supervision:
            expected.update(["psw", f"hos:{CSC}", f"hos:{FAMILY_FIRST}", "qa-lead"])
            notes.append("Quarterly supervision audits by the PSW, Heads of Service and QA Lead.")
        benchmark: tuple[Child, list[str]] | None = None
        if not is_next and index in BENCHMARK_MONTHS:
            benchmark = await self.benchmark_case(month)
            expected.update(benchmark[1])
            notes.append(f"{_half(month)} benchmarking round: four auditors, one case.")
        dip_team = [t.name for t in TEAMS if t.cohort is not None][index % 11]
        if not is_next:
            expected[f"tm:{dip_team}"] += 1
        if index in MULTI_AGENCY_MONTHS:
            notes.append("Multi-agency audit with the Safeguarding Children Partnership.")
        external = EXTERNAL[0] if index == EXTERNAL_MONTH else EXTERNAL[1] if is_next else None
        if external is not None:
            notes.append(f"External review: {external[0]}.")

        pm = await programme_service.set_programme_month(
            session=self.session,
            actor=await self.actor("aed"),
            clock=self.clock,
            month=month,
            notes=" ".join(notes),
            expectations=[Expectation(self.person(k), n) for k, n in sorted(expected.items())],
        )
        the_month = _Month(index, month, due, pm.id)
        await self.plan_case_files(the_month, rota)
        if thematic is not None:
            await self.plan_thematic(the_month, *thematic)
        if benchmark is not None:
            await self.plan_benchmark(the_month, *benchmark)
        if supervision:
            await self.plan_supervision(the_month)
        if not is_next:
            await self.plan_peer_audits(the_month)
            await self.plan_dip_sample(the_month, dip_team)
        if index in MULTI_AGENCY_MONTHS:
            await self.plan_multi_agency(the_month)
        if external is not None:
            await self.plan_external(the_month, *external)

    async def plan_case_files(self, m: _Month, rota: list[str]) -> None:
        """The monthly sample, drawn with a recorded seed and allocated to the month's rota."""
        drawn = await programme_service.draw_sample(
            session=self.session,
            actor=await self.actor("qa-lead"),
            clock=self.clock,
            policy_settings=self.policy_settings,
            request=SampleRequest(
                month=m.month,
                kind=AuditKind.CASE_FILE,
                auditor_ids=[self.person(k) for k in rota],
                due_date=m.due,
                count=CASE_FILE_SAMPLE,
                seed=int(f"{m.month:%Y%m}01"),
            ),
        )
        for i, audit in enumerate(drawn.audits):
            inadequate = m.index in INADEQUATE_CASE_FILE_MONTHS and i == 0
            grade = Grade.INADEQUATE if inadequate else None
            await self.timeline.spawn(
                self.audit_life(
                    audit,
                    key=f"case-file:{m.month}:{i}",
                    due=m.due,
                    grade=grade,
                    collaborative=True,
                    may_cancel=True,
                    moderate=0.12,
                    learning=(1, 2),
                    # Something overdue for the reminders and dashboards, whatever the dice say.
                    stop=None if grade else OVERDUE.get((m.index, i)),
                    regrade_inadequate=m.index == REGRADED_INADEQUATE,
                )
            )

    async def plan_thematic(
        self, m: _Month, theme: str, cohort_theme: str, aspect: str, cohort: ChildCohort
    ) -> None:
        theme_ids = self.theme_ids(theme, cohort_theme, aspect)
        if not theme_ids:
            return  # the authority keeps other themes
        drawn = await programme_service.draw_sample(
            session=self.session,
            actor=await self.actor("qa-lead"),
            clock=self.clock,
            policy_settings=self.policy_settings,
            request=SampleRequest(
                month=m.month,
                kind=AuditKind.THEMATIC,
                auditor_ids=[self.person(k) for k in self.thematic_auditors],
                due_date=m.due,
                count=THEMATIC_SAMPLE,
                seed=int(f"{m.month:%Y%m}02"),
                cohort=cohort,
                theme_ids=theme_ids,
            ),
        )
        for i, audit in enumerate(drawn.audits):
            inadequate = m.index == INADEQUATE_THEMATIC_MONTH and i == 0
            await self.timeline.spawn(
                self.audit_life(
                    audit,
                    key=f"thematic:{m.month}:{i}",
                    due=m.due,
                    grade=Grade.INADEQUATE if inadequate else None,
                    collaborative=i % 2 == 0,
                    moderate=0.12,
                    extra_themes=(theme,),
                )
            )

    async def plan_benchmark(self, m: _Month, child: Child, auditors: list[str]) -> None:
        round_, audits = await programme_service.create_benchmark_round(
            session=self.session,
            actor=await self.actor("qa-lead"),
            clock=self.clock,
            name=f"{_half(m.month)} {m.month.year} benchmarking",
            child_id=child.id,
            auditor_ids=[self.person(k) for k in auditors],
            due_date=m.due,
        )
        for i, audit in enumerate(audits):
            await self.timeline.spawn(
                self.audit_life(
                    audit,
                    key=f"benchmark:{m.month}:{i}",
                    due=m.due,
                    grade=self.benchmark_grade(m.month, i),
                    window=(m.month, m.due - timedelta(days=12)),
                    stop=AuditStatus.SUBMITTED,
                    may_stall=False,
                    actions=(0, 0),
                    learning=(0, 0),
                )
            )
        await self.timeline.spawn(self.benchmark_meeting(round_.id, audits, m.month, m.due))

    async def plan_supervision(self, m: _Month) -> None:
        for i, plan in enumerate(self.supervision_plans(SUPERVISION_MONTHS.index(m.index))):
            plan.due_date, plan.programme_month_id = m.due, m.programme_month_id
            audit = await audit_service.plan_audit(
                session=self.session, actor=await self.actor("aed"), clock=self.clock, plan=plan
            )
            await self.timeline.spawn(
                self.audit_life(
                    audit,
                    key=f"supervision:{m.month}:{i}",
                    due=m.due,
                    collaborative=plan.subject_practitioner_id is not None,
                )
            )

    async def plan_external(self, m: _Month, reviewer: str, findings: str) -> None:
        audit = await audit_service.plan_audit(
            session=self.session,
            actor=await self.actor("aed"),
            clock=self.clock,
            plan=AuditPlan(
                kind=AuditKind.EXTERNAL,
                auditor_id=self.person("qa-lead"),
                due_date=m.due,
                external_reviewer=reviewer,
                programme_month_id=m.programme_month_id,
            ),
        )
        await self.timeline.spawn(
            self.audit_life(
                audit,
                key=f"external:{m.month}",
                due=m.due,
                grade=Grade.GOOD,
                may_stall=False,
                findings=findings,
                answers={
                    **FINDINGS_ANSWERS,
                    "outcomes_comments": "Across the cases the reviewers read, most children "
                    "were safer and their plans were progressing; the children they met said "
                    "they knew their worker and felt listened to.",
                },
                owners=(f"hos:{CSC}", f"hos:{MASH}", "qa-lead"),
            )
        )

    async def benchmark_case(self, month: date) -> tuple[Child, list[str]]:
        """A child protection or looked after case, and four auditors who neither hold nor
        manage it (never the QA Lead, who runs the round)."""
        rng = self.rng("benchmark", month)
        team = "Child Protection Team 1" if month.month % 2 else "Children in Care Team"
        child = rng.choice(self.children_of_team(team, month - relativedelta(years=3)))
        candidates = list(self.pool)
        rng.shuffle(candidates)
        chosen: list[str] = []
        for key in candidates:
            if not await audit_service.manages(self.session, self.person(key), child):
                chosen.append(key)
            if len(chosen) == 4:
                break
        return child, chosen

    def benchmark_grade(self, month: date, i: int) -> Grade:
        """Independent judgements that mostly agree: one or two auditors a grade apart."""
        rng = self.rng("benchmark-grade", month)
        base = rng.choice((Grade.GOOD, Grade.REQUIRES_IMPROVEMENT))
        steps = rng.choice(((0, 0, 1, 0), (0, -1, 0, 0), (1, 0, 0, -1), (0, 0, 0, 1)))
        return GRADES_BY_RANK[min(3, max(1, base.rank + steps[i % 4]))]

    def supervision_plans(self, quarter: int) -> list[AuditPlan]:
        csc = [
            k
            for k in self.practitioners
            if self.plans[k].team in {t.name for t in TEAMS if t.service == CSC}
        ]
        ff = [
            k
            for k in self.practitioners
            if self.plans[k].team in {t.name for t in TEAMS if t.service == FAMILY_FIRST}
        ]

        def relationship(auditor: str, supervisee: str) -> AuditPlan:
            manager = self.plans[supervisee].manager
            assert manager is not None
            return AuditPlan(
                kind=AuditKind.SUPERVISION,
                auditor_id=self.person(auditor),
                due_date=date.min,
                subject_practitioner_id=self.person(supervisee),
                supervisor_id=self.person(manager),
            )

        plans = [
            relationship("psw", csc[(quarter * 3) % len(csc)]),
            relationship(f"hos:{CSC}", csc[(quarter * 3 + 10) % len(csc)]),
            relationship(f"hos:{FAMILY_FIRST}", ff[quarter % len(ff)]),
        ]
        if quarter == 2:
            # Support to IROs and Child Protection Chairs is in scope too.
            plans.append(
                AuditPlan(
                    kind=AuditKind.SUPERVISION,
                    auditor_id=self.person("qa-lead"),
                    due_date=date.min,
                    subject_practitioner_id=self.person("iro"),
                    supervisor_id=self.person("aed"),
                )
            )
        else:
            plans.append(
                AuditPlan(
                    kind=AuditKind.SUPERVISION,
                    auditor_id=self.person("qa-lead"),
                    due_date=date.min,
                    supervision_forum=SUPERVISION_FORUMS[quarter],
                )
            )
        return plans

    async def plan_peer_audits(self, m: _Month) -> None:
        """Practitioners audit a colleague's case in their own team, for reflection."""
        for j in range(PEER_AUDITS_A_MONTH):
            auditor = self.practitioners[(m.index * 5 + j * 17) % len(self.practitioners)]
            team = self.plans[auditor].team
            assert team is not None
            rng = self.rng("peer", m.month, j)
            cases = [
                c
                for c in self.children_of_team(team, m.month)
                if c.allocated_practitioner_id != self.person(auditor)
            ]
            child = rng.choice(cases)
            audit = await audit_service.plan_audit(
                session=self.session,
                actor=await self.actor(auditor),
                clock=self.clock,
                plan=AuditPlan(
                    kind=AuditKind.PEER,
                    auditor_id=self.person(auditor),
                    due_date=m.due,
                    child_id=child.id,
                    programme_month_id=m.programme_month_id,
                ),
            )
            await self.timeline.spawn(
                self.audit_life(
                    audit, key=f"peer:{m.month}:{j}", due=m.due, collaborative=True, actions=(1, 1)
                )
            )

    async def plan_dip_sample(self, m: _Month, team: str) -> None:
        """A team manager dip samples one of their team's cases."""
        manager = f"tm:{team}"
        child = self.rng("dip", m.month).choice(self.children_of_team(team, m.month))
        audit = await audit_service.plan_audit(
            session=self.session,
            actor=await self.actor(manager),
            clock=self.clock,
            plan=AuditPlan(
                kind=AuditKind.DIP_SAMPLE,
                auditor_id=self.person(manager),
                due_date=m.due,
                child_id=child.id,
                programme_month_id=m.programme_month_id,
            ),
        )
        await self.timeline.spawn(
            self.audit_life(audit, key=f"dip:{m.month}", due=m.due, actions=(0, 1), learning=(0, 1))
        )

    async def plan_multi_agency(self, m: _Month) -> None:
        which = MULTI_AGENCY_MONTHS.index(m.index)
        reviewer, findings, themes = MULTI_AGENCY[which]
        team = "Children in Care Team" if which == 0 else "Child Protection Team 2"
        child = self.rng("multi-agency", m.month).choice(
            self.children_of_team(team, m.month - relativedelta(years=1))
        )
        audit = await audit_service.plan_audit(
            session=self.session,
            actor=await self.actor("aed"),
            clock=self.clock,
            plan=AuditPlan(
                kind=AuditKind.MULTI_AGENCY,
                auditor_id=self.person(f"hos:{PARTNERSHIP}"),
                due_date=m.due,
                child_id=child.id,
                external_reviewer=reviewer,
                theme_ids=self.theme_ids(*themes),
                programme_month_id=m.programme_month_id,
            ),
        )
        await self.timeline.spawn(
            self.audit_life(
                audit,
                key=f"multi-agency:{m.month}",
                due=m.due,
                grade=Grade.REQUIRES_IMPROVEMENT,
                may_stall=False,
                # This month's is still being written up.
                stop=AuditStatus.IN_PROGRESS if which == 1 else None,
                findings=findings,
                answers={
                    **FINDINGS_ANSWERS,
                    "outcomes_comments": "Most of the children in the sample are safer than "
                    "a year ago; the two who went missing most often are not, and their "
                    "plans are being reviewed jointly.",
                },
                extra_themes=themes,
                owners=(f"hos:{PARTNERSHIP}", "sqau", "qa-lead"),
            )
        )

    # --- one audit's life ----------------------------------------------------------------

    def random_grade(self, rng: random.Random) -> Grade:
        return rng.choices(
            (Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT), weights=(12, 52, 36)
        )[0]

    async def audit_life(
        self,
        audit: Audit,
        *,
        key: str,
        due: date,
        grade: Grade | None = None,
        window: tuple[date, date] | None = None,
        collaborative: bool = False,
        may_cancel: bool = False,
        may_stall: bool = True,
        stop: AuditStatus | None = None,
        moderate: float = 0.0,
        regrade_inadequate: bool = False,
        findings: str | None = None,
        answers: dict[str, Any] | None = None,
        actions: tuple[int, int] = (1, 2),
        learning: tuple[int, int] = (1, 1),
        extra_themes: Sequence[str] = (),
        owners: Sequence[str] = (),
    ) -> Life:
        """One audit from planned to done: started, recorded, talked through with the
        practitioner, submitted, completed, followed up and perhaps moderated; or cancelled,
        or left where `stop` (or, for recent audits, the dice) leaves it."""
        rng = self.rng(key)
        audit_id, kind, auditor_id = audit.id, audit.kind, audit.auditor_id
        child = self.child_by_id.get(audit.child_id) if audit.child_id else None
        subject_id, supervisor_id = audit.subject_practitioner_id, audit.supervisor_id
        grade = grade or self.random_grade(rng)
        roll = rng.random()
        if grade is Grade.INADEQUATE:
            may_cancel = may_stall = False
        # Audits left undone are recent: older ones were chased and finished long ago.
        may_stall = may_stall and due >= _local_day(self.timeline.until) - timedelta(days=100)
        first, last = window or (first_of_month(due), due - timedelta(days=6))
        start = _in_hours(rng, _between(rng, max(first, local_today(self.clock)), last))

        if may_cancel and roll < 0.04:
            yield min(start, _later(rng, self.clock.now(), 3, 8))
            await audit_service.cancel_audit(
                session=self.session,
                actor=await self.actor("qa-lead"),
                clock=self.clock,
                audit_id=audit_id,
                reason=rng.choice(CANCEL_REASONS),
            )
            return
        if stop is AuditStatus.PLANNED or (may_stall and roll > 0.98):
            return  # never started: overdue once its due date passes
        yield start
        auditor = await self.actor(auditor_id)
        await audit_service.start_audit(
            session=self.session, actor=auditor, clock=self.clock, audit_id=audit_id
        )

        yield _later(rng, self.clock.now(), 1, 4)
        await audit_service.save_audit(
            session=self.session,
            actor=auditor,
            clock=self.clock,
            audit_id=audit_id,
            record=self.record(
                rng,
                kind,
                grade,
                child,
                collaborative=collaborative,
                findings=findings,
                answers=answers or {},
            ),
        )
        practitioner = subject_id or (child.allocated_practitioner_id if child else None)
        if collaborative and practitioner is not None:
            yield _later(rng, self.clock.now(), 1, 3)
            agreement = rng.choices(list(Agreement), weights=(70, 24, 6))[0]
            if grade.rank <= 2 and agreement is Agreement.DISAGREE:
                agreement = Agreement.AGREE
            await audit_service.add_reflections(
                session=self.session,
                actor=await self.actor(practitioner),
                clock=self.clock,
                audit_id=audit_id,
                reflections=rng.choice(REFLECTIONS[agreement]),
                agreement=agreement,
            )
        if stop is AuditStatus.IN_PROGRESS or (may_stall and roll > 0.95):
            return  # still being written up

        yield _later(rng, self.clock.now(), 0, 2)
        await audit_service.submit_audit(
            session=self.session, actor=auditor, clock=self.clock, audit_id=audit_id
        )
        if stop is AuditStatus.SUBMITTED:
            return
        yield _later(rng, self.clock.now(), 0, 3)
        await audit_service.complete_audit(
            session=self.session, actor=auditor, clock=self.clock, audit_id=audit_id
        )
        completed = self.clock.now()
        await self.follow_up(
            rng,
            audit_id,
            kind,
            auditor,
            grade,
            child,
            subject_id=subject_id,
            supervisor_id=supervisor_id,
            actions=actions,
            learning=learning,
            extra_themes=extra_themes,
            owners=owners,
        )

        qa = await self.actor("qa-lead")
        if auditor_id == qa.person_id:
            return
        outcome: ModerationOutcome | None = None
        new_grade = grade
        if grade is Grade.INADEQUATE:
            outcome = (
                ModerationOutcome.REGRADED if regrade_inadequate else ModerationOutcome.CONFIRMED
            )
            new_grade = Grade.REQUIRES_IMPROVEMENT if regrade_inadequate else grade
        elif rng.random() < moderate:
            outcome = rng.choices(list(ModerationOutcome), weights=(2, 1))[0]
            if outcome is ModerationOutcome.REGRADED:
                new_grade = (
                    REGRADES[grade]
                    if grade in REGRADES
                    else rng.choice(
                        (Grade.REQUIRES_IMPROVEMENT, Grade.REQUIRES_IMPROVEMENT, Grade.OUTSTANDING)
                    )
                )
        if outcome is None:
            return
        yield _later(rng, self.clock.now(), 1, 3)
        if outcome is ModerationOutcome.CONFIRMED:
            reason = rng.choice(
                MODERATION_REASONS["confirm_inadequate" if grade is Grade.INADEQUATE else "confirm"]
            )
        else:
            which = (
                "regrade_inadequate"
                if grade is Grade.INADEQUATE
                else "regrade_down"
                if new_grade.rank > grade.rank
                else "regrade_up"
            )
            reason = rng.choice(MODERATION_REASONS[which]).format(
                new=LABELS[new_grade].lower(), old=LABELS[grade].lower()
            )
        graded = [s.key for s in self.sections[kind] if s.graded]
        await audit_service.moderate_audit(
            session=self.session,
            actor=qa,
            clock=self.clock,
            audit_id=audit_id,
            outcome=outcome,
            reason=reason,
            overall_grade=new_grade if outcome is ModerationOutcome.REGRADED else None,
            section_grades={graded[-1]: new_grade}
            if outcome is ModerationOutcome.REGRADED
            else None,
        )

        if grade is Grade.INADEQUATE and not regrade_inadequate and child is not None:
            # Three monthly reviews in supervision, then the QA Lead's desk-top audit.
            third_review = _working(_local_day(completed) + relativedelta(months=3))
            yield _in_hours(rng, third_review)
            today = local_today(self.clock)
            desk_due = _add_working_days(today, 10)
            desk = await audit_service.plan_audit(
                session=self.session,
                actor=qa,
                clock=self.clock,
                plan=AuditPlan(
                    kind=AuditKind.DESK_TOP,
                    auditor_id=self.person("qa-lead"),
                    due_date=desk_due,
                    child_id=child.id,
                ),
            )
            await self.timeline.spawn(
                self.audit_life(
                    desk,
                    key=f"desk-top:{key}",
                    due=desk_due,
                    grade=rng.choice((Grade.REQUIRES_IMPROVEMENT, Grade.GOOD)),
                    window=(today + timedelta(days=1), desk_due - timedelta(days=4)),
                    may_stall=False,
                )
            )

    def record(
        self,
        rng: random.Random,
        kind: AuditKind,
        grade: Grade,
        child: Child | None,
        *,
        collaborative: bool,
        findings: str | None,
        answers: dict[str, Any],
    ) -> AuditRecord:
        today = local_today(self.clock)
        sections = self.sections[kind]
        section_grades: dict[str, Grade] = {}
        for section in sections:
            if not section.graded:
                continue
            if grade is Grade.INADEQUATE:
                rank = rng.choice((4, 4, 3))
            else:
                rank = min(3, max(1, grade.rank + rng.choice((-1, 0, 0, 0, 1))))
            section_grades[section.key] = GRADES_BY_RANK[rank]
        if grade is Grade.INADEQUATE and Grade.INADEQUATE not in section_grades.values():
            section_grades[next(iter(section_grades))] = Grade.INADEQUATE

        if child is None:
            words = ("the child", "The child")
        elif child.date_of_birth > today:
            words = ("the unborn baby", "The unborn baby")
        elif _age(child.date_of_birth, today) >= 13:
            words = ("the young person", "The young person")
        else:
            words = ("the child", "The child")
        texts = SUPERVISION_TEXT if kind is AuditKind.SUPERVISION else {}
        values: dict[str, Any] = {}
        for section in sections:
            rank = section_grades.get(section.key, grade).rank
            band = STRONG if rank <= 2 else WEAK
            for q in section.questions:
                if q.key in answers:
                    values[q.key] = answers[q.key]
                    continue
                match q.type:
                    case QuestionType.YES_NO_NA:
                        if not q.required and rng.random() < 0.2:
                            values[q.key] = "NOT_APPLICABLE"
                        else:
                            yes = {1: 0.97, 2: 0.9, 3: 0.6, 4: 0.25}[rank]
                            values[q.key] = "YES" if rng.random() < yes else "NO"
                    case QuestionType.SCALE_0_10:
                        low, high = {1: (8, 10), 2: (6, 9), 3: (4, 7), 4: (1, 4)}[rank]
                        values[q.key] = rng.randint(low, high)
                    case QuestionType.GRADE:
                        values[q.key] = GRADES_BY_RANK[rank].value
                    case QuestionType.FREE_TEXT:
                        bank = texts.get(q.key) or ANSWER_TEXT.get(q.key)
                        optional = 0.5 if q.key in ("danger_statement", "safety_goal") else 0.8
                        if bank and (q.required or rng.random() < optional):
                            values[q.key] = rng.choice(bank[band]).format(
                                child=words[0], Child=words[1]
                            )
                        elif q.required:  # a question added to the template locally
                            values[q.key] = "Discussed with the practitioner; see the file."

        voices: list[Voice] = []
        if kind is not AuditKind.DIP_SAMPLE or rng.random() < 0.3:
            voices = self.voices(rng, child, today, words[0])
        return AuditRecord(
            answers=values,
            section_grades=[
                SectionGradeInput(
                    key,
                    g,
                    rng.choice(
                        SECTION_RATIONALE.get(key, {}).get(g)
                        or (f"{LABELS[g]}: the evidence is recorded in this section.",)
                    ),
                )
                for key, g in section_grades.items()
            ],
            overall_grade=grade,
            overall_rationale=rng.choice(OVERALL_RATIONALE[grade]),
            conversation_date=today if collaborative else None,
            voices=voices or None,
            findings=findings,
        )

    def voices(
        self, rng: random.Random, child: Child | None, today: date, word: str
    ) -> list[Voice]:
        if child is None:
            return []
        voices: list[Voice] = []
        if child.date_of_birth <= today:
            age = _age(child.date_of_birth, today)
            bank = (
                CHILD_VOICES_BABY
                if age < 3
                else CHILD_VOICES_YOUNG
                if age < 13
                else CHILD_VOICES_OLDER
            )
            voices.append(Voice("CHILD", rng.choice(bank)))
        if not child.care_leaver and (not voices or rng.random() < 0.7):
            voices.append(Voice("PARENT", rng.choice(PARENT_VOICES)))
        if child.looked_after and rng.random() < 0.7:
            voices.append(Voice("CARER", rng.choice(CARER_VOICES)))
        if rng.random() < 0.2:
            voices.append(Voice("OTHER_FAMILY", rng.choice(FAMILY_VOICES)))
        return voices

    async def follow_up(
        self,
        rng: random.Random,
        audit_id: uuid.UUID,
        kind: AuditKind,
        auditor: Actor,
        grade: Grade,
        child: Child | None,
        *,
        subject_id: uuid.UUID | None,
        supervisor_id: uuid.UUID | None,
        actions: tuple[int, int],
        learning: tuple[int, int],
        extra_themes: Sequence[str],
        owners: Sequence[str],
    ) -> None:
        """The auditor's actions (with owners and due dates) and learning points."""
        today = local_today(self.clock)
        weak = grade.rank >= 3
        extra = 1 if weak and actions[1] and rng.random() < 0.6 else 0
        for i in range(rng.randint(*actions) + extra):
            if owners:
                owner = self.person(owners[i % len(owners)])
                text = SERVICE_ACTIONS[(i + rng.randrange(4)) % len(SERVICE_ACTIONS)]
            elif kind is AuditKind.SUPERVISION:
                owner = (supervisor_id if i % 2 == 0 else subject_id) or self.person("psw")
                text = rng.choice(MANAGER_ACTIONS if i % 2 == 0 else PRACTITIONER_ACTIONS[:2])
            else:
                manager = self.team_manager_of(child) if child else None
                practitioner = child.allocated_practitioner_id if child else None
                if i % 2 == 1 and manager is not None:
                    owner, text = manager, rng.choice(MANAGER_ACTIONS)
                else:
                    owner = practitioner or manager or auditor.person_id or self.person("qa-lead")
                    text = rng.choice(PRACTITIONER_ACTIONS)
            due = today + timedelta(days=rng.randint(10, 35))
            action = await audit_service.add_action(
                session=self.session,
                actor=auditor,
                clock=self.clock,
                audit_id=audit_id,
                description=text,
                owner_id=owner,
                due_date=due,
            )
            await self.timeline.spawn(
                self.action_life(action.id, owner, due, random.Random(rng.getrandbits(64)))  # noqa: S311
            )

        cohort_themes = [
            name for attribute, name in COHORT_THEMES if child and getattr(child, attribute)
        ][:1]
        for _ in range(rng.randint(*learning)):
            strength = rng.random() < (0.6 if not weak else 0.3)
            text, is_strength, themes = rng.choice([p for p in LEARNING if p[1] is strength])
            names = list(dict.fromkeys([*themes, *cohort_themes, *extra_themes]))
            await audit_service.add_learning_point(
                session=self.session,
                actor=auditor,
                clock=self.clock,
                audit_id=audit_id,
                text=text,
                theme_ids=self.theme_ids(*names),
                is_strength=is_strength,
            )

    async def action_life(
        self, action_id: uuid.UUID, owner: uuid.UUID, due: date, rng: random.Random
    ) -> Life:
        """Most actions are done on time, some late, a few not at all (overdue)."""
        roll = rng.random()
        if roll < 0.75:
            moment = _in_hours(rng, _between(rng, local_today(self.clock), due - timedelta(days=1)))
        elif roll < 0.9:
            moment = _later(rng, _moment(due, 17), 1, 8)
        else:
            return
        yield moment
        await audit_service.complete_action(
            session=self.session,
            actor=await self.actor(owner),
            clock=self.clock,
            action_id=action_id,
            note=rng.choice(
                (
                    None,
                    "Done and recorded on the child's file.",
                    "Completed; discussed in supervision.",
                    "Done. The family took part.",
                )
            ),
        )

    async def benchmark_meeting(
        self, round_id: uuid.UUID, audits: list[Audit], month: date, due: date
    ) -> Life:
        """Once every auditor has submitted, each completes their audit and the QA Lead
        records the grade the group agrees."""
        rng = self.rng("benchmark-meeting", month)
        ids = [(a.id, a.auditor_id) for a in audits]
        yield _in_hours(rng, _add_working_days(due - timedelta(days=5), 1))
        statuses = set(
            await self.session.scalars(
                select(Audit.status).where(Audit.id.in_([i for i, _ in ids]))
            )
        )
        if statuses != {AuditStatus.SUBMITTED}:
            return
        for audit_id, auditor_id in ids:
            await audit_service.complete_audit(
                session=self.session,
                actor=await self.actor(auditor_id),
                clock=self.clock,
                audit_id=audit_id,
            )
        grades = [self.benchmark_grade(month, i) for i in range(len(ids))]
        counts = Counter(grades)
        agreed = min(counts, key=lambda g: (-counts[g], g.rank))
        spread = ", ".join(
            f"{n} {LABELS[g].lower()}" for g, n in sorted(counts.items(), key=lambda x: x[0].rank)
        )
        sections = {s.key: agreed for s in self.sections[AuditKind.BENCHMARKING] if s.graded}
        sections["management_oversight"] = GRADES_BY_RANK[min(3, agreed.rank + 1)]
        qa = await self.actor("qa-lead")
        await programme_service.record_agreed_grade(
            session=self.session,
            actor=qa,
            clock=self.clock,
            round_id=round_id,
            overall_grade=agreed,
            section_grades=sections,
            rationale=(
                f"Agreed {LABELS[agreed].lower()} at the benchmarking meeting (auditors' "
                f"grades: {spread}). The group agreed the child's progress is real and "
                "well evidenced, and that the gaps in recorded management oversight are the "
                "main difference between the judgements: oversight recording will be a focus "
                "for every team."
            ),
        )
        await audit_service.add_learning_point(
            session=self.session,
            actor=qa,
            clock=self.clock,
            audit_id=ids[0][0],
            text=(
                "Benchmarking: auditors agreed on the child's experience but differed on "
                "management oversight, which some credit from supervision notes and others "
                "only from the child's file. Guidance for auditors to follow."
            ),
            theme_ids=[],
            is_strength=False,
        )


async def seed_demo_audits(
    *,
    session: AsyncSession,
    clock: Clock,
    progress: Callable[[str], None] | None = None,
    policy_settings: PolicySettings | None = None,
) -> AuditDemoSummary:
    """Give the demo authority a year of audits, in the caller's unit of work (commits
    nothing). Does nothing where any audit exists already."""
    await ensure_defaults(session=session, clock=clock)
    if await session.scalar(select(Audit.id).limit(1)) is not None:
        summary = await _summary(session, clock, already_seeded=True)
        if progress is not None:
            progress(f"Audits: {summary.audits} there already; none added.")
        return summary
    now = clock.now()
    year = _Year(
        session,
        SettableClock(now - relativedelta(months=13)),
        now,
        policy_settings or PolicySettings(),
    )
    await year.load()
    if progress is not None:
        progress(
            f"Audits: replaying the programme from {year.months[0]:%B %Y} to today, "
            f"with next month's ({year.months[-1]:%B %Y}) planned."
        )
    year.clock.set(_moment(_working(year.months[0] - relativedelta(days=12)), 9))
    await year.timeline.spawn(year.planning())
    await year.timeline.spawn(year.sweeps())
    await year.timeline.run()
    # Today's sweep, as the worker runs it at startup.
    await year.nine_month_sweep()
    await year.timeline.run()
    summary = await _summary(session, clock, already_seeded=False)
    if progress is not None:
        kinds = ", ".join(f"{n} {k.lower().replace('_', ' ')}" for k, n in summary.by_kind.items())
        statuses = ", ".join(
            f"{n} {s.lower().replace('_', ' ')}" for s, n in summary.by_status.items()
        )
        progress(
            f"Audits: {summary.audits} ({kinds}); {statuses}; {summary.benchmark_rounds} "
            f"benchmarking rounds, {summary.moderations} moderations, {summary.actions} "
            f"actions, {summary.learning_points} learning points."
        )
    return summary


async def _summary(
    session: AsyncSession, clock: Clock, *, already_seeded: bool
) -> AuditDemoSummary:
    async def grouped(column: Any) -> dict[str, int]:
        rows = await session.execute(
            select(column, func.count()).group_by(column).order_by(func.count().desc(), column)
        )
        return {str(getattr(k, "value", k)): int(n) for k, n in rows if k is not None}

    async def count(model: type[Any], *where: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return AuditDemoSummary(
        already_seeded=already_seeded,
        programme_months=await count(ProgrammeMonth),
        samples=await count(Sample),
        by_kind=await grouped(Audit.kind),
        by_status=await grouped(Audit.status),
        by_grade=await grouped(func.coalesce(Audit.moderated_overall_grade, Audit.overall_grade)),
        benchmark_rounds=await count(BenchmarkRound),
        agreed_rounds=await count(BenchmarkRound, BenchmarkRound.agreed_at.is_not(None)),
        moderations=await count(Moderation),
        actions=await count(AuditAction),
        actions_done=await count(AuditAction, AuditAction.done_at.is_not(None)),
        learning_points=await count(LearningPoint, LearningPoint.audit_id.is_not(None)),
        inadequate_events=await count(
            DomainEvent, DomainEvent.name == events.AUDIT_COMPLETED_INADEQUATE
        ),
    )
