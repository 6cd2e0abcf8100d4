"""How a patient's care team may reach them (ContactDetails, shown only under Scope.CONTACT), and
the team's record of reaching out (Outreach), append-only like the access log (0003, 0007).

PostgreSQL: Outreach's foreign keys get their actions in the database (patient and team ON
DELETE CASCADE: deleting the account or the team removes the records; the member ON DELETE SET
NULL: the record stays, with the name kept on it), and a trigger refuses every UPDATE or
DELETE the app sends, letting through only those actions (they run one trigger level deep).
SQLite (development only): no guard (the ORM refuses instead); triggers on the user and team
tables stand in for the actions.
"""


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

PG_FORWARD = """
ALTER TABLE careteam_outreach
    ADD CONSTRAINT careteam_outreach_patient_fk FOREIGN KEY (patient_id)
        REFERENCES {user_table} (id) ON DELETE CASCADE,
    ADD CONSTRAINT careteam_outreach_team_fk FOREIGN KEY (team_id)
        REFERENCES careteam_careteam (id) ON DELETE CASCADE,
    ADD CONSTRAINT careteam_outreach_by_fk FOREIGN KEY (by_id)
        REFERENCES {user_table} (id) ON DELETE SET NULL;

CREATE FUNCTION careteam_outreach_append_only() RETURNS trigger AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        -- Inside ON DELETE CASCADE: the patient's account, or the team, is being deleted.
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        -- Inside ON DELETE SET NULL: the member's account is being deleted; nothing else moves.
        IF NEW.by_id IS NULL
           AND (NEW.id, NEW.patient_id, NEW.team_id, NEW.by_name, NEW.at, NEW.how, NEW.outcome,
                NEW.note, NEW.recorded_at)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.patient_id, OLD.team_id, OLD.by_name, OLD.at, OLD.how, OLD.outcome,
                OLD.note, OLD.recorded_at) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'Outreach records are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER careteam_outreach_append_only
    BEFORE UPDATE OR DELETE ON careteam_outreach
    FOR EACH ROW EXECUTE FUNCTION careteam_outreach_append_only();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS careteam_outreach_append_only ON careteam_outreach;
DROP FUNCTION IF EXISTS careteam_outreach_append_only();
"""

SQLITE_FORWARD = [
    """
    CREATE TRIGGER careteam_outreach_forget_user AFTER DELETE ON {user_table}
    BEGIN
        DELETE FROM careteam_outreach WHERE patient_id = OLD.id;
        UPDATE careteam_outreach SET by_id = NULL WHERE by_id = OLD.id;
    END
    """,
    """
    CREATE TRIGGER careteam_outreach_forget_team AFTER DELETE ON careteam_careteam
    BEGIN
        DELETE FROM careteam_outreach WHERE team_id = OLD.id;
    END
    """,
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS careteam_outreach_forget_user",
    "DROP TRIGGER IF EXISTS careteam_outreach_forget_team",
]


def forward(apps, schema_editor):
    user_table = schema_editor.quote_name(apps.get_model("accounts", "User")._meta.db_table)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD.format(user_table=user_table), params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement.format(user_table=user_table))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG_BACKWARD] if vendor == "postgresql" else SQLITE_BACKWARD
    if vendor in ("postgresql", "sqlite"):
        for statement in statements:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('careteam', '0007_access_event_viewer_snapshot'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ContactDetails',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', models.CharField(blank=True, max_length=32, verbose_name='phone number')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('patient', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='contact_details', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'contact details',
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('phone', ''), _negated=True), models.Q(('email', ''), _negated=True), _connector='OR'), name='contact_details_not_empty')],
            },
        ),
        migrations.CreateModel(
            name='Outreach',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('by_name', models.CharField(max_length=254)),
                ('at', models.DateTimeField(verbose_name='when')),
                ('how', models.CharField(choices=[('phone', 'Phone call'), ('text', 'Text message'), ('email', 'Email'), ('video', 'Video call'), ('in_person', 'In person')], max_length=12)),
                ('outcome', models.CharField(choices=[('spoke', 'Spoke with them'), ('left_message', 'Left a message'), ('no_answer', 'No answer'), ('sent', 'Sent a message, no reply yet'), ('replied', 'They replied')], max_length=16)),
                ('note', models.TextField(blank=True, help_text='Only your team sees it; the patient never does.', max_length=2000, verbose_name='note for the team (optional)')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('by', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('patient', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='outreach_received', to=settings.AUTH_USER_MODEL)),
                ('team', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='outreach', to='careteam.careteam')),
            ],
            options={
                'verbose_name_plural': 'outreach',
                'ordering': ['-at'],
                'indexes': [models.Index(fields=['patient', '-at'], name='outreach_patient_recent')],
                'constraints': [models.CheckConstraint(condition=models.Q(('how__in', ['phone', 'text', 'email', 'video', 'in_person'])), name='outreach_how_known'), models.CheckConstraint(condition=models.Q(('outcome__in', ['spoke', 'left_message', 'no_answer', 'sent', 'replied'])), name='outreach_outcome_known')],
            },
        ),
        migrations.RunPython(forward, backward),
]
