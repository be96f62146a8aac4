"""Every read of checkpoints, one module per topic: ``scope`` (which checkpoints and passages
a user may see), ``duty``, ``people`` and ``facts`` (who a traveller is and what is known of
them), ``lookup`` (the online check), ``trips``, ``reports``, ``manage``, ``places``.
Import from the module itself."""
