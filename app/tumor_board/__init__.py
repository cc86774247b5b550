"""Tumor-board mode: case library dock, meeting agendas, presentation, decisions, PDF export.

Everything here builds on the window engineer's :class:`~app.main_window.MainWindow` through one
call, :func:`app.tumor_board.install.install_tumor_board`; the domain side is
:mod:`pathways.library`.
"""
