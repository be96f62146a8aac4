# The personal QR credential moves to the core (truyvet.credentials): its table stays, with
# its rows. The link to the issuing declaration becomes a plain id column (the core does
# not depend on this app): the foreign key constraint goes, the column and its index stay.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0002_identity_proof"),
    ]

    operations = [
        migrations.AlterField(
            model_name="qrcredential",
            name="declaration",
            field=models.BigIntegerField(blank=True, db_column="declaration_id", db_index=True, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="QrCredential")],
            database_operations=[],
        ),
    ]
