"""The hall (大厅) of a centre: queues and numbered tickets (取号), appointments (预约抽号), calling to the
window (叫号), the hall screen and what feeds the counter's rating pad (评价器). A centre-schema app."""
