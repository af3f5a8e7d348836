"""The custom-loss checker: ``check_loss`` runs a loss everywhere and names what is wrong."""

from anyloss.check._checks import check_loss
from anyloss.check._report import CheckReport, Problem

__all__ = ["CheckReport", "Problem", "check_loss"]
