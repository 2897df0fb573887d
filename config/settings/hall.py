"""The hall (hall app): how repeated missed appointments suspend online booking."""
from config import env

#: This many no-shows within HALL_NO_SHOW_WINDOW_DAYS days suspend a person's online booking for
#: HALL_SUSPENSION_DAYS days from the last one (the hall and a clerk on the phone can still book).
HALL_NO_SHOW_LIMIT = env.env_int("HALL_NO_SHOW_LIMIT", 3)
HALL_NO_SHOW_WINDOW_DAYS = env.env_int("HALL_NO_SHOW_WINDOW_DAYS", 90)
HALL_SUSPENSION_DAYS = env.env_int("HALL_SUSPENSION_DAYS", 30)
