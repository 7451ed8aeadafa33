"""ORM models, one file per table. Importing this package registers every table on Base."""
