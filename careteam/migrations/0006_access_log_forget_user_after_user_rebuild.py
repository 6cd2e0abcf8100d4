"""SQLite only (development): accounts 0005 and 0007 rebuilt accounts_user, which drops the
trigger migration 0003 put on it to forget a deleted account's looks. Put it back.
PostgreSQL keeps its foreign keys through those migrations; nothing to do there."""

from django.db import migrations

FORGET_USER = """
CREATE TRIGGER careteam_accessevent_forget_user AFTER DELETE ON {user_table}
BEGIN
    DELETE FROM careteam_accessevent WHERE patient_id = OLD.id;
    UPDATE careteam_accessevent SET viewer_id = NULL WHERE viewer_id = OLD.id;
END
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    table = schema_editor.quote_name(apps.get_model("accounts", "User")._meta.db_table)
    schema_editor.execute("DROP TRIGGER IF EXISTS careteam_accessevent_forget_user")
    schema_editor.execute(FORGET_USER.format(user_table=table))


class Migration(migrations.Migration):
    dependencies = [
        ("careteam", "0005_share_one_scope_value"),
        ("accounts", "0007_user_public_id_unique"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
