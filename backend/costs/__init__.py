"""What the product computes to explain credits: template analysis (no GraphQL, no SQL), message
cost attributes, rate cards and a campaign's cost explanation (SQL grouped in the database)."""
