"""A demo authority: services, teams, people in every role, 300 children, the register of
compliments and complaints, survey campaigns and a year of audits.

A client of the domain, not part of it: everything is written through the domain's own use
cases, acting as the system or as the person who would do each step, so the demo has the same
history as an authority set up by hand. It is safe to run again: what exists already is found
and kept, and the children import is an upsert. `qaf seed-demo` runs it.

- `demo.people`: the organisation (services, teams, people and their roles).
- `demo.children`: the children, by each team's caseload.
- `demo.feedback`: compliments, complaints and a Task and Finish Group.
- `demo.surveys`: survey campaigns, answered in part.
- `demo.audits`: a year of audits, replayed on a copy of the clock.
- `demo.authority`: all of it, in the caller's unit of work.
"""

from demo.authority import DemoSummary, seed_demo_authority
from demo.people import TEAMS, Cohort, PersonPlan, plan_people

__all__ = ["TEAMS", "Cohort", "DemoSummary", "PersonPlan", "plan_people", "seed_demo_authority"]
