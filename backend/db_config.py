"""Tortoise config for the migration tool: `tortoise -c backend.db_config.TORTOISE_ORM`."""

from __future__ import annotations

import os

from backend.db import tortoise_config
from backend.settings import DATABASE_URL_ENV, DEFAULT_DATABASE_URL

TORTOISE_ORM = tortoise_config(os.environ.get(DATABASE_URL_ENV, DEFAULT_DATABASE_URL))
