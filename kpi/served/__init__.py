"""Served-person tables: what the visit metrics count, kept current at write time.

Counting distinct persons over the year so far means reading every counted visit of January to
the month (485,000 visits for June at a million a year) and hashing them per person, about a
second; the year at ten million visits took 100 s. These tables hold the counts' inputs
already reduced, kept by PostgreSQL triggers on ``care_visit`` and ``care_recipient``
(kpi 0010), so a month's figures read a few thousand rows:

- ``ServedPerson``: one row per Seoul month, kind (recipient, rural-gap recipient, corps
  member) and person, with the breakdown keys (the recipient's current 시·군 and rural flag;
  a corps member has a row per key of the recipients served);
- ``ServedFirst``: the month each person was first served in a year, per key;
- ``ServedTotal``: visits and service microseconds per month, program, 시·군 and area;
- ``EpisodeFirst``: each episode's first counted visit (the referral-to-first-visit median).

``services.rebuild`` recomputes them from the visits; ``services.differences`` compares
what the triggers kept with a recount (``manage.py rebuild_served --check``). SQLite has no
triggers here: its metrics read the visits (``kpi.metrics``).
"""
