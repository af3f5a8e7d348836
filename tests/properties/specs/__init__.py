"""Valid-input specs of the catalogue's losses, one module per family module of
``anyloss.losses`` (each module defines ``SPECS: dict[str, Spec]``; ``families.py`` merges
them)."""
