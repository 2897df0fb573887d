"""Prometheus metrics (config/metrics.py, common/metrics.py; docs/operations.md, "Metrics and alerts")."""
from config import env

#: `Authorization: Bearer <token>` lets a scraper in from anywhere ("" = no token accepted).
METRICS_TOKEN = env.METRICS_TOKEN
#: Client addresses (as common.client.client_address reads them) let in without the token.
METRICS_ALLOWED_NETWORKS = env.METRICS_ALLOWED_NETWORKS
#: prometheus-client's multiprocess folder, shared by every process of the machine ("" = one process).
METRICS_MULTIPROC_DIR = env.METRICS_MULTIPROC_DIR
