"""Import torchvision (and what imports it: timm, smp) where its compiled ops cannot load.

torchvision 0.28.0 is the release built for torch 2.13.0, but its PyPI wheel's ``_C`` extension
does not load beside the CPU build of torch 2.13.0, and ``import torchvision`` then fails while
registering fake kernels for ``torchvision::nms`` and ``qnms``. The losses the reference scripts run
(``torchvision.ops`` box and focal losses, timm's and smp's losses) are plain torch code that
never calls a compiled op, so declaring those two operators' schemas first lets the import finish;
calling ``nms`` itself would still fail. Import this module before torchvision.
"""

import contextlib

import torch

_LIBRARY = torch.library.Library("torchvision", "FRAGMENT")
for _schema in (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
):
    with contextlib.suppress(RuntimeError):  # already defined: torchvision's own ops loaded
        _LIBRARY.define(_schema)
