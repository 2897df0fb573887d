"""`manage.py citus_prepare`: make a Citus coordinator ready for centres (the logic: tenants.citus).

Run once after `migrate_schemas --shared` and before the first centre is onboarded: the public tables
the centres' foreign keys reach become reference tables (with the tables linked to them made Citus
local tables), every public id sequence is set past its largest id, and schema-based sharding is
turned on for the database, so each centre schema created from then on is a distributed schema.
Refuses when centres exist unless `--distribute-existing` (then each is `citus_schema_distribute`d).
`--sql` prints the SQL instead of running it (works on plain PostgreSQL). Each statement is safe to
run again."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tenants import citus
from tenants.provisioning import tenant_script

MINIMUM_MAJOR = 12  # schema-based sharding, pg_dist_schema, citus_schema_distribute: Citus 12.0+


class Command(BaseCommand):
    help = ("Prepare a Citus coordinator for centres (reference tables, sequences, schema-based sharding) "
            "/ 为 Citus 集群准备中心所需的参考表、序列和按模式分片")

    def add_arguments(self, parser):
        parser.add_argument("--sql", action="store_true",
                            help="print the SQL it would run, run nothing / 只打印将执行的 SQL")
        parser.add_argument("--distribute-existing", action="store_true",
                            help="centres exist already: distribute each centre schema (citus_schema_distribute) "
                                 "/ 已有中心时逐个分布其模式")

    def handle(self, *args, **options):
        plan = citus.database_plan()
        findings = citus.script_findings(tenant_script().statements, reference_tables=plan.reference)
        if findings:
            raise CommandError("the centre migrations produce SQL that Citus refuses; fix the migrations first "
                               "/ 中心迁移含 Citus 不接受的 SQL:\n" + "\n".join(str(f) for f in findings))
        if plan.centre_schemas and not options["distribute_existing"]:
            shown = ", ".join(plan.centre_schemas[:5]) + (" ..." if len(plan.centre_schemas) > 5 else "")
            raise CommandError(
                f"{len(plan.centre_schemas)} centre(s) exist already ({shown}): schema-based sharding distributes "
                "only the schemas created after it is on. Run again with --distribute-existing to distribute "
                "each of them with citus_schema_distribute / 已有中心，请加 --distribute-existing 逐个分布其模式")
        database = connection.settings_dict["NAME"]
        statements = citus.prepare_statements(
            plan, database=database, distribute=plan.centre_schemas if options["distribute_existing"] else ())
        if options["sql"]:
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        with connection.cursor() as cursor:
            version = citus.citus_version(cursor)
            if version is None:
                raise CommandError(
                    f"not a Citus database: the citus extension is not installed in {database!r}. Install Citus "
                    "12.1+ on every node and run CREATE EXTENSION citus; in this database on each "
                    "/ 此数据库未安装 citus 扩展：请在每个节点安装 Citus 并执行 CREATE EXTENSION citus")
            if int(version.split(".")[0]) < MINIMUM_MAJOR:
                raise CommandError(f"Citus {version} has no schema-based sharding; 12.1 or later is needed "
                                   f"/ Citus {version} 不支持按模式分片，需要 12.1 或更高版本")
            refusals = citus.preparation_refusals(citus.cluster_nodes(cursor))
            if refusals:
                raise CommandError("\n".join(refusals))
            for statement in statements:
                if options["verbosity"] > 1:
                    self.stdout.write(statement + ";")
                cursor.execute(statement)
        self.stdout.write(self.style.SUCCESS(
            f"Citus {version} ready: {len(plan.reference)} reference table(s) ({', '.join(plan.reference)}), "
            f"{len(plan.linked)} local table(s), {len(plan.sequences)} sequence(s) reset, schema-based sharding on "
            f"for {database!r}"
            + (f", {len(plan.centre_schemas)} centre schema(s) distributed" if options["distribute_existing"] else "")
            + ". Restart the web and Celery processes (their connections predate the setting), then run "
              "manage.py citus_check / Citus 已就绪；请重启 Web 与 Celery 进程后运行 citus_check"))
