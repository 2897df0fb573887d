"""Electronic supervision (电子监察): deadline warnings swept from the public registry, findings of
out-of-process handling, and (in time) reviews, sampling, assessment and dashboards. Public schema."""
