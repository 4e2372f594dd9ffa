"""Monitoring new publications: the watch loop, feeds, subscriptions and webhook delivery.

Notifications are derived from what the index holds (``first_seen_at``, the
versions ledger and each subscription's watermarks), never from in-memory events,
so a cycle that dies loses nothing: the next one recomputes the same deliveries.
"""
