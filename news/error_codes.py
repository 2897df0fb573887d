"""Error codes of the news (clients branch on these)."""
from enum import StrEnum


class NewsErrorCode(StrEnum):
    INVALID_POST = "news_invalid_post"
    EDITED_MEANWHILE = "news_edited_meanwhile"
    WRONG_STATUS = "news_wrong_status"
