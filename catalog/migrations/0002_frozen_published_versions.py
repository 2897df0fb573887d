"""A published (or archived) item version is never edited in place: the database refuses it."""
from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION catalog_itemversion_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' AND (
        (NEW.item_id, NEW.number, NEW.effective_from, NEW.name_zh, NEW.name_en, NEW.legal_limit_days,
         NEW.promised_limit_days, NEW.is_immediate, NEW.visits_required, NEW.online_depth, NEW.fee_yuan,
         NEW.fee_basis, NEW.legal_basis, NEW.conditions, NEW.steps::text, NEW.contact_phone,
         NEW.complaint_channel)
        IS DISTINCT FROM
        (OLD.item_id, OLD.number, OLD.effective_from, OLD.name_zh, OLD.name_en, OLD.legal_limit_days,
         OLD.promised_limit_days, OLD.is_immediate, OLD.visits_required, OLD.online_depth, OLD.fee_yuan,
         OLD.fee_basis, OLD.legal_basis, OLD.conditions, OLD.steps::text, OLD.contact_phone,
         OLD.complaint_channel)
        OR (OLD.status = 'archived' AND NEW.status <> 'archived')
        OR (OLD.status = 'published' AND NEW.status NOT IN ('published', 'archived'))
    ) THEN
        RAISE EXCEPTION 'item version % is %: it is never edited in place; make a new version', OLD.id, OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_itemversion_frozen BEFORE UPDATE ON catalog_itemversion
    FOR EACH ROW EXECUTE FUNCTION catalog_itemversion_frozen();

CREATE OR REPLACE FUNCTION catalog_material_frozen() RETURNS trigger AS $$
DECLARE
    version_status text;
BEGIN
    SELECT status INTO version_status FROM catalog_itemversion
        WHERE id = COALESCE(NEW.version_id, OLD.version_id);
    IF version_status IS NOT NULL AND version_status <> 'draft' THEN
        RAISE EXCEPTION 'the materials of a % item version are never edited in place', version_status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_material_frozen BEFORE INSERT OR UPDATE OR DELETE ON catalog_material
    FOR EACH ROW EXECUTE FUNCTION catalog_material_frozen();
"""

REVERSE = """
DROP TRIGGER IF EXISTS catalog_itemversion_frozen ON catalog_itemversion;
DROP FUNCTION IF EXISTS catalog_itemversion_frozen();
DROP TRIGGER IF EXISTS catalog_material_frozen ON catalog_material;
DROP FUNCTION IF EXISTS catalog_material_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
