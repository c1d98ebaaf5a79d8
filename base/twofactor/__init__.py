"""Two-factor login (TOTP with recovery codes) for the roles that reach many people's data."""
