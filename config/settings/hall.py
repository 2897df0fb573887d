"""The hall (hall app): how repeated missed appointments suspend online booking."""
from config import env

#: This many no-shows within HALL_NO_SHOW_WINDOW_DAYS days suspend a person's online booking for
#: HALL_SUSPENSION_DAYS days from the last one (the hall and a clerk on the phone can still book).
HALL_NO_SHOW_LIMIT = env.env_int("HALL_NO_SHOW_LIMIT", 3)
HALL_NO_SHOW_WINDOW_DAYS = env.env_int("HALL_NO_SHOW_WINDOW_DAYS", 90)
HALL_SUSPENSION_DAYS = env.env_int("HALL_SUSPENSION_DAYS", 30)

#: The hall's live stream (hall.views_screen): a stream ends after this many seconds (the browser reconnects
#: at once with the last event id, so nothing is lost, and a thread is never held for good); a comment is sent
#: this often so that proxies and dead clients are noticed; the browser is told to reconnect after this long.
HALL_STREAM_SECONDS = env.env_int("HALL_STREAM_SECONDS", 300)
HALL_STREAM_HEARTBEAT_SECONDS = env.env_int("HALL_STREAM_HEARTBEAT_SECONDS", 15)
HALL_STREAM_RETRY_MS = env.env_int("HALL_STREAM_RETRY_MS", 2000)
