"""Reading a torch autograd graph in tests: what the chunked cross-entropies saved."""

from __future__ import annotations

from typing import Any


def chunked_node(out: Any) -> Any:
    """The chunked function's node in ``out``'s autograd graph (``None`` if absent)."""
    todo, seen = [out.grad_fn], set()
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if "Chunked" in type(node).__name__:
            return node
        todo.extend(fn for fn, _ in node.next_functions)
    return None
