"""Procure — procurement and contractor management for a district urban-management bureau."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
