"""Forms of the news pages. They only parse input; the rules are `news.services`'."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from news.choices import WRITTEN_KINDS, PostKind


class PostForm(forms.Form):
    """A post's kind, titles and Markdown texts; `revision` is the revision the editor started from."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in WRITTEN_KINDS],
                             initial=PostKind.NEWS)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    body_zh = forms.CharField(label=_("Text (Chinese)"), widget=forms.Textarea(attrs={"rows": 12}),
                              help_text=_("Markdown: **bold**, lists with “- ”, links as [text](https://…), "
                                          "tables with “|”. HTML is shown as text."))
    body_en = forms.CharField(label=_("Text (English)"), widget=forms.Textarea(attrs={"rows": 8}), required=False,
                              help_text=_("Empty: English readers see the Chinese text."))
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
