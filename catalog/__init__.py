"""The federated item catalogue (事项目录): master items and versions, adoption by centres,
lifecycle events, service guides. Public schema."""
