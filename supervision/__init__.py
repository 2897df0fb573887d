"""Electronic supervision (电子监察) and assessment (考核), in rooms (public schema, one Django app):

- `supervision.warnings`: the deadline sweep, deadline warnings (预警), findings of out-of-process
  handling (heard from `cases.hooks.step_refused`), a centre's settings;
- `supervision.reviews`: good/bad reviews (好差评), follow-up calls (回访), rectifications of bad reviews
  (差评整改), complaints, consultations and the director's mailbox, and the follow-up sweep;
- `supervision.sampling`: the monthly archive sampling (档案抽查);
- `supervision.assessment`: scoring rules, inspections, the daily bulletin, monthly awards, yearly scores;
- `supervision.dashboards`: the supervision dashboards (监察看板) and their charts.

Each room has its own models (re-exported by `supervision.models`), services, selectors, views, URLs
and error codes; `supervision.access` says once who sees what. Supervision never enters a centre's
schema: it reads the public registry and reaches a centre's windows through `windows.door`.
"""
