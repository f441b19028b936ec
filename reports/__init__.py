"""Report rendering with reportlab: plain data in, PDF bytes (or SVG) out. No Flask, no database."""
