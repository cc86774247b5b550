"""Logging for a windowed app that nobody watches: a rotating file in the local app-data folder.

The log goes to ``<AppLocalDataLocation>/logs/her2-pathways.log`` (Windows:
``%LOCALAPPDATA%``, never the roaming profile that follows the user across machines), rotated at
1 MB with five old files kept. Warnings also go to stderr when there is one (``--debug``: every
message). With no stderr (a windowed build on Windows), ``faulthandler`` writes a hard crash's
Python stacks to ``faulthandler.log`` beside the log.

Redaction: no log message carries a patient identifier (the callers' rule); on top of that every
message has its file paths masked (:func:`mask_paths`: a file may be named after its patient),
and tracebacks are written by :func:`redacted_traceback`, which keeps the stack (code, not data)
and drops exception messages, since a message may quote anything it was given.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from types import TracebackType
from typing import IO

from PySide6.QtCore import QStandardPaths

from pathways.version import APP_VERSION

LOG_NAME = "her2-pathways.log"
FAULT_NAME = "faulthandler.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
LOG_DIR_ENV = "HER2_PATHWAYS_LOG_DIR"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# The process's one logging state: compared by identity.
@dataclass(eq=False)
class _State:
    handlers: list[logging.Handler] = field(default_factory=list)
    log_path: Path | None = None
    fault_file: IO[str] | None = None


_state = _State()


def log_dir() -> Path:
    """The log folder: ``$HER2_PATHWAYS_LOG_DIR``, else ``<local app data>/logs``.

    Needs the application names set (``app.settings.init_application_names``).
    """
    env = os.environ.get(LOG_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    local = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(local) / "logs"


def log_path() -> Path | None:
    """The file the log is written to, or None when there is no file log (yet, or it failed)."""
    return _state.log_path


def redacted_traceback(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None
) -> str:
    """A traceback with every frame (file, line, function, source line) and no message.

    Messages are withheld for every exception: an error raised while reading a case can quote
    a name or a record number, and the log and the crash dialog must never show one. Chained
    exceptions are listed the same way.
    """
    chain: list[tuple[type[BaseException], TracebackType | None]] = [(exc_type, tb)]
    seen: set[int] = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
        if current is not None:
            chain.append((type(current), current.__traceback__))
    blocks = []
    for kind, frames in reversed(chain):  # innermost first, as Python prints them
        name = f"{kind.__module__}.{kind.__qualname__}".removeprefix("builtins.")
        stack = "".join(traceback.format_list(traceback.extract_tb(frames)))
        blocks.append(
            f"Traceback (most recent call last):\n{stack}"
            f"{name} (message withheld: it may contain patient data)\n"
        )
    return "\nThen, while handling it or because of it:\n\n".join(blocks)


# A file path in a message: absolute POSIX (/…), Windows drive (C:\\… or C:/…) or UNC (\\\\…),
# up to a quote, a newline, or ": " / ", " (paths may hold spaces: masking too much is safe).
_PATH = re.compile(r"""(?:\b[A-Za-z]:[\\/]|\\\\|(?<![\w.~])/)(?:[^"'<>|\n:,]|[:,](?!\s))+""")


def mask_paths(text: str) -> str:
    """Replace file paths by their extension only, keeping source files (code, not data).

    Users name case files and exports as they like, sometimes after the patient: a path in a
    Qt warning or a refusal must not carry a name into the log. ``.py`` paths are the app's own
    code locations and stay.
    """

    def mask(match: re.Match[str]) -> str:
        path = match.group(0).rstrip()
        if path.endswith(".py"):
            return path
        suffix = PurePath(path).suffix
        shown = suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 9
        return f"<path{suffix}>" if shown else "<path>"

    return _PATH.sub(mask, text)


class RedactingFormatter(logging.Formatter):
    """Masks file paths in messages (:func:`mask_paths`) and formats tracebacks with
    :func:`redacted_traceback` (``log.exception`` included)."""

    def format(self, record: logging.LogRecord) -> str:
        # logging caches the first handler's traceback text on the record (pytest's, or any
        # plain handler's); never reuse it, it may hold the message.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = mask_paths(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: object) -> str:
        if isinstance(ei, tuple) and len(ei) == 3 and isinstance(ei[0], type):
            return redacted_traceback(ei[0], ei[1], ei[2]).rstrip("\n")
        return "(no traceback)"


def setup_logging(debug: bool = False, folder: Path | None = None) -> Path | None:
    """Log to a rotating file in ``folder`` (default :func:`log_dir`) and to stderr if present.

    Returns the log file, or None when the folder cannot be written (the app still runs; the
    reason goes to stderr when there is one). Calling it again replaces the earlier handlers.
    """
    root = logging.getLogger()
    for handler in _state.handlers:
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = []
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    if sys.stderr is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.DEBUG if debug else logging.WARNING)
        console.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        handlers.append(console)
    folder = folder if folder is not None else log_dir()
    path: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            folder / LOG_NAME, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        if sys.stderr is not None:
            print(f"warning: no log file in {folder} ({exc.strerror or exc})", file=sys.stderr)
    else:
        path = folder / LOG_NAME
        file_handler.setLevel(logging.DEBUG if debug else logging.INFO)
        file_handler.setFormatter(RedactingFormatter(FORMAT))
        handlers.append(file_handler)
    for handler in handlers:
        root.addHandler(handler)
    _state.handlers = handlers
    _state.log_path = path
    if path is not None:
        _enable_faulthandler(folder)
        logging.getLogger("app").info(
            "HER2 Pathways %s started (Python %s, %s)",
            APP_VERSION,
            sys.version.split()[0],
            sys.platform,
        )
    return path


def _enable_faulthandler(folder: Path) -> None:
    """Python stacks on a hard crash: to stderr when there is one, else to a file."""
    if faulthandler.is_enabled():
        return
    if sys.stderr is not None:
        try:
            faulthandler.enable()
            return
        except (AttributeError, ValueError, OSError):  # a stderr with no file descriptor
            pass
    try:
        # Kept open for the life of the process: faulthandler writes to its descriptor directly.
        stream: IO[str] = open(folder / FAULT_NAME, "a", encoding="utf-8")  # noqa: SIM115
    except OSError:
        return
    _state.fault_file = stream
    faulthandler.enable(file=stream)
