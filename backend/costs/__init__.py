"""What the product computes to explain credits; no GraphQL, no SQL here."""
