"""The register takes over both lists of key projects: joint approvals' linked projects
(`joint_approval.LinkedProject`) and delegation's key-project list (`delegation.KeyProject`).

- Every linked project becomes a register row under its own id, so the ids API clients and pages know
  (`/joint/projects/<id>/`, `project` in the joint API, the idempotency of joint acceptances) still name
  the same project; it names that row (`LinkedProject.project`: joint_approval.0005 moves the items' and
  joint cases' foreign keys along it).
- Two linked projects of one year and name in different zones (allowed before: one per zone) stay two
  projects: the later one's name gets its zone's name in brackets, e.g. 产业园（西安高新区）.
- Every project of delegation's list then joins the row of its year and Chinese name, or makes a new
  one, and names it (`KeyProject.project`: delegation.0004 moves the agents', problems' and approvals'
  foreign keys along it). A project on both lists is one row with the linked project's zone or
  district, company and credit code (its joint cases were accepted under them), and the list's English
  name when the linked project had none.

Reversing rebuilds the tables, not their rows: to go back with data, restore a backup.
"""
from django.core.management.color import no_style
from django.db import migrations

NAME_LENGTH = 200


def _apart(name: str, zone: str) -> str:
    suffix = f"（{zone}）"
    return name[:NAME_LENGTH - len(suffix)] + suffix


def carry(apps, schema_editor):
    register = apps.get_model("projects", "KeyProject")
    linked_projects = apps.get_model("joint_approval", "LinkedProject")
    listed = apps.get_model("delegation", "KeyProject")
    connection = schema_editor.connection

    rows, created = {}, []
    for linked in linked_projects.objects.select_related("zone").order_by("id"):
        name = linked.name_zh if (linked.year, linked.name_zh) not in rows else _apart(linked.name_zh,
                                                                                      linked.zone.name_zh)
        rows[(linked.year, name)] = row = register(
            id=linked.id, year=linked.year, name_zh=name, name_en=linked.name_en, company_name=linked.company_name,
            credit_code=linked.credit_code, centre_id=linked.zone_id)
        created.append(row)
    register.objects.bulk_create(created)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE joint_approval_linkedproject SET project_id = id")
        cursor.execute("UPDATE projects_keyproject r SET created_at = l.created_at, updated_at = l.updated_at "
                       "FROM joint_approval_linkedproject l WHERE l.project_id = r.id")
        for statement in connection.ops.sequence_reset_sql(no_style(), [register]):
            cursor.execute(statement)

    for project in listed.objects.order_by("id"):
        row = rows.get((project.year, project.name_zh))
        if row is None:
            row = rows[(project.year, project.name_zh)] = register.objects.create(
                year=project.year, name_zh=project.name_zh, name_en=project.name_en, company_name=project.company,
                credit_code=project.credit_code, centre_id=project.centre_id)
            register.objects.filter(pk=row.pk).update(created_at=project.created_at, updated_at=project.updated_at)
        elif not row.name_en and project.name_en:
            row.name_en = project.name_en
            row.save(update_fields=["name_en", "updated_at"])
        project.project_id = row.pk
        project.save(update_fields=["project"])
    with connection.cursor() as cursor:
        # checked now, so the next migrations may alter these tables in the same transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0001_initial"),
        ("delegation", "0003_keyproject_project"),
        ("joint_approval", "0004_linkedproject_project"),
    ]

    operations = [
        migrations.RunPython(carry, migrations.RunPython.noop),
    ]
