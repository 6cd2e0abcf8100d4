"""Each access-log line keeps who the viewer was when they looked (name and address), so a later
rename cannot rewrite history. Added columns only: no existing line is touched (older lines keep
an empty snapshot and show the account's current name).

The append-only guard (migration 0003) learns the one change it must let through besides the
patient's cascade: when a viewer's account is deleted, the look stays and the person is
forgotten, now including the name and address kept with the line. A BEFORE DELETE trigger on the
user table blanks them (with viewer_id) one trigger level deep, where the guard allows exactly
that change; the foreign key's ON DELETE SET NULL then finds nothing left to do. On SQLite
(development) the trigger from 0003/0006 is replaced by one that blanks them too (dropped
first: SQLite rebuilds the table to add a column, and refuses while a trigger names it).
"""

from django.db import migrations, models

PG_GUARD = """
CREATE OR REPLACE FUNCTION careteam_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        -- Inside ON DELETE CASCADE: the patient's account is being deleted.
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        -- The viewer's account is being deleted: forget who, keep the look; nothing else moves.
        IF NEW.viewer_id IS NULL AND NEW.viewer_name = '' AND NEW.viewer_email IS NULL
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

CREATE FUNCTION careteam_accessevent_forget_viewer() RETURNS trigger AS $$
BEGIN
    UPDATE careteam_accessevent
       SET viewer_id = NULL, viewer_name = '', viewer_email = NULL
     WHERE viewer_id = OLD.id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER careteam_accessevent_forget_viewer
    BEFORE DELETE ON {user_table}
    FOR EACH ROW EXECUTE FUNCTION careteam_accessevent_forget_viewer();
"""

PG_GUARD_BACKWARD = """
DROP TRIGGER IF EXISTS careteam_accessevent_forget_viewer ON {user_table};
DROP FUNCTION IF EXISTS careteam_accessevent_forget_viewer();
CREATE OR REPLACE FUNCTION careteam_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
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
"""

SQLITE_FORGET_USER = """
CREATE TRIGGER careteam_accessevent_forget_user AFTER DELETE ON {user_table}
BEGIN
    DELETE FROM careteam_accessevent WHERE patient_id = OLD.id;
    UPDATE careteam_accessevent SET viewer_id = NULL{forget} WHERE viewer_id = OLD.id;
END
"""


def _user_table(apps, schema_editor) -> str:
    return schema_editor.quote_name(apps.get_model("accounts", "User")._meta.db_table)


def _sqlite_trigger(schema_editor, table: str, forget: str) -> None:
    schema_editor.execute("DROP TRIGGER IF EXISTS careteam_accessevent_forget_user")
    schema_editor.execute(SQLITE_FORGET_USER.format(user_table=table, forget=forget))


def sqlite_drop_trigger(apps, schema_editor):
    # SQLite adds these columns by rebuilding careteam_accessevent, which it refuses while a
    # trigger on another table names it; `forward` puts the trigger back.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS careteam_accessevent_forget_user")


def forward(apps, schema_editor):
    table = _user_table(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_GUARD.format(user_table=table), params=None)
    elif vendor == "sqlite":
        _sqlite_trigger(schema_editor, table, ", viewer_name = '', viewer_email = NULL")


def backward(apps, schema_editor):
    table = _user_table(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_GUARD_BACKWARD.format(user_table=table), params=None)
    elif vendor == "sqlite":
        _sqlite_trigger(schema_editor, table, "")


class Migration(migrations.Migration):
    dependencies = [("careteam", "0006_access_log_forget_user_after_user_rebuild")]

    operations = [
        migrations.RunPython(sqlite_drop_trigger, sqlite_drop_trigger),
        migrations.AddField(
            model_name="accessevent",
            name="viewer_email",
            field=models.EmailField(blank=True, max_length=254, null=True),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="viewer_name",
            field=models.CharField(blank=True, default="", max_length=80),
        ),
        migrations.RunPython(forward, backward),
    ]
