"""The access log cannot be changed or deleted by the app, and deleting an account still works.

PostgreSQL: the two foreign keys of AccessEvent get their referential actions in the database
(patient ON DELETE CASCADE, viewer ON DELETE SET NULL), and a trigger raises on every UPDATE or
DELETE except those actions. A statement the app sends runs the trigger at depth 1; a referential
action runs inside the system's RI trigger, so at depth 2. TRUNCATE is left alone: only an
operator (or the test runner's flush) issues it.

SQLite (development only): no guard (the ORM refuses instead), and two triggers on the user table
stand in for the cascade. A later migration that rebuilds accounts_user on SQLite drops them; that
leaves orphan rows in a development database, nothing worse.
"""

from django.db import migrations

PG_FORWARD = """
ALTER TABLE careteam_accessevent
    ADD CONSTRAINT careteam_accessevent_patient_fk FOREIGN KEY (patient_id)
        REFERENCES {user_table} (id) ON DELETE CASCADE,
    ADD CONSTRAINT careteam_accessevent_viewer_fk FOREIGN KEY (viewer_id)
        REFERENCES {user_table} (id) ON DELETE SET NULL;

CREATE FUNCTION careteam_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        -- Inside ON DELETE CASCADE: the patient's account is being deleted.
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        -- Inside ON DELETE SET NULL: the viewer's account is being deleted; nothing else moves.
        IF NEW.viewer_id IS NULL
           AND (NEW.id, NEW.viewer_role, NEW.patient_id, NEW.what, NEW.allowed, NEW.at)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.viewer_role, OLD.patient_id, OLD.what, OLD.allowed, OLD.at) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'The access log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER careteam_accessevent_append_only
    BEFORE UPDATE OR DELETE ON careteam_accessevent
    FOR EACH ROW EXECUTE FUNCTION careteam_accessevent_append_only();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS careteam_accessevent_append_only ON careteam_accessevent;
DROP FUNCTION IF EXISTS careteam_accessevent_append_only();
ALTER TABLE careteam_accessevent
    DROP CONSTRAINT IF EXISTS careteam_accessevent_patient_fk,
    DROP CONSTRAINT IF EXISTS careteam_accessevent_viewer_fk;
"""

SQLITE_FORWARD = [
    """
    CREATE TRIGGER careteam_accessevent_forget_user AFTER DELETE ON {user_table}
    BEGIN
        DELETE FROM careteam_accessevent WHERE patient_id = OLD.id;
        UPDATE careteam_accessevent SET viewer_id = NULL WHERE viewer_id = OLD.id;
    END
    """
]

SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS careteam_accessevent_forget_user"]


def _user_table(apps) -> str:
    from django.conf import settings

    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    return apps.get_model(app_label, model_name)._meta.db_table


def forward(apps, schema_editor):
    table = schema_editor.quote_name(_user_table(apps))
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD.format(user_table=table), params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement.format(user_table=table))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("careteam", "0002_invitation_rules_access_log_fks"),
    ]

    operations = [migrations.RunPython(forward, backward)]
