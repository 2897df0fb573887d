"""`manage.py citus_check`: is this Citus cluster right for the platform? (the logic: tenants.citus)

Every centre schema distributed (`pg_dist_schema`), no centre shard on the coordinator (group 0), the
public tables centres reference are reference tables, the tables linked to them in Citus' metadata,
no public sequence behind its table, schema-based sharding on, and the centre migrations' SQL free of
what Citus refuses. Exit 0 when all hold, 1 listing the problems, 2 on a database without Citus."""
from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection

from tenants import citus
from tenants.provisioning import tenant_script


class Command(BaseCommand):
    help = "Check a Citus cluster's state for the platform / 检查 Citus 集群状态"

    def handle(self, *args, **options):
        database = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            version = citus.citus_version(cursor)
        if version is None:
            self.stdout.write(f"not a Citus database: the citus extension is not installed in {database!r}; nothing "
                              "to check / 不是 Citus 数据库（未安装 citus 扩展），无可检查")
            raise SystemExit(2)
        plan = citus.database_plan()
        problems = [str(f) for f in citus.script_findings(tenant_script().statements, reference_tables=plan.reference)]
        with connection.cursor() as cursor:
            nodes = citus.cluster_nodes(cursor)
            if not nodes.workers:
                problems.append("no active worker node: centres have nowhere to go; add workers with "
                                "SELECT citus_add_node('<worker host>', 5432); / 尚无工作节点")
            problems += citus.cluster_problems(cursor, plan=plan, database=database)
        if problems:
            for problem in problems:
                self.stdout.write(problem)
            self.stdout.write(self.style.ERROR(f"{len(problems)} problem(s) / 共 {len(problems)} 个问题"))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(
            f"Citus {version}: {len(plan.centre_schemas)} centre schema(s) distributed over {len(nodes.workers)} "
            f"worker(s), none on the coordinator; {len(plan.reference)} reference table(s) in place "
            f"/ 集群状态正常"))
