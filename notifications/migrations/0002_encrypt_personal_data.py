"""The outbox's recipient (an applicant's or a user's phone) encrypted at rest (common.crypto, PIPL):
the column becomes text and every message is rewritten encrypted under the newest key; `to_hmac` (the
recipient's HMAC) is how the admin finds one number's messages now."""
from django.db import migrations, models

import common.fields

CHUNK = 2000


def rewrite(apps, schema_editor):
    from common.identity import recipient_hmac

    Message = apps.get_model("notifications", "OutboxMessage")
    batch = []
    for message in Message.objects.only("pk", "to").order_by("pk").iterator(chunk_size=CHUNK):
        message.to_hmac = recipient_hmac(message.to)
        batch.append(message)
        if len(batch) == CHUNK:
            Message.objects.bulk_update(batch, ["to", "to_hmac"])
            batch = []
    if batch:
        Message.objects.bulk_update(batch, ["to", "to_hmac"])


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
        migrations.AddField(
            model_name="outboxmessage",
            name="to_hmac",
            field=models.CharField(blank=True, db_index=True, help_text="common.identity.recipient_hmac of the recipient: how one number's messages are found (the encrypted column cannot be searched).", max_length=64, verbose_name="recipient (HMAC)"),
        ),
        migrations.RunPython(rewrite, decrypt_back, elidable=True),
    ]
