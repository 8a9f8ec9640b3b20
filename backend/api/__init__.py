"""The GraphQL API: parsing, authorisation and mapping of report rows to schema types."""
