"""Applicants' ID numbers and phones encrypted at rest (common.crypto, PIPL): the columns become text
(a Fernet token is ~100-140 characters), then every case of this centre is rewritten encrypted under the
newest key of GOVSERVICE_DATA_KEYS. A tenant migration: `migrate_schemas` runs it in every centre's
schema. The data step is elidable: a new centre's empty schema has nothing to encrypt, so provisioning
still replays the migrations as SQL (tenants.provisioning skips an elidable RunPython).

Backwards: the columns go back to clear text (decrypted), when every value fits the old lengths."""
from django.db import migrations

import common.fields

CHUNK = 2000


def rewrite(apps, schema_editor):
    """Load (clear or encrypted) and save (encrypted under the newest key) every case, a chunk at a time."""
    Case = apps.get_model("cases", "Case")
    rows = Case.objects.only("pk", "applicant_id_number", "phone").order_by("pk")
    batch = []
    for case in rows.iterator(chunk_size=CHUNK):
        batch.append(case)
        if len(batch) == CHUNK:
            Case.objects.bulk_update(batch, ["applicant_id_number", "phone"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["applicant_id_number", "phone"])


def decrypt_back(apps, schema_editor):
    from common.crypto import decrypt

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, applicant_id_number, phone FROM cases_case")
        for pk, id_number, phone in cursor.fetchall():
            schema_editor.execute("UPDATE cases_case SET applicant_id_number = %s, phone = %s WHERE id = %s",
                                  [decrypt(id_number), decrypt(phone), pk])


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_due_flags_event_kinds"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="applicant_id_number",
            field=common.fields.EncryptedTextField(verbose_name="ID number / credit code"),
        ),
        migrations.AlterField(
            model_name="case",
            name="phone",
            field=common.fields.EncryptedTextField(verbose_name="mobile phone"),
        ),
        migrations.RunPython(rewrite, decrypt_back, elidable=True),
    ]
