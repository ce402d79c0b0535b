"""Live views: one widget per view, each fed by trainer snapshots."""
