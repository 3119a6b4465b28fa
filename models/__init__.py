"""Everything learned: mining labelled history, training, calibration, evaluation, explanation,
and the shipped default model (``default/``) with its card."""
