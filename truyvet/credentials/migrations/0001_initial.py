# The table was created by the declarations app (declarations_qrcredential) and is taken over
# as it is: this migration changes Django's state only, never the database. It follows the
# declarations migration that let the table go, so that on a new database the table exists
# first; that is an order of history, not an import: the core reads nothing of declarations.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("declarations", "0003_qrcredential_to_core"),
        ("people", "0004_identity_proof"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="QrCredential",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("issued_at", models.DateTimeField()),
                        ("expires_at", models.DateTimeField()),
                        (
                            "risk_level",
                            models.CharField(
                                choices=[
                                    ("green", "Green: low risk"),
                                    ("yellow", "Yellow: needs attention"),
                                    ("red", "Red: high risk"),
                                ],
                                max_length=6,
                            ),
                        ),
                        ("declaration_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "person",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="qr_credential",
                                to="people.person",
                            ),
                        ),
                        (
                            "revoked_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "personal QR code",
                        "verbose_name_plural": "personal QR codes",
                        "db_table": "declarations_qrcredential",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
