"""anyloss: Keras' loss system for every array library.

Every Keras loss (function, aliases, class) over the Python array API, so the same code runs on
NumPy, PyTorch, JAX (jit and grad included), CuPy and Dask; ``get/serialize/deserialize/register``;
``Loss``/``LossFunctionWrapper`` with Keras' reductions, sample weights and masks.

    >>> import anyloss as al
    >>> al.get("mse") is al.mean_squared_error
    True
"""

from anyloss import ops
from anyloss.check import CheckReport, check_loss
from anyloss.container import LossesContainer
from anyloss.losses import *  # noqa: F403 - the losses package defines the public loss names
from anyloss.losses import __all__ as _losses_all

__version__ = "0.1.0"

__all__ = sorted(["CheckReport", "LossesContainer", "__version__", "check_loss", "ops",
                  *_losses_all])
