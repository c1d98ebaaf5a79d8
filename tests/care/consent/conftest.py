from tests.care.episodes.conftest import care_program  # noqa: F401  (the episodes' program)
