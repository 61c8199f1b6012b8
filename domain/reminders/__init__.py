"""Reminders that are never missed: the sweep over every open obligation (sweep.py), what each
step of each kind of obligation is called (steps.py) and what a reminder is about (about.py).

It sits above the concepts whose obligations it reminds people of (audits, the Inadequate
process, complaints) and below nothing: those concepts create obligations in `deadlines`, and
the sweep reads them; `notifications` carries the messages it writes.
"""
