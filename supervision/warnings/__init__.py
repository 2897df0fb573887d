"""The warnings room (预警): the deadline sweep over the public registry, the warnings it fires and their
acknowledgement, findings of out-of-process handling, and a centre's supervision settings."""
