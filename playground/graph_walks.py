"""Walks over a graph's edges: topological order, the nodes on cycles, a loop's path, reach.

Plain graph algorithms on :class:`~playground.graph.Graph` node ids, linear in
the graph's size (each walk builds its child or parent map in one pass over the
edges); shape inference (:mod:`playground.shapes`) orders nodes and names the
cycles and unreachable nodes with them.
"""

from __future__ import annotations

from collections import deque

from playground.graph import Graph


def topological_order(graph: Graph) -> tuple[list[str], set[str]]:
    """Kahn's algorithm; returns the order and the nodes left in cycles."""
    indegree = {nid: 0 for nid in graph.nodes}
    children = child_map(graph)
    for e in graph.edges:
        indegree[e.dst] += 1
    queue = deque(nid for nid, d in indegree.items() if d == 0)
    order = []
    while queue:
        nid = queue.popleft()
        order.append(nid)
        for child in children[nid]:
            indegree[child] -= 1
            if indegree[child] == 0:
                queue.append(child)
    # Nodes left over are on a cycle or downstream of one; only the former get the error.
    done = set(order)
    remaining = [nid for nid in graph.nodes if nid not in done]
    return order, on_cycles(remaining, children)


def child_map(graph: Graph) -> dict[str, list[str]]:
    """Node id -> the ids its edges lead to (one pass over the edges: every walk over the
    graph uses this map, so inference stays linear in the graph's size)."""
    children: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges:
        children[e.src].append(e.dst)
    return children


def parent_map(graph: Graph) -> dict[str, list[str]]:
    """Node id -> the ids of the nodes whose edges lead to it."""
    parents: dict[str, list[str]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges:
        parents[e.dst].append(e.src)
    return parents


def reach(links: dict[str, list[str]], starts: list[str]) -> set[str]:
    """Every node reachable from ``starts`` by one or more ``links`` steps."""
    seen: set[str] = set()
    stack = [nxt for nid in starts for nxt in links[nid]]
    while stack:
        nid = stack.pop()
        if nid not in seen:
            seen.add(nid)
            stack.extend(links[nid])
    return seen


def on_cycles(nodes: list[str], children: dict[str, list[str]]) -> set[str]:
    """The ``nodes`` that lie on a cycle among themselves: members of a strongly connected
    component of two or more, or with an edge to themselves (Tarjan's algorithm, iterative)."""
    among = set(nodes)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cyclic: set[str] = set()
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter([c for c in children[root] if c in among]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            nid, todo = work[-1]
            child = next(todo, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter([c for c in children[child] if c in among])))
                elif child in on_stack:
                    low[nid] = min(low[nid], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[nid])
            if low[nid] == index[nid]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == nid:
                        break
                if len(component) > 1 or nid in children[nid]:
                    cyclic.update(component)
    return cyclic


def cycle_path(graph: Graph, start: str, cyclic: set[str]) -> list[str]:
    """A shortest loop through ``start`` for the message, e.g. a -> b -> a."""
    children = child_map(graph)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        nid = queue.popleft()
        for child in children[nid]:
            if child == start:
                chain = [nid]  # back from the loop's last node to start
                while chain[-1] != start:
                    chain.append(came_from[chain[-1]])
                return [*reversed(chain), start]
            if child in cyclic and child not in came_from:
                came_from[child] = nid
                queue.append(child)
    return [start]
