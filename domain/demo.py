"""Shim (issue 13): the demo seeder moved to the top-level `demo` package; bench/ imports it
from here until the lead rewrites those imports. See SHIMS-demo.md."""

from demo import TEAMS as TEAMS
from demo import Cohort as Cohort
from demo import DemoSummary as DemoSummary
from demo import PersonPlan as PersonPlan
from demo import plan_people as plan_people
from demo import seed_demo_authority as seed_demo_authority
