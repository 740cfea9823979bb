"""The catalogue the site is built from: ``handbook.catalogue.load_catalogue`` (the cleaner's),
or a stand-in with the same contract while that module does not exist yet."""

try:
    from handbook.catalogue import load_catalogue  # noqa: F401
except ImportError:  # pragma: no cover - only before the cleaner's catalogue lands
    from handbook.site.catalogue_fallback import load_catalogue  # noqa: F401
