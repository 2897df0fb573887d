"""The demo's news (工作动态): a handful of posts at the city centre and at Beilin, written and published by
each centre's administrator (`admin-<slug>`) through `news.services`. Idempotent (a post is known by its
Chinese title)."""
from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from news.choices import PostKind
from news.models import Post
from news.services import post_create, post_publish
from tenants.models import Centre, User

#: slug → (days ago, kind, Chinese title, English title, Chinese Markdown, English Markdown)
DEMO_POSTS = {
    "xian": [
        (40, PostKind.NEWS, "市政务服务中心推行“一窗受理”", "The city centre opens one-window acceptance",
         "自本月起，**综合受理窗口**统一收件，各部门后台审批。\n\n- 取号后到 A01 窗口\n- 材料齐全当场受理",
         "From this month the **general acceptance window** takes every application; departments decide behind "
         "it.\n\n- Take a ticket, go to window A01\n- Complete materials are accepted on the spot"),
        (25, PostKind.NOTICE, "春节期间办公时间安排", "Opening hours over the Spring Festival",
         "| 日期 | 安排 |\n|---|---|\n| 除夕至初六 | 休息 |\n| 初七起 | 正常办公 |",
         "| Days | Hours |\n|---|---|\n| New Year's Eve to day 6 | closed |\n| From day 7 | usual hours |"),
        (12, PostKind.NEWS, "网上办事大厅上线", "The online service hall is open",
         "登录**网上办事大厅**可在线申报、查询办理进度。",
         "Apply and follow your case at the **online service hall**."),
        (5, PostKind.NEWS, "中心开展服务质量评价", "Rate our service at the window",
         "每个窗口设有评价器，请对本次服务进行评价。", "Every window has a rating pad: tell us how we served you."),
        (1, PostKind.NOTICE, "系统升级维护通知", "System maintenance notice",
         "本周六 8:00–12:00 系统维护，期间暂停网上申报。",
         "On Saturday 8:00–12:00 the system is maintained: online applications pause."),
    ],
    "beilin": [
        (30, PostKind.NEWS, "碑林区企业开办一日办结", "Beilin starts a business in one day",
         "营业执照、公章刻制、税务登记**一日办结**。", "Business licence, seal and tax registration **in one day**."),
        (18, PostKind.NOTICE, "不动产登记窗口调整", "The real estate window moves",
         "不动产登记窗口调整至 4 号窗口。", "Real estate registration is now at window 4."),
        (9, PostKind.NEWS, "村级代办员培训完成", "Village agents trained",
         "全区 16 个站点的代办员完成培训。", "The agents of the district's 16 stations finished their training."),
        (3, PostKind.NEWS, "社保卡办理进社区", "Social security cards in the neighbourhoods",
         "南院门街道便民服务中心可办理社保卡申领。",
         "Apply for a social security card at the Nanyuanmen convenience centre."),
    ],
}


def demo_news_provision(*, now: dt.datetime | None = None) -> dict:
    """Write and publish the demo posts not written yet at the centres that exist; returns how many."""
    started = time.perf_counter()
    now = now or timezone.now()
    written = 0
    for slug, posts in DEMO_POSTS.items():
        centre = Centre.objects.filter(slug=slug).first()
        admin = User.objects.filter(username=f"admin-{slug}").first()
        if centre is None or admin is None:
            continue
        known = set(Post.objects.filter(centre=centre).values_list("title_zh", flat=True))
        for days_ago, kind, title_zh, title_en, body_zh, body_en in posts:
            if title_zh in known:
                continue
            post = post_create(centre=centre, acting_user=admin, kind=kind, title_zh=title_zh, title_en=title_en,
                               body_zh=body_zh, body_en=body_en)
            post_publish(post=post, acting_user=admin, now=now - dt.timedelta(days=days_ago))
            written += 1
    return {"posts": written, "seconds": round(time.perf_counter() - started, 2)}
