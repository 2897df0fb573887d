"""The models of supervision's rooms, gathered where Django looks for them (app label `supervision`;
the tables keep their names, `supervision_<model>`)."""
from supervision.assessment.models import Inspection, ScoringRule
from supervision.dashboards.models import DashboardDay, DashboardRollupRun
from supervision.reviews.models import Inquiry, Rectification, Review, ReviewCallback
from supervision.sampling.models import ArchiveSample, ArchiveSampleCase
from supervision.warnings.models import DeadlineWarning, Finding, SupervisionSetting

__all__ = ["ArchiveSample", "ArchiveSampleCase", "DashboardDay", "DashboardRollupRun", "DeadlineWarning", "Finding",
           "Inquiry", "Inspection", "Rectification", "Review", "ReviewCallback", "ScoringRule", "SupervisionSetting"]
