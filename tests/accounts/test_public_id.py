"""Every account has a random public id (what names a patient in a URL and at the access door),
existing accounts included: the migration fills them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from tests.factories import UserFactory

BEFORE = ("accounts", "0005_user_public_id")  # the column exists, empty
AFTER = ("accounts", "0007_user_public_id_unique")


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_existing_account_its_own_random_public_id():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old_user = executor.loader.project_state([BEFORE]).apps.get_model("accounts", "User")
        ids = [
            old_user.objects.create(email=f"before{i}@example.test", password="!").pk
            for i in range(3)
        ]
        assert set(old_user.objects.filter(pk__in=ids).values_list("public_id", flat=True)) == {
            None
        }
        MigrationExecutor(connection).migrate([AFTER])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    public_ids = list(User.objects.filter(pk__in=ids).values_list("public_id", flat=True))
    assert len(set(public_ids)) == 3
    assert all(p is not None and p.version == 4 for p in public_ids)


@pytest.mark.django_db
def test_new_accounts_get_one_each():
    first, second = UserFactory(), UserFactory()
    assert first.public_id and second.public_id and first.public_id != second.public_id
