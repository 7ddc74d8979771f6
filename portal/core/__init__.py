"""What every domain shares: the db session, htmx helpers, access, forms, errors, time, i18n, nav."""
