"""What generated gradient code and users call at run time."""
from .helpers import ones_like, repeat_to, unbroadcast, zeros_like

__all__ = ["unbroadcast", "zeros_like", "ones_like", "repeat_to"]
