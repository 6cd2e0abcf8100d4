"""Every existing treatment session joins a course, grouped by the rule new sessions follow
(journal/courses.py, copied here so a later change to it never changes this migration): a
session joins the course before it unless the gap since that course's last session is longer
than the course allows (21 days for an induction, 90 for maintenance); a patient's first
course, and the first after a gap of more than 90 days, is an induction, any other
maintenance. A patient's last course stays open (no end); earlier ones end on their last
session's day. Medication and route come from the course's first session."""

from django.db import migrations

INDUCTION_GAP_DAYS = 21
MAINTENANCE_GAP_DAYS = 90


def _join_gap(kind):
    return INDUCTION_GAP_DAYS if kind == "induction" else MAINTENANCE_GAP_DAYS


def _group(days):
    courses = []
    for i, day in enumerate(days):
        if courses:
            kind, members = courses[-1]
            gap = (day - days[members[-1]]).days
            if gap <= _join_gap(kind):
                members.append(i)
                continue
            courses.append(("induction" if gap > MAINTENANCE_GAP_DAYS else "maintenance", [i]))
        else:
            courses.append(("induction", [i]))
    return courses


def group_sessions_into_courses(apps, schema_editor):
    Session = apps.get_model("journal", "TreatmentSession")
    Course = apps.get_model("journal", "Course")
    patient_ids = (
        Session.objects.filter(course__isnull=True)
        .order_by()
        .values_list("patient_id", flat=True)
        .distinct()
    )
    for patient_id in patient_ids.iterator():
        sessions = list(
            Session.objects.filter(patient_id=patient_id).order_by("started_at", "pk")
        )
        grouped = _group([s.day for s in sessions])
        for n, (kind, members) in enumerate(grouped):
            first = sessions[members[0]]
            last = sessions[members[-1]]
            course = Course.objects.create(
                patient_id=patient_id,
                kind=kind,
                medication="Esketamine" if first.kind == "nasal" else "Ketamine",
                route=first.kind,
                started_on=first.day,
                ended_on=None if n == len(grouped) - 1 else last.day,
            )
            Session.objects.filter(pk__in=[sessions[i].pk for i in members]).update(
                course=course
            )


class Migration(migrations.Migration):
    dependencies = [("journal", "0016_course")]

    operations = [
        migrations.RunPython(group_sessions_into_courses, migrations.RunPython.noop),
    ]
