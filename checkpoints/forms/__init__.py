"""The forms of the pages in ``checkpoints.views``, one module per page module: they parse,
and the services and selectors decide."""
