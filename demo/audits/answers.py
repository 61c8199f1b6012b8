"""What auditors write in the demo's audits: answers to the templates' free-text questions by
how strong the practice is, and the rationale for each section's and the overall grade.

Names stay in the case management system, so the text speaks of "the child", "mum" and
"the worker". `{child}` becomes "the child" or "the young person".
"""

from __future__ import annotations

from domain.audits.kinds import Grade

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
