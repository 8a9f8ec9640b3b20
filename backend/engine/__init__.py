"""The reporting engine: usage (targeted guests, processed messages, credits) per campaign,
center and business day, for any scope and window, kept up to date as batches arrive.

Two layers. The database keeps derived rows written in each batch's own transaction
(`writes`): one per (campaign, center, guest, day) visit with the guest's previous visit, and
one per (campaign, center, day) with its sums. Each process keeps those rows of every campaign
in arrays (`arrays`, `queries`), and catches up by reading only the rows a batch wrote
(`store`): a batch costs work in proportion to the batch, in the database once and in each
process once, and a report read after a batch was acknowledged includes it.

The interface: the ledger calls `record_batch` (and `rebuild_campaigns` after a void); reports
call `usage_of` for the campaigns' arrays at the current state of the ledger, and answer with
the functions of `queries`. Nothing here knows GraphQL.
"""
