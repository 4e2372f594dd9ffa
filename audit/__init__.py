"""The audit across the years: office identity, cross-year chains, deadlines, copied narratives,
missing reports (docs/audit.md).

The rules are pure functions (`identity`, `chains`, `deadlines`, `reuse`, `missing`); `facts`
reads what they need from a report; `store` and `run` are the I/O edge against Elasticsearch.
"""
