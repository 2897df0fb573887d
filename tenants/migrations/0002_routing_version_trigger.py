"""Bump tenants_routingversion on every change to a centre or a domain (see tenants.routing)."""
from django.db import migrations

SQL = """
INSERT INTO tenants_routingversion (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE OR REPLACE FUNCTION tenants_bump_routing_version() RETURNS trigger AS $$
BEGIN
    UPDATE public.tenants_routingversion SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tenants_centre_routing_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenants_centre
    FOR EACH STATEMENT EXECUTE FUNCTION tenants_bump_routing_version();
CREATE TRIGGER tenants_domain_routing_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenants_domain
    FOR EACH STATEMENT EXECUTE FUNCTION tenants_bump_routing_version();
"""

REVERSE = """
DROP TRIGGER IF EXISTS tenants_centre_routing_version ON tenants_centre;
DROP TRIGGER IF EXISTS tenants_domain_routing_version ON tenants_domain;
DROP FUNCTION IF EXISTS tenants_bump_routing_version();
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
