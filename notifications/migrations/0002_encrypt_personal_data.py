"""The outbox's recipient (an applicant's or a user's phone) encrypted at rest (common.crypto, PIPL):
the column becomes text and every message is rewritten encrypted under the newest key."""
from django.db import migrations

import common.fields

CHUNK = 2000


def rewrite(apps, schema_editor):
    Message = apps.get_model("notifications", "OutboxMessage")
    batch = []
    for message in Message.objects.only("pk", "to").order_by("pk").iterator(chunk_size=CHUNK):
        batch.append(message)
        if len(batch) == CHUNK:
            Message.objects.bulk_update(batch, ["to"])
            batch = []
    if batch:
        Message.objects.bulk_update(batch, ["to"])


def decrypt_back(apps, schema_editor):
    from common.crypto import decrypt

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, \"to\" FROM notifications_outboxmessage")
        for pk, to in cursor.fetchall():
            schema_editor.execute('UPDATE notifications_outboxmessage SET "to" = %s WHERE id = %s', [decrypt(to), pk])


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outboxmessage",
            name="to",
            field=common.fields.EncryptedTextField(verbose_name="to"),
        ),
        migrations.RunPython(rewrite, decrypt_back, elidable=True),
    ]
