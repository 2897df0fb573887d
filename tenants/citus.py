"""Citus schema-based sharding (分布式模式分片): what a centre's SQL must avoid, which public tables must
become reference tables, the SQL that prepares a database, and the checks of a cluster's state.

On a Citus cluster with `citus.enable_schema_based_sharding = on`, every schema created by `CREATE
SCHEMA` (a centre's, made by provisioning) becomes a *distributed schema*: its tables are single-shard
tables placed together on one worker. The public schema stays on the coordinator. What Citus 12/13
refuses in such a schema, and what this module checks in the SQL a centre's migrations produce
(`tenants.provisioning.tenant_script`, the statements replayed into every new centre):

- `ALTER TABLE ... ADD COLUMN` carrying an unnamed PRIMARY KEY / UNIQUE / REFERENCES / CHECK
  ("cannot execute ADD COLUMN command with PRIMARY KEY, UNIQUE, FOREIGN and CHECK constraints":
  Citus' `ErrorUnsupportedAlterTableAddColumn`); an unnamed `ALTER TABLE ... ADD CHECK/UNIQUE/...`
  is flagged too (older Citus refused it; the project names every constraint);
- a foreign key to a public table that is not a reference table (a distributed schema's table may
  reference only its own schema or a reference table);
- a table created inside a function or DO block (Citus does not distribute it: it stays on the
  coordinator, silently).

The centre's foreign keys into public (django-guardian's generic object permissions and the windows'
permission tables → `tenants_user`, `auth_permission`, `auth_group`, `django_content_type`) are kept:
those tables are made reference tables by `manage.py citus_prepare` before the first centre exists,
with every public table they reference (a reference table may reference only reference tables). The
public tables linked to them by foreign keys (the rest of their connected component: memberships,
centres, the registry, ...; 55 here) become Citus *local* tables on the coordinator — Citus would
convert them anyway, doing it ourselves makes it explicit and checked. Conversions restart identity
sequences, so every public id sequence is then set past its table's largest id.

The lists are computed, never written down: the centre's targets from the centre SQL, the rest from
`pg_constraint` over the public schema. Catalog names are Citus 12.0+'s (`pg_dist_schema`,
`pg_dist_partition`, `pg_dist_shard`, `pg_dist_placement`, `pg_dist_node`, `citus_schema_distribute`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django_tenants.utils import get_public_schema_name

from tenants.models import Centre
from tenants.provisioning import tenant_script

#: The rules a centre's SQL is checked against (the code in a `Finding`).
UNNAMED_IN_ADD_COLUMN = "unnamed-constraint-in-add-column"
UNNAMED_TABLE_CONSTRAINT = "unnamed-table-constraint"
FOREIGN_KEY_TO_PUBLIC = "foreign-key-to-public"
TABLE_IN_FUNCTION = "table-in-function"

_CONSTRAINT_WORDS = {"CHECK", "REFERENCES", "UNIQUE", "PRIMARY", "FOREIGN", "EXCLUDE"}


@dataclass(frozen=True)
class Finding:
    """One statement of a centre's SQL that Citus would refuse: `rule` (one of the codes above),
    `statement` (the SQL), `detail` (what in it, in English)."""
    rule: str
    statement: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.detail}: {self.statement[:200]}"


# --- a small SQL lexer: enough for the DDL Django writes --------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$)
  | (?P<string>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*")
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    depth: int  # parentheses around it

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def name(self) -> str:
        """The identifier this token names (unquoted, case-folded as PostgreSQL does)."""
        if self.kind == "ident":
            return self.text[1:-1].replace('""', '"')
        return self.text.lower()


def _tokens(sql: str) -> list[_Token]:
    out: list[_Token] = []
    depth = 0
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup or "other"
        if kind == "tag":
            kind = "dollar"
        if kind == "space":
            continue
        if kind == "close":
            depth -= 1
        out.append(_Token(kind, match.group(0), depth))
        if kind == "open":
            depth += 1
    return out


def _split_top(tokens: list[_Token], depth: int) -> Iterator[list[_Token]]:
    """`tokens` cut at the commas standing at `depth`."""
    part: list[_Token] = []
    for token in tokens:
        if token.kind == "other" and token.text == "," and token.depth == depth:
            yield part
            part = []
        else:
            part.append(token)
    if part:
        yield part


def _unnamed_constraints(tokens: list[_Token], depth: int) -> list[str]:
    """The constraint keywords at `depth` in a column definition or table constraint that no
    `CONSTRAINT name` precedes (PRIMARY KEY, UNIQUE, REFERENCES, CHECK, FOREIGN KEY, EXCLUDE)."""
    found = []
    for i, token in enumerate(tokens):
        if token.depth != depth or token.word not in _CONSTRAINT_WORDS:
            continue
        if token.word == "FOREIGN" and i + 1 < len(tokens) and tokens[i + 1].word != "KEY":
            continue
        if token.word == "REFERENCES" and i >= 2 and tokens[i - 1].word == "KEY":
            continue  # the REFERENCES of a FOREIGN KEY (...) clause: judged with its FOREIGN
        if i >= 2 and tokens[i - 2].word == "CONSTRAINT":
            continue
        found.append("PRIMARY KEY" if token.word == "PRIMARY" else
                     "FOREIGN KEY" if token.word == "FOREIGN" else token.word)
    return found


def _qualified_name(tokens: list[_Token], start: int) -> tuple[str | None, str, int]:
    """(schema or None, table, index after the name) read from `tokens[start]`."""
    first = tokens[start].name
    if start + 2 < len(tokens) and tokens[start + 1].text == "." and tokens[start + 2].kind in ("word", "ident"):
        return first, tokens[start + 2].name, start + 3
    return None, first, start + 1


def _created_tables(statements: Iterable[str]) -> set[str]:
    names = set()
    for statement in statements:
        tokens = _tokens(statement)
        words = [t.word for t in tokens[:5]]
        if words[:1] == ["CREATE"] and "TABLE" in words:
            at = words.index("TABLE") + 1
            if at < len(tokens) and tokens[at].word == "IF":
                at += 3
            if at < len(tokens):
                names.add(_qualified_name(tokens, at)[1])
    return names


def _references(tokens: list[_Token]) -> Iterator[tuple[str | None, str]]:
    for i, token in enumerate(tokens):
        if token.word == "REFERENCES" and i + 1 < len(tokens):
            schema, table, _ = _qualified_name(tokens, i + 1)
            yield schema, table


def public_references(statements: Iterable[str]) -> set[str]:
    """The public tables the centre SQL `statements` hold foreign keys to: every `REFERENCES x` where
    x is not one of the centre's own tables (those the statements create), unqualified names
    resolving to public as on the centre's search path (`<centre>, public`)."""
    statements = list(statements)
    own = _created_tables(statements)
    targets = set()
    for statement in statements:
        for schema, table in _references(_tokens(statement)):
            if schema == "public" or (schema is None and table not in own):
                targets.add(table)
    return targets


def script_findings(statements: Iterable[str], *, reference_tables: Iterable[str] = ()) -> list[Finding]:
    """What Citus would refuse in the centre SQL `statements` (see the module's docstring), in order.
    `reference_tables`: public tables the project makes reference tables (a foreign key to one is
    allowed)."""
    statements = list(statements)
    own = _created_tables(statements)
    allowed = set(reference_tables)
    findings: list[Finding] = []
    for statement in statements:
        tokens = _tokens(statement)
        if not tokens:
            continue
        head = [t.word for t in tokens[:4]]
        if head[0] == "DO" or (head[0] == "CREATE" and ("FUNCTION" in head or "PROCEDURE" in head)):
            body = " ".join(t.text for t in tokens if t.kind in ("dollar", "string"))
            if re.search(r"\bCREATE\s+(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED)\s+)*TABLE\b|\bSELECT\b.*\bINTO\b",
                         body, re.IGNORECASE | re.DOTALL):
                findings.append(Finding(TABLE_IN_FUNCTION, statement,
                                        "a table created inside a function or DO block (Citus leaves it "
                                        "on the coordinator, undistributed)"))
            elif head[0] == "DO" and re.search(r"\bEXECUTE\b", body, re.IGNORECASE):
                findings.append(Finding(TABLE_IN_FUNCTION, statement,
                                        "dynamic SQL in a DO block (it may create a table Citus leaves "
                                        "undistributed; write the DDL as plain statements)"))
            continue
        if head[:2] == ["ALTER", "TABLE"]:
            findings.extend(_alter_table_findings(statement, tokens))
        for schema, table in _references(tokens):
            public = schema == "public" or (schema is None and table not in own)
            if public and table not in allowed:
                findings.append(Finding(FOREIGN_KEY_TO_PUBLIC, statement,
                                        f"a foreign key from a centre table to public {table!r}, which is "
                                        "not a reference table"))
    return findings


def _alter_table_findings(statement: str, tokens: list[_Token]) -> list[Finding]:
    at = 2
    while at < len(tokens) and tokens[at].word in ("IF", "EXISTS", "ONLY"):
        at += 1
    _schema, _table, at = _qualified_name(tokens, at)
    findings = []
    for command in _split_top(tokens[at:], 0):
        words = [t.word for t in command[:3]]
        if words[:1] != ["ADD"]:
            continue
        if len(words) > 1 and words[1] in _CONSTRAINT_WORDS:  # ADD CHECK (...), ADD UNIQUE (...), ...
            unnamed = _unnamed_constraints(command[1:2], 0)
            if unnamed:
                findings.append(Finding(UNNAMED_TABLE_CONSTRAINT, statement,
                                        f"an unnamed {unnamed[0]} added to a table (name it: ADD CONSTRAINT "
                                        "<name> ...)"))
            continue
        if len(words) > 1 and words[1] == "CONSTRAINT":
            continue
        column = command[2:] if len(words) > 1 and words[1] == "COLUMN" else command[1:]
        unnamed = _unnamed_constraints(column, 0)
        if unnamed:
            findings.append(Finding(UNNAMED_IN_ADD_COLUMN, statement,
                                    f"ADD COLUMN with an unnamed {', '.join(unnamed)} (Citus: \"cannot execute "
                                    "ADD COLUMN command with PRIMARY KEY, UNIQUE, FOREIGN and CHECK "
                                    "constraints\"; add the column, then a named constraint)"))
    return findings


# --- the public side: reference tables and the tables linked to them ------------------------------

def public_foreign_keys(cursor) -> list[tuple[str, str]]:
    """(referencing, referenced) for every foreign key between two public tables (`pg_constraint`)."""
    cursor.execute("""
        SELECT DISTINCT src.relname, dst.relname
        FROM pg_constraint con
        JOIN pg_class src ON src.oid = con.conrelid
        JOIN pg_class dst ON dst.oid = con.confrelid
        WHERE con.contype = 'f'
          AND src.relnamespace = 'public'::regnamespace AND dst.relnamespace = 'public'::regnamespace
        ORDER BY 1, 2""")
    return [(src, dst) for src, dst in cursor.fetchall()]


def reference_closure(targets: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """`targets` and every public table they reference, transitively (a reference table may reference
    only reference tables), referenced tables first (the order `create_reference_table` needs)."""
    edges = list(edges)
    outgoing: dict[str, set[str]] = {}
    for src, dst in edges:
        if src != dst:
            outgoing.setdefault(src, set()).add(dst)
    members: set[str] = set()
    todo = sorted(set(targets))
    while todo:
        table = todo.pop()
        if table not in members:
            members.add(table)
            todo.extend(sorted(outgoing.get(table, ())))
    ordered: list[str] = []

    def visit(table: str, path: tuple[str, ...]) -> None:
        if table in ordered or table in path:
            return
        for dst in sorted(outgoing.get(table, ())):
            visit(dst, (*path, table))
        ordered.append(table)

    for table in sorted(members):
        visit(table, ())
    return ordered


def linked_tables(reference: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """The public tables connected to the `reference` tables by foreign keys, in either direction and
    transitively, apart from those: the ones Citus makes *local* tables with them (sorted)."""
    reference = set(reference)
    neighbours: dict[str, set[str]] = {}
    for src, dst in edges:
        neighbours.setdefault(src, set()).add(dst)
        neighbours.setdefault(dst, set()).add(src)
    seen = set(reference)
    todo = sorted(reference)
    while todo:
        for other in neighbours.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return sorted(seen - reference)


def public_sequences(cursor) -> list[tuple[str, str]]:
    """(table, column) of every public column fed by a sequence (identity or serial), from `pg_depend`."""
    cursor.execute("""
        SELECT DISTINCT tab.relname, att.attname
        FROM pg_class seq
        JOIN pg_depend dep ON dep.objid = seq.oid AND dep.classid = 'pg_class'::regclass
             AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
        JOIN pg_class tab ON tab.oid = dep.refobjid
        JOIN pg_attribute att ON att.attrelid = tab.oid AND att.attnum = dep.refobjsubid
        WHERE seq.relkind = 'S' AND tab.relkind IN ('r', 'p') AND tab.relnamespace = 'public'::regnamespace
        ORDER BY 1, 2""")
    return [(table, column) for table, column in cursor.fetchall()]


@dataclass(frozen=True)
class Plan:
    """What `citus_prepare` does: `reference` tables (referenced first), `linked` tables (made Citus
    local tables), `sequences` ((table, column) reset past max), `centre_targets` (the public tables
    the centre SQL references), and the existing centre schemas to distribute."""
    centre_targets: tuple[str, ...]
    reference: tuple[str, ...]
    linked: tuple[str, ...]
    sequences: tuple[tuple[str, str], ...]
    centre_schemas: tuple[str, ...] = field(default=())


def citus_plan(cursor, *, centre_statements: Iterable[str], centre_schemas: Iterable[str] = ()) -> Plan:
    """The plan for this database: the centre SQL's public targets, their reference closure and linked
    tables from `pg_constraint`, the public sequences from `pg_depend`."""
    targets = public_references(centre_statements)
    edges = public_foreign_keys(cursor)
    reference = reference_closure(targets, edges)
    return Plan(centre_targets=tuple(sorted(targets)), reference=tuple(reference),
                linked=tuple(linked_tables(reference, edges)), sequences=tuple(public_sequences(cursor)),
                centre_schemas=tuple(centre_schemas))


def centre_schemas() -> list[str]:
    """The schemas of the centres that have one (a centre whose onboarding stopped before its schema
    was made has none), sorted."""
    names = list(Centre.objects.exclude(schema_name=get_public_schema_name())
                 .order_by("schema_name").values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [names])
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in names if name in present]


def database_plan() -> Plan:
    """`citus_plan` for the default database: the centre SQL from `tenant_script()` (what provisioning
    replays), the centre schemas from `centre_schemas()`."""
    schemas = centre_schemas()
    with connection.cursor() as cursor:
        return citus_plan(cursor, centre_statements=tenant_script().statements, centre_schemas=schemas)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _regclass(table: str) -> str:
    return _literal(f"public.{_ident(table)}")


def prepare_statements(plan: Plan, *, database: str, distribute: Iterable[str] = ()) -> list[str]:
    """The SQL that prepares a Citus coordinator for centres, in order, each statement safe to run
    again (a step already done is skipped by its own WHERE): reference tables, Citus local tables,
    sequences past max(id), schema-based sharding on for `database`, then `citus_schema_distribute` for
    each existing centre schema in `distribute`."""
    out = []
    for table in plan.reference:
        out.append(f"SELECT create_reference_table({_regclass(table)}) WHERE NOT EXISTS (SELECT 1 FROM "
                   f"pg_dist_partition WHERE logicalrelid = {_regclass(table)}::regclass AND repmodel = 't')")
    for table in plan.linked:
        out.append(f"SELECT citus_add_local_table_to_metadata({_regclass(table)}, cascade_via_foreign_keys => true) "
                   f"WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = "
                   f"{_regclass(table)}::regclass)")
    for table, column in plan.sequences:
        out.append(f"SELECT setval(pg_get_serial_sequence({_regclass(table)}, {_literal(column)}), "
                   f"(SELECT COALESCE(max({_ident(column)}), 0) + 1 FROM public.{_ident(table)}), false)")
    out.append(f"ALTER DATABASE {_ident(database)} SET citus.enable_schema_based_sharding = on")
    for schema in distribute:
        out.append(f"SELECT citus_schema_distribute({_literal(_ident(schema))}::regnamespace) WHERE NOT EXISTS "
                   f"(SELECT 1 FROM pg_dist_schema WHERE schemaid = {_literal(_ident(schema))}::regnamespace)")
    return out


# --- the cluster --------------------------------------------------------------------------------------

def citus_version(cursor) -> str | None:
    """The installed citus extension's version on this database, None when it is not installed."""
    cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
    row = cursor.fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class Nodes:
    """The cluster's nodes as the coordinator's `pg_dist_node` lists them: is the coordinator itself
    in the metadata (group 0; `citus_set_coordinator_host`), and the active primary workers."""
    coordinator: bool
    workers: tuple[str, ...]


def cluster_nodes(cursor) -> Nodes:
    cursor.execute("SELECT groupid, nodename || ':' || nodeport FROM pg_dist_node "
                   "WHERE noderole = 'primary' AND isactive ORDER BY groupid")
    rows = cursor.fetchall()
    return Nodes(coordinator=any(group == 0 for group, _ in rows),
                 workers=tuple(node for group, node in rows if group != 0))


def preparation_refusals(nodes: Nodes) -> list[str]:
    """Why `citus_prepare` must not run yet on a cluster with these `nodes` (empty: it may)."""
    refusals = []
    if not nodes.coordinator:
        refusals.append("the coordinator is not in the cluster's metadata: run "
                        "SELECT citus_set_coordinator_host('<coordinator host>', 5432); first "
                        "/ 协调节点未登记，请先执行 citus_set_coordinator_host")
    if not nodes.workers:
        refusals.append("no active worker node: add them with SELECT citus_add_node('<worker host>', 5432); "
                        "/ 尚无工作节点，请先用 citus_add_node 添加")
    return refusals


def cluster_problems(cursor, *, plan: Plan, database: str) -> list[str]:
    """What is wrong with a Citus cluster for the platform, one line each (English / 中文); empty when
    all is well: schema-based sharding off; a centre schema (of `plan.centre_schemas`) not distributed,
    a table of one not a Citus table, a centre's shard placed on the coordinator (group 0); a table of
    `plan.reference` not a reference table, one of `plan.linked` not in Citus' metadata; a public
    sequence behind its table's largest id (the next insert would collide)."""
    problems = []
    cursor.execute("""
        SELECT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase,
                              unnest(s.setconfig) AS c(setting)
                       WHERE d.datname = %s AND s.setrole = 0
                         AND lower(c.setting) IN ('citus.enable_schema_based_sharding=on',
                                                  'citus.enable_schema_based_sharding=true',
                                                  'citus.enable_schema_based_sharding=1'))""", [database])
    if not cursor.fetchone()[0]:
        problems.append(f"schema-based sharding is not on for database {database!r}: new centres would stay on "
                        "the coordinator; run manage.py citus_prepare / 未开启按模式分片，新中心将留在协调节点")
    schemas = list(plan.centre_schemas)
    if schemas:
        cursor.execute("""
            SELECT n.nspname FROM pg_namespace n
            WHERE n.nspname = ANY(%s) AND n.oid NOT IN (SELECT schemaid FROM pg_dist_schema)
            ORDER BY 1""", [schemas])
        for (schema,) in cursor.fetchall():
            problems.append(f"centre schema {schema!r} is not distributed (it stays on the coordinator); run "
                            f"SELECT citus_schema_distribute('{schema}'); / 中心模式未分布")
        cursor.execute("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND c.oid NOT IN (SELECT logicalrelid FROM pg_dist_partition)
              AND n.oid IN (SELECT schemaid FROM pg_dist_schema)
            ORDER BY 1, 2""", [schemas])
        for schema, table in cursor.fetchall():
            problems.append(f"table {schema}.{table} of a distributed centre schema is not a Citus table "
                            "(made inside a function?) / 中心表未分布")
        cursor.execute("""
            SELECT n.nspname, count(DISTINCT s.shardid) FROM pg_dist_shard s
            JOIN pg_dist_placement p ON p.shardid = s.shardid
            JOIN pg_class c ON c.oid = s.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE p.groupid = 0 AND n.nspname = ANY(%s)
            GROUP BY 1 ORDER BY 1""", [schemas])
        for schema, shards in cursor.fetchall():
            problems.append(f"centre schema {schema!r} has {shards} shard(s) on the coordinator: move it to a "
                            "worker (SELECT citus_rebalance_start(); or citus_schema_move) / 中心数据位于协调节点")
    if plan.reference:
        cursor.execute("""
            SELECT t.name FROM unnest(%s::text[]) AS t(name)
            WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition p
                              WHERE p.logicalrelid = to_regclass('public.' || quote_ident(t.name))
                                AND p.partmethod = 'n' AND p.repmodel = 't')
            ORDER BY 1""", [list(plan.reference)])
        for (table,) in cursor.fetchall():
            problems.append(f"public.{table} is not a reference table (centre tables reference it); run "
                            "manage.py citus_prepare / 不是参考表")
    if plan.linked:
        cursor.execute("""
            SELECT t.name FROM unnest(%s::text[]) AS t(name)
            WHERE to_regclass('public.' || quote_ident(t.name)) NOT IN (SELECT logicalrelid FROM pg_dist_partition)
            ORDER BY 1""", [list(plan.linked)])
        for (table,) in cursor.fetchall():
            problems.append(f"public.{table} (linked to the reference tables by foreign keys) is not in Citus' "
                            "metadata; run manage.py citus_prepare / 关联表未登记")
    for table, column in plan.sequences:
        sequence = _sequence_relation(cursor, table, column)
        if sequence is None:
            continue
        cursor.execute(f"SELECT (SELECT max({_ident(column)}) FROM public.{_ident(table)}), "
                       f"(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence})")
        largest, last = cursor.fetchone()
        if largest is not None and last < largest:
            problems.append(f"the id sequence of public.{table} is behind (next {last + 1}, largest id {largest}): "
                            "the next insert collides; run manage.py citus_prepare / 序列落后")
    return problems


def _sequence_relation(cursor, table: str, column: str) -> str | None:
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [f"public.{_ident(table)}", column])
    return cursor.fetchone()[0]
