"""One exposure per case and person (was: one per piece of evidence).

Existing rows are folded: the row of the lowest level and earliest contact stays, and
``last_contact_at`` takes the latest end of a contact at that level."""

import django.db.models.deletion
from django.db import migrations, models

FOLD = [
    """UPDATE contacts_exposure SET last_contact_at = (
           SELECT MAX(e.overlap_end) FROM contacts_exposure e
           WHERE e.case_id = contacts_exposure.case_id AND e.person_id = contacts_exposure.person_id
             AND e.level = contacts_exposure.level)""",
    """DELETE FROM contacts_exposure WHERE EXISTS (
           SELECT 1 FROM contacts_exposure b
           WHERE b.case_id = contacts_exposure.case_id AND b.person_id = contacts_exposure.person_id
             AND (b.level < contacts_exposure.level
                  OR (b.level = contacts_exposure.level AND b.overlap_start < contacts_exposure.overlap_start)
                  OR (b.level = contacts_exposure.level AND b.overlap_start = contacts_exposure.overlap_start
                      AND b.id < contacts_exposure.id)))""",
]


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_manual_contact_once_a_day"),
        ("people", "0002_personhistory"),
    ]

    operations = [
        migrations.AddField(
            model_name="exposure",
            name="last_contact_at",
            field=models.DateTimeField(null=True),
        ),
        # Before the old indexes go: the fold reads through (case, level, person).
        migrations.RunSQL(FOLD, migrations.RunSQL.noop),
        migrations.RemoveConstraint(model_name="exposure", name="contacts_exposure_once"),
        migrations.RemoveIndex(model_name="exposure", name="contacts_exposure_case_level"),
        migrations.RemoveIndex(model_name="exposure", name="contacts_exposure_person"),
        migrations.RemoveField(model_name="exposure", name="key"),
        migrations.AlterField(
            model_name="exposure",
            name="last_contact_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="exposure",
            name="person",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="exposures",
                to="people.person",
            ),
        ),
        migrations.AddConstraint(
            model_name="exposure",
            constraint=models.UniqueConstraint(fields=("case", "person"), name="contacts_exposure_once"),
        ),
    ]
