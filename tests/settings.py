"""Test settings: the real settings module, with only what tests need changed."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-deployment")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))

from config.settings import *  # noqa: E402,F403

# Fast hashing: tests create many users, and password strength is not what they test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client and the live servers of the browser tests speak plain HTTP.
SECURE_SSL_REDIRECT = False

# `make mutation` runs the tests once per mutant: a test database kept in a file (with
# --reuse-db) spares each run the migrations. SQLite, so that it never touches PostgreSQL.
if os.environ.get("MUTATION_TEST_DB"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["MUTATION_TEST_DB"]}  # noqa: F405
