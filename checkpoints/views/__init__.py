"""The pages of checkpoints, one module per audience, each owning its routes: ``scanner``
(tablets at the roadside), ``trips`` (bus operators, and the checkpoint's trip page),
``monitor`` (those who oversee checkpoints) and ``manage`` (those who manage them)."""
