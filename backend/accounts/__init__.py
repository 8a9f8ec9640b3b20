"""Credit accounts (specification §9): every credit source is an account. Credits come in and
go out through credit transactions (`transactions`: validation and recording, the one path the
API, the importer and the demo share) and go out through messages, read from the report's own
derived data (`consumption`), so a statement's `consumed` is the report's credits for the same
window. `statements` answers balances and statements, `forecast` the runway, `history` the
paged list of transactions.

No GraphQL here: `backend/api/` maps these plain rows to types.
"""
