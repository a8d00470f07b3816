"""The report: figures, tables, HTML/Markdown/LaTeX rendering."""
