"""Every write of checkpoints, one module per topic: ``scans`` (passages from tablets'
batches) over ``passage_store`` (how they are stored with their receipts, in one statement
on PostgreSQL), ``shifts`` (duty), ``trips`` (bus trips and their passengers, and recording
them at a checkpoint), ``manage`` (checkpoints and their staff). Import from the module
itself."""
