"""Credit Consumption Report: an exact ledger of campaign messages and the reports over it."""
