"""The reviews room (好差评): ratings of decided cases, follow-up calls (回访), rectifications of bad reviews
(差评整改), complaints, consultations and the director's mailbox, and the follow-up sweep."""
