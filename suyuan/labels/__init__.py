"""Label templates and rendering (PDF, PNG, SVG, ZPL) with a print proof; depends on ``suyuan.trace`` only."""
