
import os

# Templates may not query (procure.kernel.db.rendering): in the tests a lazy load in a page or PDF
# is an error, so every page the suite renders proves its read model complete.
os.environ.setdefault("PROCURE_STRICT_RENDERING", "1")
